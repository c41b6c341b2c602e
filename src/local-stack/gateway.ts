import { randomUUID } from 'node:crypto';
import http from 'node:http';
import Router from 'find-my-way';
import {
  CreateStreamCommand,
  DeleteStreamCommand,
  DescribeStreamCommand,
  ListStreamsCommand,
  PutRecordCommand,
  PutRecordsCommand,
  type KinesisClient,
  type PutRecordsRequestEntry,
} from '@aws-sdk/client-kinesis';
import { AwsError } from '../clients';
import { PipelineError } from '../errors';
import { createLogger, type Logger } from '../log';
import {
  clientErrorAnswerer,
  closeOnce,
  HttpError,
  isPlainObject,
  listenOn,
  readBody,
  readJsonBody,
  sendJson,
} from './http-util';

/**
 * A stand-in for the course's API Gateway REST API, on one HTTP port, every path under a stage
 * (`/prod` by default):
 *
 * - `ANY /<stage>/{proxy+}`, every path but the Kinesis routes below, as the course's root
 *   `{proxy+}` resource: an HTTP proxy integration to the Kafka REST proxy. Method, headers
 *   (Content-Type included), query string and body go through; status, headers and body come back
 *   unchanged, as with API Gateway's HTTP proxy (so an unknown path is the REST proxy's 404).
 * - The Kinesis proxy routes (PIPELINE_SPEC.md §2), answered with the Kinesis client passed in:
 *   `GET /streams`, `GET|POST|DELETE /streams/{stream-name}`, `PUT /streams/{stream-name}/record`
 *   and `PUT /streams/{stream-name}/records`. Responses are Kinesis's JSON (without SDK metadata,
 *   timestamps as epoch seconds as Kinesis sends them).
 *
 * Anything else (outside the stage, the stage root, or a method the Kinesis routes do not have)
 * answers 403 `{"message":"Missing Authentication Token"}`, as API Gateway does for a route it does
 * not have. Errors are always JSON `{"message": ...}`; Kinesis errors add their
 * `__type`.
 *
 * Bytes that land in Kinesis: the course's mapping template sends
 * `$util.base64Encode($input.json('$.Data'))`, i.e. the JSON text of `Data`. Here, `Data` that is
 * not a string becomes the UTF-8 bytes of `JSON.stringify(Data)` (compact, keys in the order
 * received: `{"index":1,"title":"x"}`); a string `Data` is sent as its own UTF-8 bytes, without
 * added quotes, so a client that already serialised its row gets the same bytes as one that sent
 * the object. (Real API Gateway would quote such a string.) The same rule applies to each
 * `data` of `/records`. Base64 is only the wire encoding: consumers read back the raw bytes.
 */

/** API Gateway's largest request payload. */
export const GATEWAY_MAX_BODY_BYTES = 10 * 1024 * 1024;
/** API Gateway's integration timeout. */
export const GATEWAY_TIMEOUT_MS = 29_000;
/** Kinesis: data plus partition key of one record. */
export const KINESIS_MAX_RECORD_BYTES = 1024 * 1024;
/** Kinesis: one PutRecords call, partition keys included. */
export const KINESIS_MAX_REQUEST_BYTES = 5 * 1024 * 1024;
/** Kinesis: records in one PutRecords call. */
export const KINESIS_MAX_RECORDS = 500;
export const DEFAULT_STAGE = 'prod';

export interface GatewayHandlerOptions {
  /** Base URL of the Kafka REST proxy that `topics/...` and `v3/...` are passed to. */
  restProxyUrl: string;
  /** Client of the Kinesis the `streams` routes talk to. */
  kinesis: KinesisClient;
  /** Stage name, the first path segment of every route (default `prod`). */
  stage?: string;
  /** Integration timeout for the REST proxy (default 29 s, as API Gateway). */
  timeoutMs?: number;
  /** Connection pool for the REST proxy; Node's global agent when unset. */
  agent?: http.Agent;
  /** Where unexpected failures are reported (stderr by default). */
  logger?: Logger;
}

