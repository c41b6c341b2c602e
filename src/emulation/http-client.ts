import http from 'node:http';
import https from 'node:https';
import { PipelineError, type ErrorCode } from '../errors';

/**
 * A small HTTP client over keep-alive agents, for the REST Proxy and the API Gateway routes.
 * It sends exactly the headers it is given (plus Host, Content-Length and Connection, which Node
 * adds), so the bytes on the wire are the ones PIPELINE_SPEC.md §2 describes.
 */
export interface HttpClientOptions {
  /** `http(s)://host[:port][/stage]`; request paths are appended to it. */
  baseUrl: string;
  /** Idle time on a socket before the request fails as a (retriable) timeout. */
  timeoutMs?: number;
  /** Sockets kept open to the server; bounds parallel requests. */
  maxSockets?: number;
}

export interface HttpRequestOptions {
  body?: string;
  headers?: Record<string, string>;
  signal?: AbortSignal;
}

export interface HttpResponse {
  status: number;
  headers: http.IncomingHttpHeaders;
  text: string;
}

export interface HttpClient {
  readonly baseUrl: string;
  /** Sends one request; network errors and timeouts throw a retriable `PipelineError`. */
  request(method: string, path: string, options?: HttpRequestOptions): Promise<HttpResponse>;
  /** Closes the kept-alive sockets. */
  close(): void;
}

/** Error codes of the socket layer after which the same request may well succeed. */
const RETRIABLE_NETWORK_CODES = new Set([
  'ECONNREFUSED', 'ECONNRESET', 'EPIPE', 'ETIMEDOUT', 'EAI_AGAIN', 'ECONNABORTED', 'EHOSTUNREACH', 'ENETUNREACH', 'ENETDOWN', 'ESOCKETTIMEDOUT', 'UND_ERR_SOCKET',
]);

/** True for socket-level failures (refused, reset, timed out) that a retry can get past. */
export function isRetriableNetworkCode(code: string | undefined): boolean {
  return code !== undefined && RETRIABLE_NETWORK_CODES.has(code);
}

/** Creates a client whose keep-alive agent is reused by every request. */
export function createHttpClient(options: HttpClientOptions): HttpClient {
  const base = new URL(options.baseUrl);
  if (base.protocol !== 'http:' && base.protocol !== 'https:') {
    throw new PipelineError('URL_INVALID', `${options.baseUrl} is not an http(s) URL`);
  }
  const secure = base.protocol === 'https:';
  const agentOptions = { keepAlive: true, maxSockets: options.maxSockets ?? 32 };
  const agent = secure ? new https.Agent(agentOptions) : new http.Agent(agentOptions);
  const basePath = base.pathname.replace(/\/+$/, '');
  const timeoutMs = options.timeoutMs ?? 30_000;
  const baseUrl = `${base.origin}${basePath}`;

  const request = (method: string, path: string, requestOptions: HttpRequestOptions = {}): Promise<HttpResponse> => {
    const body = requestOptions.body;
    const headers: Record<string, string | number> = { ...requestOptions.headers };
    if (body !== undefined) headers['Content-Length'] = Buffer.byteLength(body);
    const target = `${method} ${baseUrl}${path}`;
    return new Promise<HttpResponse>((resolve, reject) => {
      const req = (secure ? https : http).request({
        protocol: base.protocol,
        hostname: base.hostname,
        port: base.port || undefined,
        path: `${basePath}${path}`,
        method,
        headers,
        agent,
        signal: requestOptions.signal,
      });
      req.setTimeout(timeoutMs, () => {
        req.destroy(new PipelineError('HTTP_TIMEOUT', `${target}: no answer within ${timeoutMs} ms`, { retriable: true }));
      });
      req.on('error', (error: NodeJS.ErrnoException) => reject(toNetworkError(error, target)));
      req.on('response', (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.on('error', (error: NodeJS.ErrnoException) => reject(toNetworkError(error, target)));
        res.on('aborted', () => reject(new PipelineError('HTTP_ABORTED', `${target}: the answer was cut off`, { retriable: true })));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, text: Buffer.concat(chunks).toString('utf8') }));
      });
      req.end(body);
    });
  };
  return { baseUrl, request, close: () => agent.destroy() };
}

function toNetworkError(error: NodeJS.ErrnoException, target: string): unknown {
  if (error instanceof PipelineError) return error;
  if (error.name === 'AbortError') return error;
  const retriable = isRetriableNetworkCode(error.code) || /socket hang up/i.test(error.message);
  const hint = error.code === 'ENOTFOUND' ? '; check the URL in credentials/aws.yaml' : '';
  return new PipelineError('NETWORK_ERROR', `${target}: ${error.message}${hint}`, { retriable, cause: error });
}

/** What an HTTP status means for the records in the request. */
export type StatusKind = 'retriable' | 'rejected' | 'fatal';

/**
 * 408, 429 and 5xx are worth a retry; 400, 413 and 422 reject something in the request body (a
 * record, so the batch is split to find it); anything else (401, 403, 404, 415 ...) is a setup
 * problem that retrying or splitting cannot fix.
 */
export function classifyStatus(status: number): StatusKind {
  if (status === 408 || status === 429 || status >= 500) return 'retriable';
  if (status === 400 || status === 413 || status === 422) return 'rejected';
  return 'fatal';
}

/** Code of a PipelineError raised when the server rejects records in the request body. */
export const RECORDS_REJECTED = 'RECORDS_REJECTED' satisfies ErrorCode;

/** An error answer from a server, with its status and the body's error code and message. */
export class HttpStatusError extends PipelineError {
  readonly status: number;
  readonly kind: StatusKind;

  constructor(status: number, kind: StatusKind, message: string) {
    super(kind === 'rejected' ? RECORDS_REJECTED : 'HTTP_STATUS', message, { retriable: kind === 'retriable' });
    this.name = 'HttpStatusError';
    this.status = status;
    this.kind = kind;
  }
}

/**
 * Turns a non-2xx answer into an `HttpStatusError`, quoting the REST Proxy's
 * `{"error_code","message"}` or an AWS `{"__type","message"}` body when there is one.
 */
export function statusError(response: HttpResponse, what: string, hint404?: string): HttpStatusError {
  const detail = errorDetail(response.text);
  const hint = response.status === 404 && hint404 ? `; ${hint404}` : '';
  return new HttpStatusError(response.status, classifyStatus(response.status), `${what}: HTTP ${response.status}${detail ? ` ${detail}` : ''}${hint}`);
}

/** `error_code 40401 Topic not found.` from a JSON error body, or the start of a text body. */
export function errorDetail(text: string): string {
  if (!text) return '';
  try {
    const body = JSON.parse(text) as Record<string, unknown>;
    if (body && typeof body === 'object') {
      const code = body.error_code ?? body.__type ?? body.code;
      const message = body.message ?? body.Message ?? body.error;
      const parts = [code !== undefined ? `(${String(code)})` : '', message !== undefined ? String(message) : ''].filter(Boolean);
      if (parts.length) return parts.join(' ');
    }
  } catch (error) {
    if (!(error instanceof SyntaxError)) throw error;
  }
  return text.length > 200 ? `${text.slice(0, 200)}…` : text;
}
