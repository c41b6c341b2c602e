import { randomUUID } from 'node:crypto';
import http from 'node:http';
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
import { clientErrorAnswerer, closeOnce, HttpError as RestProxyHttpError, listenOn, readBody } from './http-util';

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

class HttpError extends Error {
  constructor(readonly status: number, message: string, readonly type?: string) {
    super(message);
  }
}

const MISSING_ROUTE: Reply = { status: 403, body: { message: 'Missing Authentication Token' } };
const HOP_BY_HOP = new Set(['connection', 'keep-alive', 'proxy-authenticate', 'proxy-authorization', 'proxy-connection', 'te', 'trailer', 'transfer-encoding', 'upgrade', 'host', 'content-length']);

/** Checks a stage name as API Gateway does (letters, digits, hyphens, underscores). */
export function checkStage(stage: string): string {
  if (!/^[A-Za-z0-9_-]{1,128}$/.test(stage)) {
    throw new PipelineError('STAGE_INVALID', `stage ${JSON.stringify(stage)} is not valid: use letters, digits, hyphens and underscores, e.g. prod`);
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
      if (!rawPath.startsWith(prefix)) return sendJson(res, MISSING_ROUTE);
      const proxyPath = rawPath.slice(prefix.length);
      const first = proxyPath.split('/')[0];
      const body = await readGatewayBody(req, GATEWAY_MAX_BODY_BYTES);
      if (body === undefined) return sendJson(res, { status: 413, body: { message: 'Request Too Long' } });
      if (first === 'streams') return sendJson(res, await streamRoute(options.kinesis, req.method ?? 'GET', proxyPath, body));
      if (proxyPath === '') return sendJson(res, MISSING_ROUTE);
      return passThrough(req, res, `${restProxyUrl}/${proxyPath}${queryAt === -1 ? '' : url.slice(queryAt)}`, body, options.agent, timeoutMs);
    };
    handle().catch((error: unknown) => {
      if (error instanceof HttpError) return sendJson(res, { status: error.status, body: errorBody(error.message, error.type) });
      logger.error(`${req.method} ${req.url}: ${error instanceof Error ? error.message : String(error)}`);
      sendJson(res, { status: 500, body: { message: 'Internal server error' } });
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
    if (!(error instanceof RestProxyHttpError)) throw error;
    if (error.status === 413) return undefined;
    throw new HttpError(error.status, error.message);
  }
}

function errorBody(message: string, type?: string): Record<string, string> {
  return type ? { message, __type: type } : { message };
}

/** Kinesis timestamps travel as epoch seconds; the SDK turns them into Dates, this turns them back. */
function toKinesisJson(value: unknown): string {
  return JSON.stringify(value, function (this: Record<string, unknown>, key, replaced: unknown) {
    const raw = this[key];
    return raw instanceof Date ? raw.getTime() / 1000 : replaced;
  });
}

function sendJson(res: http.ServerResponse, reply: Reply): void {
  if (res.headersSent || res.destroyed) return;
  const text = toKinesisJson(reply.body);
  res.writeHead(reply.status, { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(text) });
  res.end(text);
}

/** API Gateway's HTTP proxy integration: the request as received, the answer as returned. */
function passThrough(req: http.IncomingMessage, res: http.ServerResponse, target: string, body: Buffer, agent: http.Agent | undefined, timeoutMs: number): Promise<void> {
  const headers: http.OutgoingHttpHeaders = {};
  for (const [name, value] of Object.entries(req.headers)) {
    if (!HOP_BY_HOP.has(name) && value !== undefined) headers[name] = value;
  }
  if (body.length > 0 || !['GET', 'HEAD', 'DELETE', 'OPTIONS'].includes(req.method ?? 'GET')) headers['content-length'] = body.length;
  return new Promise<void>((resolve, reject) => {
    // A proxy of the stack, not a client of the pipeline (that is src/http-client.ts): node:http forwards the received method, headers and bytes as they are, adding nothing.
    const upstream = http.request(target, { method: req.method, headers, ...(agent ? { agent } : {}) }, (answer) => {
      const chunks: Buffer[] = [];
      answer.on('data', (chunk: Buffer) => chunks.push(chunk));
      answer.on('error', (error) => reject(new HttpError(502, `the REST proxy's answer broke off: ${error.message}`)));
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
    upstream.setTimeout(timeoutMs, () => upstream.destroy(new HttpError(504, 'Endpoint request timed out')));
    upstream.on('error', (error) => {
      reject(error instanceof HttpError ? error : new HttpError(502, `the REST proxy at ${target.split('/').slice(0, 3).join('/')} did not answer (${(error as NodeJS.ErrnoException).code ?? error.message})`));
    });
    upstream.end(body);
  });
}

/** The Kinesis routes under `streams/`. */
async function streamRoute(kinesis: KinesisClient, method: string, proxyPath: string, body: Buffer): Promise<Reply> {
  const segments = proxyPath.split('/');
  if (segments.length > 1 && segments[segments.length - 1] === '') segments.pop();
  let names: string[];
  try {
    names = segments.map((s) => decodeURIComponent(s));
  } catch {
    throw new HttpError(400, 'the path is not valid percent-encoding');
  }
  const [, stream, action] = names;
  try {
    if (names.length === 1 && method === 'GET') {
      // The console's integration sends `{}`; Kinesis then lists up to 100 streams.
      return ok(await kinesis.send(new ListStreamsCommand({ Limit: 100 })));
    }
    if (names.length === 2 && stream) {
      if (method === 'GET') return ok(await kinesis.send(new DescribeStreamCommand({ StreamName: stream })));
      if (method === 'POST') {
        const request = parseObject(body, true);
        const shardCount = request.ShardCount ?? 1;
        if (typeof shardCount !== 'number' || !Number.isInteger(shardCount) || shardCount < 1) {
          throw new HttpError(400, `ShardCount must be a whole number >= 1, got ${shortJson(shardCount)}`);
        }
        return ok(await kinesis.send(new CreateStreamCommand({ StreamName: stream, ShardCount: shardCount })));
      }
      if (method === 'DELETE') return ok(await kinesis.send(new DeleteStreamCommand({ StreamName: stream })));
    }
    if (names.length === 3 && stream && action === 'record' && method === 'PUT') {
      const request = parseObject(body, false);
      const entry = toEntry(request.Data, request.PartitionKey, 'Data', 'PartitionKey');
      checkRecordSize(entry, 'the record');
      return ok(await kinesis.send(new PutRecordCommand({ StreamName: stream, ...entry })));
    }
    if (names.length === 3 && stream && action === 'records' && method === 'PUT') {
      const entries = toEntries(parseObject(body, false));
      return ok(await kinesis.send(new PutRecordsCommand({ StreamName: stream, Records: entries })));
    }
  } catch (error) {
    throw toHttpError(error);
  }
  return MISSING_ROUTE;
}

function ok(output: object): Reply {
  const { $metadata: _metadata, ...rest } = output as Record<string, unknown>;
  return { status: 200, body: rest };
}

function parseObject(body: Buffer, emptyAllowed: boolean): Record<string, unknown> {
  const text = body.toString('utf8');
  if (text.trim() === '') {
    if (emptyAllowed) return {};
    throw new HttpError(400, 'the request body is empty; send a JSON object');
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (error) {
    throw new HttpError(400, `Could not parse request body into json: ${error instanceof Error ? error.message : String(error)}`);
  }
  if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) throw new HttpError(400, 'the request body must be a JSON object');
  return parsed as Record<string, unknown>;
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
    if (error instanceof RangeError) throw new HttpError(400, `${name} is nested too deeply to serialise; send a flatter JSON value`, 'SerializationException');
    throw error;
  }
}

/** A short description of a wrong value for a message: its JSON text cut to 40 characters, or its type. */
function shortJson(value: unknown): string {
  if (value === undefined) return 'none';
  if (value !== null && typeof value === 'object') return Array.isArray(value) ? 'a list' : 'an object';
  return String(JSON.stringify(value)).slice(0, 40);
}

function toEntry(data: unknown, partitionKey: unknown, dataName: string, keyName: string): { Data: Uint8Array; PartitionKey: string } {
  if (data === undefined) throw new HttpError(400, `${dataName} is required`);
  const key = typeof partitionKey === 'number' ? String(partitionKey) : partitionKey;
  if (typeof key !== 'string' || key.length < 1 || key.length > 256) {
    throw new HttpError(400, `${keyName} must be a string of 1-256 characters, got ${shortJson(partitionKey)}`);
  }
  return { Data: dataBytes(data, dataName), PartitionKey: key };
}

function recordSize(entry: { Data: Uint8Array; PartitionKey: string }): number {
  return entry.Data.length + Buffer.byteLength(entry.PartitionKey);
}

function checkRecordSize(entry: { Data: Uint8Array; PartitionKey: string }, what: string): void {
  const size = recordSize(entry);
  if (size > KINESIS_MAX_RECORD_BYTES) {
    throw new HttpError(413, `${what} is ${size} bytes with its partition key; Kinesis takes at most 1 MiB (${KINESIS_MAX_RECORD_BYTES} bytes)`);
  }
}

/** Both body shapes: the course's `{"records":[{"data","partition-key"}]}` and Kinesis's `{"Records":[{"Data","PartitionKey"}]}`. */
function toEntries(request: Record<string, unknown>): PutRecordsRequestEntry[] {
  const list = request.records ?? request.Records;
  if (!Array.isArray(list)) throw new HttpError(400, 'the body needs "records": [{"data": ..., "partition-key": ...}] (or "Records": [{"Data", "PartitionKey"}])');
  if (list.length < 1 || list.length > KINESIS_MAX_RECORDS) throw new HttpError(400, `PutRecords takes 1-${KINESIS_MAX_RECORDS} records, got ${list.length}`);
  let total = 0;
  return list.map((item: unknown, i) => {
    if (item === null || typeof item !== 'object' || Array.isArray(item)) throw new HttpError(400, `records[${i}] must be an object with data and partition-key`);
    const record = item as Record<string, unknown>;
    const entry = 'data' in record || 'partition-key' in record
      ? toEntry(record.data, record['partition-key'], `records[${i}].data`, `records[${i}].partition-key`)
      : toEntry(record.Data, record.PartitionKey, `Records[${i}].Data`, `Records[${i}].PartitionKey`);
    checkRecordSize(entry, `record ${i}`);
    total += recordSize(entry);
    if (total > KINESIS_MAX_REQUEST_BYTES) throw new HttpError(413, `the records add up to more than 5 MiB (${KINESIS_MAX_REQUEST_BYTES} bytes); send them in smaller batches`);
    return entry;
  });
}

/** Kinesis errors (classified by the client, `AwsError`) keep their `__type`; not-found becomes 404; no answer at all becomes 502. */
function toHttpError(error: unknown): unknown {
  if (error instanceof HttpError || !(error instanceof AwsError)) return error;
  const { status, awsName, message } = error;
  if (status === undefined) {
    const socketCode = (error.cause as { code?: unknown } | undefined)?.code;
    return new HttpError(502, `Kinesis did not answer (${typeof socketCode === 'string' ? socketCode : message})`);
  }
  if (error.code === 'STREAM_NOT_FOUND') return new HttpError(404, message, awsName);
  if (status >= 500) return new HttpError(status, message, awsName);
  if (error.code === 'AWS_REQUEST_INVALID') return new HttpError(400, message, awsName);
  return new HttpError(status, message, awsName);
}