export interface GatewayOptions extends Omit<GatewayHandlerOptions, 'agent'> {
  /** 0 (default) picks a free port. */
  port?: number;
}

export interface Gateway {
  /** `http://127.0.0.1:<port>/<stage>`: what the course calls the invoke URL. */
  readonly invokeUrl: string;
  readonly port: number;
  readonly stage: string;
  close(): Promise<void>;
}

interface Reply {
  status: number;
  body: unknown;
}

/** An answer in API Gateway's shape, `{message}` (with Kinesis' `__type` when given), as the local servers' one `HttpError`. */
function gatewayError(status: number, message: string, type?: string): HttpError {
  return new HttpError(status, status, message, type === undefined ? {} : { type });
}

/** A body that is not JSON: 400, as API Gateway's Kinesis integration answers it. */
const UNREADABLE_BODY = { status: 400, errorCode: 400 };

const MISSING_ROUTE: Reply = { status: 403, body: { message: 'Missing Authentication Token' } };
const HOP_BY_HOP = new Set([
  'connection',
  'keep-alive',
  'proxy-authenticate',
  'proxy-authorization',
  'proxy-connection',
  'te',
  'trailer',
  'transfer-encoding',
  'upgrade',
  'host',
  'content-length',
]);

/** Checks a stage name as API Gateway does (letters, digits, hyphens, underscores). */
export function checkStage(stage: string): string {
  if (!/^[A-Za-z0-9_-]{1,128}$/.test(stage)) {
    throw new PipelineError(
      'STAGE_INVALID',
      `stage ${JSON.stringify(stage)} is not valid: use letters, digits, hyphens and underscores, e.g. prod`,
    );
  }
  return stage;
}

/** The gateway's request listener, for mounting on a server of one's own. */
export function createGatewayHandler(options: GatewayHandlerOptions): http.RequestListener {
  const stage = checkStage(options.stage ?? DEFAULT_STAGE);
  const restProxyUrl = options.restProxyUrl.replace(/\/+$/, '');
  const timeoutMs = options.timeoutMs ?? GATEWAY_TIMEOUT_MS;
  const logger = options.logger ?? createLogger('gateway');
  const prefix = `/${stage}/`;

  return (req, res) => {
    res.setHeader('x-amzn-RequestId', randomUUID());
    const handle = async (): Promise<void> => {
      const url = req.url ?? '/';
      const queryAt = url.indexOf('?');
      const rawPath = queryAt === -1 ? url : url.slice(0, queryAt);
      if (!rawPath.startsWith(prefix)) return reply(res, MISSING_ROUTE);
      const proxyPath = rawPath.slice(prefix.length);
      const first = proxyPath.split('/')[0];
      const body = await readGatewayBody(req, GATEWAY_MAX_BODY_BYTES);
      if (body === undefined) return reply(res, { status: 413, body: { message: 'Request Too Long' } });
      if (first === 'streams')
        return reply(res, await streamRoute(options.kinesis, req.method ?? 'GET', proxyPath, body));
      if (proxyPath === '') return reply(res, MISSING_ROUTE);
      return passThrough(
        req,
        res,
        `${restProxyUrl}/${proxyPath}${queryAt === -1 ? '' : url.slice(queryAt)}`,
        body,
        options.agent,
        timeoutMs,
      );
    };
    handle().catch((error: unknown) => {
      if (error instanceof HttpError)
        return reply(res, { status: error.status, body: errorBody(error.message, error.type) });
      logger.error(`${req.method} ${req.url}: ${error instanceof Error ? error.message : String(error)}`);
      reply(res, { status: 500, body: { message: 'Internal server error' } });
    });
  };
}

/** Starts the gateway on 127.0.0.1. */
export async function startGateway(options: GatewayOptions): Promise<Gateway> {
  const stage = checkStage(options.stage ?? DEFAULT_STAGE);
  const agent = new http.Agent({ keepAlive: true });
  const server = http.createServer(createGatewayHandler({ ...options, stage, agent }));
  server.on('clientError', answerClientError);
  const port = await listenOn(server, options.port, '127.0.0.1', () => agent.destroy());
  return {
    invokeUrl: `http://127.0.0.1:${port}/${stage}`,
    port,
    stage,
    close: closeOnce(server, () => agent.destroy()),
  };
}

