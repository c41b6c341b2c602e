import { once } from 'node:events';
import type http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Duplex } from 'node:stream';

/**
 * Small HTTP helpers shared by the local-stack servers (the REST proxy and the API gateway):
 * bounded body reading, one JSON body reader, JSON answers, and the one error type that carries
 * the HTTP status, the REST Proxy's `error_code` and the gateway's AWS `__type`.
 */

/** An answer to send instead of a normal response: status, `error_code` (or AWS type) and message. */
export class HttpError extends Error {
  readonly status: number;
  readonly errorCode: number;
  /** The AWS error type the gateway answers as `__type` (`ResourceNotFoundException`), when there is one. */
  readonly type: string | undefined;
  /** Headers the answer carries (`Allow` on a 405). */
  readonly headers: Record<string, string>;

  constructor(
    status: number,
    errorCode: number,
    message: string,
    options: { cause?: unknown; headers?: Record<string, string>; type?: string } = {},
  ) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'HttpError';
    this.status = status;
    this.errorCode = errorCode;
    this.type = options.type;
    this.headers = options.headers ?? {};
  }

  /** The body every REST Proxy error has: `{"error_code": int, "message": string}`. */
  toBody(): { error_code: number; message: string } {
    return { error_code: this.errorCode, message: this.message };
  }
}

/** Default request body limit (20 MiB), above the REST Proxy's practical request sizes. */
export const DEFAULT_BODY_LIMIT_BYTES = 20 * 1024 * 1024;

/**
 * Reads the whole request body, at most `limitBytes`. Past the limit it answers 413 through an
 * `HttpError`; the rest of an oversized body is read and dropped (up to 4x the limit, after which
 * the connection is cut) so that the client gets to read the 413 instead of a reset.
 */
export function readBody(req: http.IncomingMessage, limitBytes: number = DEFAULT_BODY_LIMIT_BYTES): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const tooLarge = () => new HttpError(413, 413, `Request body is larger than ${limitBytes} bytes.`);
    const declared = Number(req.headers['content-length']);
    if (Number.isFinite(declared) && declared > limitBytes * 4) {
      req.resume();
      reject(tooLarge());
      return;
    }
    const chunks: Buffer[] = [];
    let size = 0;
    let overflow = false;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (overflow) {
        if (size > limitBytes * 4) req.destroy();
        return;
      }
      if (size > limitBytes) {
        overflow = true;
        chunks.length = 0;
        return;
      }
      chunks.push(chunk);
    });
    req.on('end', () => (overflow ? reject(tooLarge()) : resolve(Buffer.concat(chunks, size))));
    req.on('error', (error) =>
      reject(
        overflow
          ? tooLarge()
          : new HttpError(400, 400, `Request body could not be read: ${error.message}`, { cause: error }),
      ),
    );
  });
}

/** A `JSON.stringify` replacer, e.g. the gateway's Dates as epoch seconds. */
export type JsonReplacer = (this: unknown, key: string, value: unknown) => unknown;

/** Sends `body` as JSON with `status`; a no-op when the response has already started. */
export function sendJson(
  res: http.ServerResponse,
  status: number,
  body: unknown,
  contentType = 'application/json',
  headers: Record<string, string> = {},
  replacer?: JsonReplacer,
): void {
  if (res.headersSent || res.destroyed) return;
  const text = body === undefined ? '' : JSON.stringify(body, replacer);
  res.writeHead(status, {
    ...headers,
    'Content-Type': contentType,
    'Content-Length': Buffer.byteLength(text),
  });
  res.end(text);
}

/** The media type of a Content-Type header, lowercased, without parameters (`; charset=...`). */
export function mediaType(header: string | undefined): string | undefined {
  if (!header) return undefined;
  const type = header.split(';')[0]?.trim().toLowerCase();
  return type ? type : undefined;
}

/** How a server answers a body it cannot read: the status and `error_code`, and what an empty body means. */
export interface JsonBodyAnswers {
  status: number;
  errorCode: number;
  /** The value of an empty body; without it an empty body is refused. */
  empty?: unknown;
}

/**
 * The one JSON body reader of the local servers: the body's JSON, an empty body as `empty`, and
 * otherwise an `HttpError` with the server's status and `error_code` (the REST proxy's 422 42206,
 * the gateway's 400) saying what is wrong.
 */
export function readJsonBody(body: Buffer, answers: JsonBodyAnswers): unknown {
  const text = body.toString('utf8');
  if (text.trim() === '') {
    if ('empty' in answers) return answers.empty;
    throw new HttpError(answers.status, answers.errorCode, 'Request body is empty; a JSON object is expected.');
  }
  try {
    return JSON.parse(text);
  } catch (error) {
    throw new HttpError(
      answers.status,
      answers.errorCode,
      `Request body is not valid JSON: ${(error as Error).message}`,
      { cause: error },
    );
  }
}

/** True for a plain JSON object (not an array, not null). */
export function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
 * A handler answering HTTP-level client errors (malformed request line, oversized headers, a
 * request that timed out) with a JSON body made by `body` instead of Node's bare default; attach
 * with `server.on('clientError', ...)`.
 */
export function clientErrorAnswerer(
  body: (status: number, message: string) => object,
): (error: Error & { code?: string }, socket: Duplex) => void {
  return (error, socket) => {
    if (!socket.writable) {
      socket.destroy();
      return;
    }
    const [status, reason] =
      error.code === 'HPE_HEADER_OVERFLOW'
        ? [431, 'Request Header Fields Too Large']
        : error.code === 'ERR_HTTP_REQUEST_TIMEOUT'
          ? [408, 'Request Timeout']
          : [400, 'Bad Request'];
    const text = JSON.stringify(body(status as number, `${reason}: ${error.code ?? error.message}`));
    socket.end(
      `HTTP/1.1 ${status} ${reason}\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(text)}\r\nConnection: close\r\n\r\n${text}`,
    );
  };
}

/** Client errors answered in the REST Proxy's shape, `{error_code, message}`. */
export const answerClientError = clientErrorAnswerer((status, message) => ({ error_code: status, message }));

/**
 * Listens on `host`:`port` (0: a free port) and resolves the port. When listening fails (the port
 * is taken), `undo` releases what the caller set up and the error is thrown.
 */
export async function listenOn(
  server: http.Server,
  port = 0,
  host = '127.0.0.1',
  undo?: () => unknown,
): Promise<number> {
  server.listen(port, host);
  try {
    await once(server, 'listening');
  } catch (error) {
    await undo?.();
    throw error;
  }
  return (server.address() as AddressInfo).port;
}

/** A `close()` for a server: stops listening and cuts open connections, once; `after` runs then, whatever happened. */
export function closeOnce(server: http.Server, after?: () => void): () => Promise<void> {
  let closed: Promise<void> | undefined;
  return () => {
    closed ??= new Promise<void>((resolve, reject) => {
      server.close((error) => (error ? reject(error) : resolve()));
      server.closeAllConnections();
    }).finally(() => after?.());
    return closed;
  };
}
