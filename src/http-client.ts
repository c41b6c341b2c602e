// Only the keep-alive agents come from node:http(s); the requests are axios'.
import { Agent as HttpAgent } from 'node:http';
import { Agent as HttpsAgent } from 'node:https';
import axios, { type AxiosInstance } from 'axios';
import { z } from 'zod';
import { hasErrorCode, isRetriableNetworkCode, PipelineError, type ErrorCode } from './errors';

/**
 * The pipeline's one HTTP client, on axios with keep-alive agents: the REST Proxy and API Gateway
 * posts of the emulation, the sample round trip, the Databricks Jobs API and the doctor. Made once
 * from configuration (base URL, timeout, headers such as a bearer token) and passed in.
 *
 * It sends exactly the headers it is given (plus Host, Content-Length and Connection, which Node
 * adds; none of axios' own Accept, User-Agent or Accept-Encoding), the body as given, no redirect
 * followed and no proxy from the environment, so the bytes on the wire are the ones
 * PIPELINE_SPEC.md §2 describes. The caller reads the status and the body as text itself.
 */
export interface HttpClientOptions {
  /** `http(s)://host[:port][/stage]`; request paths are appended to it. */
  baseUrl: string;
  /** No answer within this time (connecting included), or an idle socket after it started, fails as a retriable HTTP_TIMEOUT. */
  timeoutMs?: number;
  /** Sockets kept open to the server; bounds parallel requests. */
  maxSockets?: number;
  /** Sent with every request, e.g. `Authorization: Bearer <token>`; a request's own headers win. */
  headers?: Record<string, string>;
}

export interface HttpRequestOptions {
  body?: string;
  headers?: Record<string, string>;
  signal?: AbortSignal;
}

export interface HttpResponse {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  text: string;
}

export interface HttpClient {
  /** The base URL without a trailing slash, as shown in messages. */
  readonly baseUrl: string;
  /**
   * Sends one request and answers whatever the status. Network errors and timeouts throw a
   * `PipelineError` (NETWORK_ERROR, HTTP_TIMEOUT, HTTP_ABORTED) with the cause; an aborted
   * `signal` throws its reason.
   */
  request(method: string, path: string, options?: HttpRequestOptions): Promise<HttpResponse>;
  /**
   * Sends one request and answers its JSON body checked against `schema` (`parseAnswer`): a
   * non-2xx status throws `statusError`, a body that is not JSON or not of the schema a PROTOCOL
   * PipelineError saying what was wrong.
   */
  json<T>(method: string, path: string, schema: z.ZodType<T>, options?: HttpRequestOptions): Promise<T>;
  /** Closes the kept-alive sockets. */
  close(): void;
}

/**
 * axios' own defaults turned off (a `false` header is not sent): the caller names every header,
 * the body is sent as given and the answer kept as text.
 */
const NO_DEFAULT_HEADERS = {
  Accept: false,
  'Accept-Encoding': false,
  'User-Agent': false,
  'Content-Type': false,
} as const;
const asIs = <T>(data: T): T => data;

/** Creates a client whose keep-alive agent is reused by every request. */
export function createHttpClient(options: HttpClientOptions): HttpClient {
  let base: URL;
  try {
    base = new URL(options.baseUrl);
  } catch (error) {
    throw new PipelineError(
      'URL_INVALID',
      `${options.baseUrl} is not a URL; write it as http(s)://host[:port][/path]`,
      { cause: error },
    );
  }
  if (base.protocol !== 'http:' && base.protocol !== 'https:') {
    throw new PipelineError('URL_INVALID', `${options.baseUrl} is not an http(s) URL`);
  }
  const secure = base.protocol === 'https:';
  const agentOptions = { keepAlive: true, maxSockets: options.maxSockets ?? 32 };
  const httpAgent = secure ? undefined : new HttpAgent(agentOptions);
  const httpsAgent = secure ? new HttpsAgent(agentOptions) : undefined;
  const timeoutMs = options.timeoutMs ?? 30_000;
  const baseUrl = `${base.origin}${base.pathname.replace(/\/+$/, '')}`;
  const instance: AxiosInstance = axios.create({
    adapter: 'http',
    httpAgent,
    httpsAgent,
    timeout: timeoutMs,
    maxRedirects: 0,
    proxy: false,
    decompress: false,
    responseType: 'text',
    responseEncoding: 'utf8',
    transformRequest: [asIs],
    transformResponse: [asIs],
    validateStatus: () => true,
    headers: { ...NO_DEFAULT_HEADERS, ...options.headers },
  });

  const request = async (
    method: string,
    path: string,
    requestOptions: HttpRequestOptions = {},
  ): Promise<HttpResponse> => {
    const { body, signal } = requestOptions;
    // axios sends no Content-Length for an empty body; say 0, as for any other body.
    const headers = body === '' ? { ...requestOptions.headers, 'Content-Length': '0' } : requestOptions.headers;
    try {
      const response = await instance.request<string>({
        method,
        url: `${baseUrl}${path}`,
        ...(headers ? { headers } : {}),
        ...(body === undefined ? {} : { data: body }),
        ...(signal ? { signal } : {}),
      });
      return { status: response.status, headers: response.headers as HttpResponse['headers'], text: response.data };
    } catch (error) {
      if (signal?.aborted) throw signal.reason;
      throw toPipelineError(error, `${method} ${baseUrl}${path}`, timeoutMs);
    }
  };
  return {
    baseUrl,
    request,
    async json(method, path, schema, requestOptions) {
      const response = await request(method, path, requestOptions);
      const what = `${method} ${baseUrl}${path}`;
      if (response.status < 200 || response.status > 299) throw statusError(response, what);
      return parseAnswer(response.text, schema, what);
    },
    close: () => {
      httpAgent?.destroy();
      httpsAgent?.destroy();
    },
  };
}