/** A malformed request line or oversized headers still get a JSON answer in API Gateway's shape, `{message}`. */
const answerClientError = clientErrorAnswerer((_status, message) => ({ message }));

/** The whole body (`readBody` of http-util, shared with the REST proxy), or undefined when it is larger than `limit`. */
async function readGatewayBody(req: http.IncomingMessage, limit: number): Promise<Buffer | undefined> {
  try {
    return await readBody(req, limit);
  } catch (error) {
    if (error instanceof HttpError && error.status === 413) return undefined;
    throw error;
  }
}

function errorBody(message: string, type?: string): Record<string, string> {
  return type ? { message, __type: type } : { message };
}

/** Kinesis timestamps travel as epoch seconds; the SDK turns them into Dates, this turns them back. */
function epochSeconds(this: unknown, key: string, replaced: unknown): unknown {
  const raw = (this as Record<string, unknown>)[key];
  return raw instanceof Date ? raw.getTime() / 1000 : replaced;
}

/** Sends a reply as JSON (the local servers' one `sendJson`), Kinesis' timestamps as epoch seconds. */
function reply(res: http.ServerResponse, answer: Reply): void {
  sendJson(res, answer.status, answer.body, 'application/json', {}, epochSeconds);
}

/** API Gateway's HTTP proxy integration: the request as received, the answer as returned. */
function passThrough(
  req: http.IncomingMessage,
  res: http.ServerResponse,
  target: string,
  body: Buffer,
  agent: http.Agent | undefined,
  timeoutMs: number,
): Promise<void> {
  const headers: http.OutgoingHttpHeaders = {};
  for (const [name, value] of Object.entries(req.headers)) {
    if (!HOP_BY_HOP.has(name) && value !== undefined) headers[name] = value;
  }
  if (body.length > 0 || !['GET', 'HEAD', 'DELETE', 'OPTIONS'].includes(req.method ?? 'GET'))
    headers['content-length'] = body.length;
  return new Promise<void>((resolve, reject) => {
    // A proxy of the stack, not a client of the pipeline (that is src/http-client.ts): node:http forwards the received method, headers and bytes as they are, adding nothing.
    const upstream = http.request(target, { method: req.method, headers, ...(agent ? { agent } : {}) }, (answer) => {
      const chunks: Buffer[] = [];
      answer.on('data', (chunk: Buffer) => chunks.push(chunk));
      answer.on('error', (error) => reject(gatewayError(502, `the REST proxy's answer broke off: ${error.message}`)));
      answer.on('end', () => {
        const content = Buffer.concat(chunks);
        const out: http.OutgoingHttpHeaders = {};
        for (const [name, value] of Object.entries(answer.headers)) {
          if (!HOP_BY_HOP.has(name) && value !== undefined) out[name] = value;
        }
        out['content-length'] = content.length;
        if (!res.headersSent && !res.destroyed) {
          res.writeHead(answer.statusCode ?? 502, out);
          res.end(req.method === 'HEAD' ? undefined : content);
        }
        resolve();
      });
    });
    upstream.setTimeout(timeoutMs, () => upstream.destroy(gatewayError(504, 'Endpoint request timed out')));
    upstream.on('error', (error) => {
      reject(
        error instanceof HttpError
          ? error
          : gatewayError(
              502,
              `the REST proxy at ${target.split('/').slice(0, 3).join('/')} did not answer (${(error as NodeJS.ErrnoException).code ?? error.message})`,
            ),
      );
    });
    upstream.end(body);
  });
}

/** A Kinesis route's handler: the stream named in the path (percent-decoded by the router) and the body. */
type StreamHandler = (kinesis: KinesisClient, stream: string, body: Buffer) => Promise<Reply>;

/**
 * The Kinesis routes under `streams/`, on find-my-way (the router of fastify, maintained): it
 * matches the path and decodes the stream's name, so no path is split by hand.
 */
const STREAM_ROUTES: Router.Instance<Router.HTTPVersion.V1> = (() => {
  const router = Router({ ignoreTrailingSlash: true });
  const on = (method: Router.HTTPMethod, path: string, handler: StreamHandler) =>
    router.on(method, path, handler as unknown as Router.Handler<Router.HTTPVersion.V1>);
  // The console's integration sends `{}`; Kinesis then lists up to 100 streams.
  on('GET', '/streams', async (kinesis) => ok(await kinesis.send(new ListStreamsCommand({ Limit: 100 }))));
  on('GET', '/streams/:stream', async (kinesis, stream) =>
    ok(await kinesis.send(new DescribeStreamCommand({ StreamName: stream }))),
  );
  on('POST', '/streams/:stream', async (kinesis, stream, body) => {
    const shardCount = parseObject(body, true).ShardCount ?? 1;
    if (typeof shardCount !== 'number' || !Number.isInteger(shardCount) || shardCount < 1) {
      throw gatewayError(400, `ShardCount must be a whole number >= 1, got ${shortJson(shardCount)}`);
    }
    return ok(await kinesis.send(new CreateStreamCommand({ StreamName: stream, ShardCount: shardCount })));
  });
  on('DELETE', '/streams/:stream', async (kinesis, stream) =>
    ok(await kinesis.send(new DeleteStreamCommand({ StreamName: stream }))),
  );
  on('PUT', '/streams/:stream/record', async (kinesis, stream, body) => {
    const request = parseObject(body, false);
    const entry = toEntry(request.Data, request.PartitionKey, 'Data', 'PartitionKey');
    checkRecordSize(entry, 'the record');
    return ok(await kinesis.send(new PutRecordCommand({ StreamName: stream, ...entry })));
  });
  on('PUT', '/streams/:stream/records', async (kinesis, stream, body) => {
    const entries = toEntries(parseObject(body, false));
    return ok(await kinesis.send(new PutRecordsCommand({ StreamName: stream, Records: entries })));
  });
  return router;
})();

/** The Kinesis routes under `streams/`; a path or method they do not have is API Gateway's 403. */
async function streamRoute(kinesis: KinesisClient, method: string, proxyPath: string, body: Buffer): Promise<Reply> {
  const path = `/${proxyPath}`;
  const found = STREAM_ROUTES.find(method as Router.HTTPMethod, path);
  if (!found) {
    if (!isDecodable(path)) throw gatewayError(400, 'the path is not valid percent-encoding');
    return MISSING_ROUTE;
  }
  try {
    return await (found.handler as unknown as StreamHandler)(kinesis, found.params.stream ?? '', body);
  } catch (error) {
    throw toHttpError(error);
  }
}

/** True when every percent-escape of the path decodes (the router answers no route for one that does not). */
function isDecodable(path: string): boolean {
  try {
    decodeURIComponent(path);
    return true;
  } catch (error) {
    if (error instanceof URIError) return false;
    throw error;
  }
}

function ok(output: object): Reply {
  const { $metadata: _metadata, ...rest } = output as Record<string, unknown>;
  return { status: 200, body: rest };
}

function parseObject(body: Buffer, emptyAllowed: boolean): Record<string, unknown> {
  const parsed = readJsonBody(body, emptyAllowed ? { ...UNREADABLE_BODY, empty: {} } : UNREADABLE_BODY);
  if (!isPlainObject(parsed)) throw gatewayError(400, 'the request body must be a JSON object');
  return parsed;
}

/**
 * The bytes that land in Kinesis for a `Data` value: see the module comment. A value nested more
 * deeply than JSON.stringify can recurse is a 400, as the REST proxy's 422 for the same input.
 */
export function dataBytes(data: unknown, name = 'Data'): Uint8Array {
  if (typeof data === 'string') return Buffer.from(data, 'utf8');
  return Buffer.from(jsonText(data, name), 'utf8');
}

/** JSON.stringify that turns "too deep to serialise" into a 400 naming the field. */
function jsonText(value: unknown, name: string): string {
  try {
    return JSON.stringify(value) ?? 'null';
  } catch (error) {
    if (error instanceof RangeError)
      throw gatewayError(
        400,
        `${name} is nested too deeply to serialise; send a flatter JSON value`,
        'SerializationException',
      );
    throw error;
  }
}