/** What axios threw, as the pipeline's error: a timeout, an answer cut off, or a network failure. */
function toPipelineError(error: unknown, target: string, timeoutMs: number): unknown {
  if (!axios.isAxiosError(error)) return error;
  const cause = error.cause as NodeJS.ErrnoException | undefined;
  // axios' own timeout is the one error it raises without a cause.
  if (!cause && (error.code === 'ECONNABORTED' || error.code === 'ETIMEDOUT')) {
    return new PipelineError('HTTP_TIMEOUT', `${target}: no answer within ${timeoutMs} ms`, {
      retriable: true,
      cause: error,
    });
  }
  if (!cause && error.code === 'ERR_BAD_RESPONSE') {
    return new PipelineError('HTTP_ABORTED', `${target}: the answer was cut off`, { retriable: true, cause: error });
  }
  const code = cause?.code ?? error.code;
  const message = cause?.message || error.message;
  const retriable = isRetriableNetworkCode(code) || /socket hang up/i.test(message);
  const hint = code === 'ENOTFOUND' ? '; check the URL in credentials/aws.yaml' : '';
  return new PipelineError('NETWORK_ERROR', `${target}: ${message}${hint}`, { retriable, cause: cause ?? error });
}

/** The socket-level code behind a NETWORK_ERROR (`ECONNREFUSED`, `ENOTFOUND`), else the error's own code. */
export function networkCode(error: PipelineError): string {
  const cause = error.cause as { code?: unknown } | undefined;
  return error.code === 'NETWORK_ERROR' && typeof cause?.code === 'string' ? cause.code : error.code;
}

/** True for the errors `HttpClient.request` throws when no (whole) answer came back. */
export function isNoAnswer(error: unknown): error is PipelineError {
  return hasErrorCode(error, 'NETWORK_ERROR', 'HTTP_TIMEOUT', 'HTTP_ABORTED');
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
  return new HttpStatusError(
    response.status,
    classifyStatus(response.status),
    `${what}: HTTP ${response.status}${detail ? ` ${detail}` : ''}${hint}`,
  );
}

/** `error_code 40401 Topic not found.` from a JSON error body, or the start of a text body. */
export function errorDetail(text: string): string {
  if (!text) return '';
  const body = readAnswer(text, ERROR_BODY);
  if (body) {
    const code = body.error_code ?? awsErrorType(body) ?? body.code;
    const message = body.message ?? body.Message ?? body.error;
    const parts = [code !== undefined ? `(${String(code)})` : '', message !== undefined ? String(message) : ''].filter(
      Boolean,
    );
    if (parts.length) return parts.join(' ');
  }
  return text.length > 200 ? `${text.slice(0, 200)}…` : text;
}

/**
 * The AWS error name of a parsed answer body, `ResourceNotFoundException` from Kinesis'
 * `{"__type":"com.amazonaws.kinesis...#ResourceNotFoundException"}` (as API Gateway's Kinesis
 * proxy passes it on); undefined when the body has none. The one reader of `__type`.
 */
export function awsErrorType(body: unknown): string | undefined {
  if (!body || typeof body !== 'object') return undefined;
  const type = (body as { __type?: unknown }).__type;
  return typeof type === 'string' ? type.split('#').pop() : undefined;
}

/** The fields an error body may name its code and message by (REST Proxy, AWS, Databricks). */
const ERROR_BODY = z.looseObject({
  error_code: z.unknown().optional(),
  code: z.unknown().optional(),
  message: z.unknown().optional(),
  Message: z.unknown().optional(),
  error: z.unknown().optional(),
});

/** Where a body is not what was expected: the first issue's path and message. */
function firstIssue(error: z.ZodError): string {
  const issue = error.issues[0];
  return issue ? `${issue.path.length ? `${issue.path.join('.')}: ` : ''}${issue.message}` : 'no detail';
}

/**
 * An answer's body as JSON checked against `schema`, the one place HTTP answers are parsed:
 * a body that is not JSON or not of the schema throws a PipelineError (`code`, PROTOCOL by
 * default) naming `what`, what was wrong and the start of the body. An empty body is `undefined`.
 */
export function parseAnswer<T>(text: string, schema: z.ZodType<T>, what: string, code: ErrorCode = 'PROTOCOL'): T {
  let json: unknown;
  try {
    json = text === '' ? undefined : JSON.parse(text);
  } catch (error) {
    if (!(error instanceof SyntaxError)) throw error;
    throw new PipelineError(
      code,
      `${what}: unexpected answer (not JSON: ${text.slice(0, 80)}); is the URL pointing at the right service?`,
      { cause: error },
    );
  }
  const parsed = schema.safeParse(json);
  if (!parsed.success) {
    throw new PipelineError(
      code,
      `${what}: unexpected answer (${firstIssue(parsed.error)}: ${text.slice(0, 80)}); is the URL pointing at the right service?`,
      { cause: parsed.error },
    );
  }
  return parsed.data;
}

/** Like `parseAnswer`, but undefined when the body is not JSON or not of the schema (an HTML error page, an empty body). */
export function readAnswer<T>(text: string, schema: z.ZodType<T>): T | undefined {
  if (text === '') return undefined;
  try {
    const parsed = schema.safeParse(JSON.parse(text));
    return parsed.success ? parsed.data : undefined;
  } catch (error) {
    if (error instanceof SyntaxError) return undefined;
    throw error;
  }
}