/** A short description of a wrong value for a message: its JSON text cut to 40 characters, or its type. */
function shortJson(value: unknown): string {
  if (value === undefined) return 'none';
  if (value !== null && typeof value === 'object') return Array.isArray(value) ? 'a list' : 'an object';
  return String(JSON.stringify(value)).slice(0, 40);
}

function toEntry(
  data: unknown,
  partitionKey: unknown,
  dataName: string,
  keyName: string,
): { Data: Uint8Array; PartitionKey: string } {
  if (data === undefined) throw gatewayError(400, `${dataName} is required`);
  const key = typeof partitionKey === 'number' ? String(partitionKey) : partitionKey;
  if (typeof key !== 'string' || key.length < 1 || key.length > 256) {
    throw gatewayError(400, `${keyName} must be a string of 1-256 characters, got ${shortJson(partitionKey)}`);
  }
  return { Data: dataBytes(data, dataName), PartitionKey: key };
}

function recordSize(entry: { Data: Uint8Array; PartitionKey: string }): number {
  return entry.Data.length + Buffer.byteLength(entry.PartitionKey);
}

function checkRecordSize(entry: { Data: Uint8Array; PartitionKey: string }, what: string): void {
  const size = recordSize(entry);
  if (size > KINESIS_MAX_RECORD_BYTES) {
    throw gatewayError(
      413,
      `${what} is ${size} bytes with its partition key; Kinesis takes at most 1 MiB (${KINESIS_MAX_RECORD_BYTES} bytes)`,
    );
  }
}

/** Both body shapes: the course's `{"records":[{"data","partition-key"}]}` and Kinesis's `{"Records":[{"Data","PartitionKey"}]}`. */
function toEntries(request: Record<string, unknown>): PutRecordsRequestEntry[] {
  const list = request.records ?? request.Records;
  if (!Array.isArray(list))
    throw gatewayError(
      400,
      'the body needs "records": [{"data": ..., "partition-key": ...}] (or "Records": [{"Data", "PartitionKey"}])',
    );
  if (list.length < 1 || list.length > KINESIS_MAX_RECORDS)
    throw gatewayError(400, `PutRecords takes 1-${KINESIS_MAX_RECORDS} records, got ${list.length}`);
  let total = 0;
  return list.map((item: unknown, i) => {
    if (item === null || typeof item !== 'object' || Array.isArray(item))
      throw gatewayError(400, `records[${i}] must be an object with data and partition-key`);
    const record = item as Record<string, unknown>;
    const entry =
      'data' in record || 'partition-key' in record
        ? toEntry(record.data, record['partition-key'], `records[${i}].data`, `records[${i}].partition-key`)
        : toEntry(record.Data, record.PartitionKey, `Records[${i}].Data`, `Records[${i}].PartitionKey`);
    checkRecordSize(entry, `record ${i}`);
    total += recordSize(entry);
    if (total > KINESIS_MAX_REQUEST_BYTES)
      throw gatewayError(
        413,
        `the records add up to more than 5 MiB (${KINESIS_MAX_REQUEST_BYTES} bytes); send them in smaller batches`,
      );
    return entry;
  });
}

/** Kinesis errors (classified by the client, `AwsError`) keep their `__type`; not-found becomes 404; no answer at all becomes 502. */
function toHttpError(error: unknown): unknown {
  if (error instanceof HttpError || !(error instanceof AwsError)) return error;
  const { status, awsName, message } = error;
  if (status === undefined) {
    const socketCode = (error.cause as { code?: unknown } | undefined)?.code;
    return gatewayError(502, `Kinesis did not answer (${typeof socketCode === 'string' ? socketCode : message})`);
  }
  if (error.code === 'STREAM_NOT_FOUND') return gatewayError(404, message, awsName);
  if (status >= 500) return gatewayError(status, message, awsName);
  if (error.code === 'AWS_REQUEST_INVALID') return gatewayError(400, message, awsName);
  return gatewayError(status, message, awsName);
}
