import http from 'node:http';
import Router from 'find-my-way';
import { describeError, hasErrorCode, PipelineError } from '../errors';
import { createLogger, type Logger } from '../log';
import {
  answerClientError,
  closeOnce,
  DEFAULT_BODY_LIMIT_BYTES,
  HttpError,
  isPlainObject,
  listenOn,
  mediaType,
  readBody,
  readJsonBody,
  sendJson,
} from './http-util';
import { KAFKA_BINARY_V2, KAFKA_JSON_V2, KAFKA_V2 } from '../contract/kafka-rest';
import { embeddedTopics, type TopicBackend } from './topic-backend';
import { DEFAULT_BROKERS, maxMessageBytes, TopicStore, type AppendRecord, type TopicInfo } from './topic-store';

/**
 * A stand-in for the Confluent REST Proxy in front of the course's MSK cluster, backed by a
 * `TopicBackend`: the embedded log (`TopicStore`) or Apache Kafka, with the same answers. It speaks the part of the API the course uses (PIPELINE_SPEC.md §2-3):
 *
 * - v2: `GET /topics`, `GET /topics/{t}`, `GET /topics/{t}/partitions[/{p}]`,
 *   `GET /topics/{t}/partitions/{p}/offsets` (`{beginning_offset, end_offset}`),
 *   `POST /topics/{t}` and `POST /topics/{t}/partitions/{p}` with
 *   `application/vnd.kafka.json.v2+json` (values are JSON) or `application/vnd.kafka.binary.v2+json`
 *   (values and keys are base64; they are decoded and stored as bytes, and the S3 sink writes bytes
 *   that hold JSON as that JSON, other bytes as a base64 string, as Jackson does for `byte[]`).
 * - v3: `GET /v3/clusters[/{cid}]`, `GET|POST /v3/clusters/{cid}/topics` (`validate_only: true`
 *   checks and answers 200 without creating), `GET|DELETE /v3/clusters/{cid}/topics/{t}`,
 *   `GET /v3/clusters/{cid}/topics/{t}/partitions[/{p}]`, shaped as confluentinc/kafka-rest's
 *   `api/v3/openapi.yaml`.
 *
 * Every error is `{"error_code": int, "message": string}`: 404 40401 unknown topic (v2), 404 40402
 * unknown partition, 404 40403 unknown topic (v3), 400 40002 topic exists / invalid topic settings
 * (a replication factor above the 3 brokers, an unknown topic config), 415 wrong Content-Type, 422
 * 42206 malformed or wrongly shaped body, 413 body over 20 MiB, 404 unknown route, 405 a method the
 * route does not serve (HEAD and OPTIONS included) with `Allow`, 500 only for a fault of the
 * stand-in itself. Inside a produce's 200, a record fails alone as in rest-utils'
 * KafkaExceptionMapper: 50002 for good (a record over the topic's max.message.bytes, about 1 MB by
 * default as on MSK), 50003 retriable (the store could not write it just now).
 *
 * Producing to a missing topic creates it when the store's `autoCreateTopics` is on (the default,
 * like the course's MSK cluster) and says so through `onTopicAutoCreated`; otherwise it answers
 * 404 40401. A produce answers only after
 * its records are durable (see `TopicStore.append`); records without key or partition go to one
 * partition per request, rotating between requests; records with a key go to Kafka's
 * murmur2(key) partition (the key's JSON text, or its bytes in the binary format).
 */

/** Optional fault injection, for testing clients' retries. */
export interface FaultInjector {
  /** Answer this request with `status` (and `body`, default an error body) instead of handling it. */
  beforeRequest?(req: { method: string; path: string }): { status: number; body?: unknown } | undefined;
  /** Fail record `index` of a produce to `topic` inside the 200 (`error_code` 50002/50003); it is not stored. */
  failRecord?(topic: string, index: number): { error_code: number; error: string } | undefined;
}

export interface RestProxyHandlerOptions {
  /** Cluster id shown by v3 (default `DEFAULT_CLUSTER_ID`). */
  clusterId?: string;
  faults?: FaultInjector;
  /** Base of the `self` links in v3 bodies; defaults to `http://<Host header>`. */
  advertisedUrl?: string;
  /** Request body limit (default 20 MiB). */
  bodyLimitBytes?: number;
  /**
   * Told when a produce creates a missing topic (`auto.create.topics.enable`); by default the
   * logger says so, so a mistyped topic does not pass unnoticed.
   */
  onTopicAutoCreated?: (topic: string) => void;
  logger?: Logger;
}

export interface RestProxyOptions extends Omit<RestProxyHandlerOptions, 'advertisedUrl'> {
  /** 0 (default) picks a free port. */
  port?: number;
  /** Only loopback is served. */
  host?: '127.0.0.1';
}

/** A running REST Proxy stand-in. `close` stops the server, not the store. */
export interface RestProxy {
  /** `http://127.0.0.1:<port>`, the `invoke_url` a client posts to. */
  readonly url: string;
  readonly port: number;
  readonly clusterId: string;
  close(): Promise<void>;
}

/** The cluster id the stand-in reports unless told otherwise. */
export const DEFAULT_CLUSTER_ID = 'local-pinterest-msk';

const BROKER_ID = 1;
/** Per-record `error_code`s, as Confluent's rest-utils KafkaExceptionMapper: a Kafka error, and a retriable one. */
export const KAFKA_ERROR = 50002;
export const KAFKA_RETRIABLE_ERROR = 50003;
const BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;

type Family = 'v2' | 'v3';
type Format = 'json' | 'binary';

interface Request {
  req: http.IncomingMessage;
  body: Buffer;
  baseUrl: string;
}

interface Answer {
  status: number;
  body?: unknown;
}

/** A route's handler: the request and the path's parameters (percent-decoded by the router). */
type Handler = (request: Request, params: Record<string, string | undefined>) => Promise<Answer> | Answer;

/** What the router keeps with each route: its API family, which sets the answers' content type. */
interface RouteStore {
  family: Family;
}

interface ProduceRecord {
  value: unknown;
  key?: unknown;
  partition?: number;
}

/** One produce answer's `offsets` entry: where the record went, or why it did not. */
interface OffsetEntry {
  partition: number | null;
  offset: number | null;
  error_code: number | null;
  error: string | null;
}

/** What the handlers of one REST proxy share: its backend, cluster id, logger and the produce rotation. */
interface ProxyContext {
  store: TopicBackend;
  clusterId: string;
  logger: Logger;
  bodyLimit: number;
  /** Per topic, the partition the next produce without key or partition goes to. */
  rotation: Map<string, number>;
  onTopicAutoCreated: (topic: string) => void;
  options: RestProxyHandlerOptions;
}

/** Methods the routes serve; a path's `Allow` lists those of them it has. */
const ROUTED_METHODS = ['GET', 'POST', 'DELETE'] as const;

/**
 * The REST Proxy as a plain request handler, for mounting in another server (the API Gateway
 * stand-in). It reads the request body itself, so the caller must not consume it first.
 */
export function createRestProxyHandler(
  topics: TopicBackend | TopicStore,
  options: RestProxyHandlerOptions = {},
): (req: http.IncomingMessage, res: http.ServerResponse) => void {
  const logger = options.logger ?? createLogger('rest-proxy');
  const context: ProxyContext = {
    store: topics instanceof TopicStore ? embeddedTopics(topics) : topics,
    clusterId: options.clusterId ?? DEFAULT_CLUSTER_ID,
    logger,
    bodyLimit: options.bodyLimitBytes ?? DEFAULT_BODY_LIMIT_BYTES,
    rotation: new Map(),
    onTopicAutoCreated:
      options.onTopicAutoCreated ??
      ((topic: string) =>
        logger.info(
          `topic '${topic}' did not exist and was created by a produce (auto.create.topics.enable); start the stack with --no-auto-create-topics to refuse produces to missing topics`,
        )),
    options,
  };
  const router = createRouter(context);
  return (req, res) => {
    handle(context, router, req, res).catch((error: unknown) => {
      logger.error(`answering ${req.method} ${req.url} failed: ${describeError(error)}`);
      res.destroy();
    });
  };
}

/**
 * The routes, on find-my-way (the router of fastify, maintained): it matches the path, decodes
 * its parameters and ignores duplicate and trailing slashes, so no path is split by hand.
 */
function createRouter(context: ProxyContext): ProxyRouter {
  const router = Router({ ignoreTrailingSlash: true, ignoreDuplicateSlashes: true });
  const on = (method: (typeof ROUTED_METHODS)[number], path: string, family: Family, handler: Handler) => {
    router.on(method, path, handler as unknown as Router.Handler<Router.HTTPVersion.V1>, {
      family,
    } satisfies RouteStore);
  };
  for (const [method, path, handler] of v2Routes(context)) on(method, path, 'v2', handler);
  for (const [method, path, handler] of v3Routes(context)) on(method, path, 'v3', handler);
  return router;
}

type ProxyRouter = Router.Instance<Router.HTTPVersion.V1>;

type RouteSpec = [(typeof ROUTED_METHODS)[number], string, Handler];

/** The v2 API: topics, partitions, offsets and the produce endpoints. */
function v2Routes(context: ProxyContext): RouteSpec[] {
  const { store } = context;
  const partitionOf = async (
    topic: string,
    text: string | undefined,
  ): Promise<{ info: TopicInfo; partition: number }> => {
    const info = await v2Topic(context, topic);
    const partition = parsePartition(text);
    if (partition === undefined || partition >= info.partitions)
      throw new HttpError(404, 40402, 'Partition not found.');
    return { info, partition };
  };
  return [
    ['GET', '/', () => ({ status: 200, body: {} })],
    ['GET', '/topics', async () => ({ status: 200, body: (await store.listTopics()).map((t) => t.name) })],
    [
      'GET',
      '/topics/:topic',
      async (_r, p) => ({ status: 200, body: v2TopicBody(await v2Topic(context, param(p, 'topic'))) }),
    ],
    ['POST', '/topics/:topic', (r, p) => produce(context, r, param(p, 'topic'), undefined)],
    [
      'GET',
      '/topics/:topic/partitions',
      async (_r, p) => ({ status: 200, body: v2TopicBody(await v2Topic(context, param(p, 'topic'))).partitions }),
    ],
    [
      'GET',
      '/topics/:topic/partitions/:partition',
      async (_r, p) => {
        const { info, partition } = await partitionOf(param(p, 'topic'), p.partition);
        return { status: 200, body: v2PartitionBody(info, partition) };
      },
    ],
    [
      'POST',
      '/topics/:topic/partitions/:partition',
      (r, p) => produce(context, r, param(p, 'topic'), param(p, 'partition')),
    ],
    // Confluent's v2 `GET /topics/{t}/partitions/{p}/offsets`: how a reader learns a partition's end.
    [
      'GET',
      '/topics/:topic/partitions/:partition/offsets',
      async (_r, p) => {
        const { info, partition } = await partitionOf(param(p, 'topic'), p.partition);
        return { status: 200, body: { beginning_offset: 0, end_offset: await store.endOffset(info.name, partition) } };
      },
    ],
  ];
}

/** The v3 API: the cluster, its topics (list, create, describe, delete) and their partitions. */
function v3Routes(context: ProxyContext): RouteSpec[] {
  return [...v3ClusterRoutes(context), ...v3TopicRoutes(context), ...v3PartitionRoutes(context)];
}

/** v3 topics' URL under `base`, the proxy's own address. */
function v3TopicsUrl(context: ProxyContext, base: string): string {
  return `${base}/v3/clusters/${context.clusterId}/topics`;
}

/** v3 clusters: the list (of the one cluster) and the cluster itself. */
function v3ClusterRoutes(context: ProxyContext): RouteSpec[] {
  const { clusterId } = context;
  return [
    [
      'GET',
      '/v3/clusters',
      (r) => ({
        status: 200,
        body: {
          kind: 'KafkaClusterList',
          metadata: { self: `${r.baseUrl}/v3/clusters`, next: null },
          data: [v3ClusterBody(r.baseUrl, clusterId)],
        },
      }),
    ],
    [
      'GET',
      '/v3/clusters/:cluster',
      (r, p) => {
        v3Cluster(context, param(p, 'cluster'));
        return { status: 200, body: v3ClusterBody(r.baseUrl, clusterId) };
      },
    ],
  ];
}

/** v3 topics: list, create, describe, delete. */
function v3TopicRoutes(context: ProxyContext): RouteSpec[] {
  const { store, clusterId } = context;
  return [
    [
      'GET',
      '/v3/clusters/:cluster/topics',
      async (r, p) => {
        v3Cluster(context, param(p, 'cluster'));
        const data = (await store.listTopics()).map((t) => v3TopicBody(r.baseUrl, clusterId, placed(context, t)));
        return {
          status: 200,
          body: { kind: 'KafkaTopicList', metadata: { self: v3TopicsUrl(context, r.baseUrl), next: null }, data },
        };
      },
    ],
    [
      'POST',
      '/v3/clusters/:cluster/topics',
      (r, p) => {
        v3Cluster(context, param(p, 'cluster'));
        return createTopic(context, r);
      },
    ],
    [
      'GET',
      '/v3/clusters/:cluster/topics/:topic',
      async (r, p) => {
        v3Cluster(context, param(p, 'cluster'));
        return { status: 200, body: v3TopicBody(r.baseUrl, clusterId, await v3Topic(context, param(p, 'topic'))) };
      },
    ],
    [
      'DELETE',
      '/v3/clusters/:cluster/topics/:topic',
      async (_r, p) => {
        v3Cluster(context, param(p, 'cluster'));
        await v3Topic(context, param(p, 'topic'));
        await store.deleteTopic(param(p, 'topic'));
        return { status: 204 };
      },
    ],
  ];
}

/** v3 partitions of a topic: the list and one partition. */
function v3PartitionRoutes(context: ProxyContext): RouteSpec[] {
  const { clusterId } = context;
  return [
    [
      'GET',
      '/v3/clusters/:cluster/topics/:topic/partitions',
      async (r, p) => {
        v3Cluster(context, param(p, 'cluster'));
        const info = await v3Topic(context, param(p, 'topic'));
        const self = `${v3TopicsUrl(context, r.baseUrl)}/${info.name}/partitions`;
        return {
          status: 200,
          body: {
            kind: 'KafkaPartitionList',
            metadata: { self, next: null },
            data: range(info.partitions).map((n) => v3PartitionBody(r.baseUrl, clusterId, info, n)),
          },
        };
      },
    ],
    [
      'GET',
      '/v3/clusters/:cluster/topics/:topic/partitions/:partition',
      async (r, p) => {
        v3Cluster(context, param(p, 'cluster'));
        const info = await v3Topic(context, param(p, 'topic'));
        const partition = parsePartition(p.partition);
        if (partition === undefined || partition >= info.partitions)
          throw new HttpError(404, 40402, 'This server does not host this topic-partition.');
        return { status: 200, body: v3PartitionBody(r.baseUrl, clusterId, info, partition) };
      },
    ],
  ];
}

/** A path parameter the route pattern guarantees. */
function param(params: Record<string, string | undefined>, name: string): string {
  return params[name] ?? '';
}

/** Replicas as the cluster places them: Kafka's own answer, else spread over the cluster's brokers. */
function placed(context: ProxyContext, info: TopicInfo): TopicInfo {
  return info.replicas
    ? info
    : { ...info, replicas: range(info.partitions).map((p) => replicasOf(info, p, context.store.brokers)) };
}

async function v2Topic(context: ProxyContext, name: string): Promise<TopicInfo> {
  const info = await context.store.getTopic(name);
  if (!info) throw new HttpError(404, 40401, 'Topic not found.');
  return placed(context, info);
}

function v3Cluster(context: ProxyContext, cid: string): void {
  if (cid !== context.clusterId) throw new HttpError(404, 404, `Cluster ${cid} cannot be found.`);
}

async function v3Topic(context: ProxyContext, name: string): Promise<TopicInfo> {
  const info = await context.store.getTopic(name);
  if (!info) throw new HttpError(404, 40403, `This server does not host topic '${name}'.`);
  return placed(context, info);
}

/** v3 `POST /topics`: creates the topic (201), or with `validate_only` checks it as a create would (200). */
async function createTopic(context: ProxyContext, r: Request): Promise<Answer> {
  const { store, clusterId } = context;
  if (mediaType(r.req.headers['content-type']) !== 'application/json') {
    throw new HttpError(415, 415, 'HTTP 415 Unsupported Media Type: send Content-Type: application/json.');
  }
  const spec = parseCreateTopicBody(r.body);
  const exists = new HttpError(400, 40002, `Topic '${spec.name}' already exists.`);
  if (await store.getTopic(spec.name)) throw exists;
  const settings = { partitions: spec.partitions, replicationFactor: spec.replicationFactor, configs: spec.configs };
  if (spec.validateOnly) {
    // Checked as a create would be, nothing created: 200 with the topic that would be.
    const info = await store.validateTopic(spec.name, settings);
    return { status: 200, body: v3TopicBody(r.baseUrl, clusterId, placed(context, info)) };
  }
  try {
    const info = await store.createTopic(spec.name, settings);
    return { status: 201, body: v3TopicBody(r.baseUrl, clusterId, placed(context, info)) };
  } catch (error) {
    if (hasErrorCode(error, 'TOPIC_EXISTS')) throw exists;
    throw error;
  }
}

/** A produce to `topic`, or to one partition of it when `partitionText` (from the path) is given. */
async function produce(
  context: ProxyContext,
  request: Request,
  topic: string,
  partitionText?: string,
): Promise<Answer> {
  const records = parseProduceBody(request.body, produceFormat(request.req.headers['content-type']));
  const info = await produceTopic(context, topic);
  let pathPartition: number | undefined;
  if (partitionText !== undefined) {
    pathPartition = parsePartition(partitionText);
    if (pathPartition === undefined || pathPartition >= info.partitions)
      throw new HttpError(404, 40402, 'Partition not found.');
  }
  const sticky = (context.rotation.get(topic) ?? 0) % info.partitions;
  context.rotation.set(topic, sticky + 1);
  const offsets: OffsetEntry[] = [];
  const byPartition = groupByPartition(
    context,
    info,
    records,
    offsets,
    (record) =>
      pathPartition ??
      record.partition ??
      (record.key !== undefined && record.key !== null ? keyPartition(record.key, info.partitions) : sticky),
  );
  await Promise.all(
    [...byPartition].map(([partition, group]) => appendGroup(context, topic, partition, group, offsets)),
  );
  return { status: 200, body: { offsets, key_schema_id: null, value_schema_id: null } };
}

/** The topic a produce goes to; a missing one is created when the backend auto-creates topics, else 404 40401. */
async function produceTopic(context: ProxyContext, topic: string): Promise<TopicInfo> {
  const { store } = context;
  const info = await store.getTopic(topic);
  if (info) return info;
  if (!store.autoCreateTopics) throw new HttpError(404, 40401, 'Topic not found.');
  const created = await store.ensureTopic(topic);
  context.onTopicAutoCreated(topic);
  return created;
}

/**
 * The records to append, by partition (with their indexes in the request); a record failed by an
 * injected fault or over the topic's max.message.bytes gets its `offsets` entry here, and is not stored.
 */
function groupByPartition(
  context: ProxyContext,
  info: TopicInfo,
  records: ProduceRecord[],
  offsets: OffsetEntry[],
  partitionOf: (record: ProduceRecord) => number,
): Map<number, { indexes: number[]; records: AppendRecord[] }> {
  const maxBytes = maxMessageBytes(info);
  const byPartition = new Map<number, { indexes: number[]; records: AppendRecord[] }>();
  records.forEach((record, index) => {
    // Measured first: it also refuses (422) a value or key too deep to serialise, before hashing the key.
    const bytes = recordBytes(record, index);
    const partition = partitionOf(record);
    if (partition >= info.partitions) throw new HttpError(404, 40402, 'Partition not found.');
    const fault = context.options.faults?.failRecord?.(info.name, index);
    if (fault) {
      offsets[index] = { partition: null, offset: null, error_code: fault.error_code, error: fault.error };
      return;
    }
    // The broker refuses a record over max.message.bytes, that record alone and for good.
    if (bytes > maxBytes) {
      const error = `RecordTooLargeException: the message is ${bytes} bytes when serialized, larger than the ${maxBytes} bytes the broker accepts (max.message.bytes)`;
      offsets[index] = { partition: null, offset: null, error_code: KAFKA_ERROR, error };
      return;
    }
    const group = byPartition.get(partition) ?? { indexes: [], records: [] };
    group.indexes.push(index);
    group.records.push(record.key === undefined ? { value: record.value } : { value: record.value, key: record.key });
    byPartition.set(partition, group);
  });
  return byPartition;
}

/** Appends one partition's records and fills their `offsets` entries; a store failure fails them inside the 200. */
async function appendGroup(
  context: ProxyContext,
  topic: string,
  partition: number,
  group: { indexes: number[]; records: AppendRecord[] },
  offsets: OffsetEntry[],
): Promise<void> {
  try {
    const assigned = await context.store.append(topic, partition, group.records);
    group.indexes.forEach(
      (index, i) => (offsets[index] = { partition, offset: assigned[i], error_code: null, error: null }),
    );
  } catch (error) {
    if (!(error instanceof PipelineError) || error.code === 'RECORD_INVALID') throw error;
    // The store could not take them (disk, or the topic went away): a per-record failure,
    // which the client reads in the 200 body and may retry, as with a Kafka produce error.
    context.logger.warn(`produce to ${topic}-${partition} failed: ${describeError(error)}`);
    const errorCode = error.retriable ? KAFKA_RETRIABLE_ERROR : KAFKA_ERROR;
    for (const index of group.indexes)
      offsets[index] = { partition: null, offset: null, error_code: errorCode, error: describeError(error) };
  }
}

/** Answers one request: an injected fault, the route's answer, or the error it threw in the REST Proxy's shape. */
async function handle(
  context: ProxyContext,
  router: ProxyRouter,
  req: http.IncomingMessage,
  res: http.ServerResponse,
): Promise<void> {
  const rawPath = (req.url ?? '/').split('?')[0] ?? '/';
  const method = (req.method ?? 'GET').toUpperCase();
  let family: Family = rawPath.startsWith('/v3') ? 'v3' : 'v2';
  const contentType = () => (family === 'v2' ? KAFKA_V2 : 'application/json');
  try {
    const injected = context.options.faults?.beforeRequest?.({ method, path: rawPath });
    if (injected) {
      await readBody(req, context.bodyLimit).catch((error: unknown) =>
        context.logger.warn(`injected fault: request body not read: ${describeError(error)}`),
      );
      sendJson(
        res,
        injected.status,
        injected.body ?? { error_code: injected.status, message: `Injected fault ${injected.status}.` },
        contentType(),
      );
      return;
    }
    const found = router.find(method as Router.HTTPMethod, rawPath);
    const allowed = found ? [] : ROUTED_METHODS.filter((m) => router.find(m, rawPath));
    const body = await readBody(req, context.bodyLimit);
    if (!found && allowed.length === 0) throw new HttpError(404, 404, 'HTTP 404 Not Found');
    if (!found) {
      family = (router.find(allowed[0], rawPath)?.store as RouteStore).family;
      throw new HttpError(
        405,
        405,
        `HTTP 405 Method Not Allowed: ${method} is not supported here; use ${allowed.join(' or ')}.`,
        { headers: { Allow: allowed.join(', ') } },
      );
    }
    family = (found.store as RouteStore).family;
    const host = req.headers.host ?? '127.0.0.1';
    const answer = await (found.handler as unknown as Handler)(
      { req, body, baseUrl: context.options.advertisedUrl ?? `http://${host}` },
      found.params,
    );
    if (answer.status === 204) {
      res.writeHead(204);
      res.end();
    } else {
      sendJson(res, answer.status, answer.body, contentType());
    }
  } catch (error) {
    const known = toHttpError(error, family);
    if (known) {
      sendJson(res, known.status, known.toBody(), contentType(), known.headers);
      return;
    }
    context.logger.error(`${method} ${rawPath} failed: ${describeError(error)}`);
    sendJson(res, 500, { error_code: 500, message: `Internal server error: ${describeError(error)}` }, contentType());
  }
}

/** Starts the REST Proxy stand-in on 127.0.0.1 (`port` 0 picks a free one). */
export async function startRestProxy(
  store: TopicBackend | TopicStore,
  options: RestProxyOptions = {},
): Promise<RestProxy> {
  const host = options.host ?? '127.0.0.1';
  const clusterId = options.clusterId ?? DEFAULT_CLUSTER_ID;
  // Created once the port is known: v3 `self` links name this server, also behind a gateway.
  let handler: ((req: http.IncomingMessage, res: http.ServerResponse) => void) | undefined;
  const server = http.createServer({ keepAlive: true }, (req, res) => handler?.(req, res));
  server.on('clientError', answerClientError);
  let port: number;
  try {
    port = await listenOn(server, options.port, host);
  } catch (error) {
    throw new PipelineError(
      'PORT_IN_USE',
      `the REST proxy cannot listen on ${host}:${options.port ?? 0}: ${describeError(error)}; pick another port`,
      { cause: error },
    );
  }
  const url = `http://${host}:${port}`;
  handler = createRestProxyHandler(store, { ...options, clusterId, advertisedUrl: url });
  return {
    url,
    port,
    clusterId,
    close: closeOnce(server),
  };
}

/** Maps store and HTTP errors to the REST Proxy's answers; undefined for anything unexpected. */
function toHttpError(error: unknown, family: Family): HttpError | undefined {
  if (error instanceof HttpError) return error;
  if (!(error instanceof PipelineError)) return undefined;
  switch (error.code) {
    case 'TOPIC_EXISTS':
    case 'TOPIC_NAME_INVALID':
    case 'TOPIC_CONFIG_INVALID':
      return new HttpError(400, 40002, error.message);
    case 'TOPIC_NOT_FOUND':
      return family === 'v2' ? new HttpError(404, 40401, 'Topic not found.') : new HttpError(404, 40403, error.message);
    case 'PARTITION_NOT_FOUND':
      return new HttpError(404, 40402, 'Partition not found.');
    case 'RECORD_INVALID':
      return new HttpError(422, 42206, error.message);
    case 'STORE_CLOSED':
      return new HttpError(503, 50301, 'The local Kafka store is shutting down; retry shortly.');
    case 'KAFKA_REQUEST_FAILED':
      return error.retriable
        ? new HttpError(503, 50301, `Kafka did not answer just now; retry shortly (${error.message}).`)
        : undefined;
    default:
      return undefined;
  }
}

function parsePartition(text: string | undefined): number | undefined {
  if (text === undefined || !/^\d{1,9}$/.test(text)) return undefined;
  return Number(text);
}

function produceFormat(header: string | undefined): Format {
  const type = mediaType(header);
  if (type === KAFKA_JSON_V2) return 'json';
  if (type === KAFKA_BINARY_V2) return 'binary';
  throw new HttpError(
    415,
    415,
    `HTTP 415 Unsupported Media Type: use Content-Type: ${KAFKA_JSON_V2} (or ${KAFKA_BINARY_V2}), got ${header === undefined ? 'none' : JSON.stringify(header)}.`,
  );
}

/** A body that is not JSON: 422 42206, as the REST Proxy answers it. */
const UNREADABLE_BODY = { status: 422, errorCode: 42206 };

function bad(message: string): HttpError {
  return new HttpError(422, 42206, message);
}

/** Validates a v2 produce body; every shape error is a 422 42206 naming the field. */
function parseProduceBody(body: Buffer, format: Format): ProduceRecord[] {
  const parsed = readJsonBody(body, UNREADABLE_BODY);
  if (!isPlainObject(parsed)) throw bad('The body must be a JSON object with a "records" array.');
  const records = parsed.records;
  if (!Array.isArray(records)) throw bad('Field "records" is required and must be an array.');
  if (records.length === 0) throw bad('Field "records" must not be empty.');
  return records.map((record: unknown, index): ProduceRecord => {
    if (!isPlainObject(record)) throw bad(`records[${index}] must be an object with a "value".`);
    if (!('value' in record) && !('key' in record)) throw bad(`records[${index}] has neither "value" nor "key".`);
    const out: ProduceRecord = { value: decodeField(record.value ?? null, format, `records[${index}].value`) };
    if (record.key !== undefined && record.key !== null)
      out.key = decodeField(record.key, format, `records[${index}].key`);
    if (record.partition !== undefined && record.partition !== null) {
      if (typeof record.partition !== 'number' || !Number.isSafeInteger(record.partition) || record.partition < 0) {
        throw bad(`records[${index}].partition must be a whole number >= 0.`);
      }
      out.partition = record.partition;
    }
    return out;
  });
}

/** A record's serialised size, value plus key, as the broker counts it against max.message.bytes. */
function recordBytes(record: ProduceRecord, index: number): number {
  const size = (field: unknown, name: string): number => {
    if (field === undefined) return 0;
    if (field instanceof Uint8Array) return field.length;
    try {
      return Buffer.byteLength(JSON.stringify(field ?? null));
    } catch (error) {
      // JSON.stringify recurses: a value nested deeper than the stack allows cannot be stored.
      if (error instanceof RangeError) throw bad(`records[${index}].${name} is nested too deeply to be stored.`);
      throw error;
    }
  };
  return size(record.value, 'value') + size(record.key, 'key');
}

function decodeField(value: unknown, format: Format, name: string): unknown {
  if (format === 'json' || value === null) return value;
  if (typeof value !== 'string' || !BASE64.test(value))
    throw bad(`${name} must be a base64 string in the binary format.`);
  return Buffer.from(value, 'base64');
}

/** Validates a v3 create-topic body. */
function parseCreateTopicBody(body: Buffer): {
  name: string;
  partitions?: number;
  replicationFactor?: number;
  configs: Record<string, string>;
  validateOnly: boolean;
} {
  const parsed = readJsonBody(body, UNREADABLE_BODY);
  if (!isPlainObject(parsed)) throw bad('The body must be a JSON object with "topic_name".');
  const {
    topic_name: name,
    partitions_count: partitions,
    replication_factor: replicationFactor,
    configs,
    validate_only: validateOnly,
  } = parsed;
  if (validateOnly !== undefined && validateOnly !== null && typeof validateOnly !== 'boolean')
    throw bad('Field "validate_only" must be a boolean.');
  if (typeof name !== 'string' || name === '')
    throw bad('Field "topic_name" is required and must be a non-empty string.');
  const optionalInt = (value: unknown, field: string): number | undefined => {
    if (value === undefined || value === null) return undefined;
    if (typeof value !== 'number' || !Number.isSafeInteger(value))
      throw bad(`Field "${field}" must be a whole number.`);
    return value;
  };
  const out = {
    name,
    partitions: optionalInt(partitions, 'partitions_count'),
    replicationFactor: optionalInt(replicationFactor, 'replication_factor'),
    configs: {} as Record<string, string>,
    validateOnly: validateOnly === true,
  };
  if (configs !== undefined && configs !== null) {
    if (!Array.isArray(configs)) throw bad('Field "configs" must be an array of {"name", "value"}.');
    configs.forEach((entry: unknown, index) => {
      if (
        !isPlainObject(entry) ||
        typeof entry.name !== 'string' ||
        (typeof entry.value !== 'string' && entry.value !== null)
      ) {
        throw bad(`configs[${index}] must be {"name": string, "value": string}.`);
      }
      if (typeof entry.value === 'string') out.configs[entry.name] = entry.value;
    });
  }
  return out;
}

function range(n: number): number[] {
  return Array.from({ length: n }, (_, i) => i);
}

/** Broker ids holding a partition: one per replica, the leader first, spread over the cluster's brokers. */
function replicasOf(info: TopicInfo, partition: number, brokers = DEFAULT_BROKERS): number[] {
  const known = info.replicas?.[partition];
  if (known?.length) return known;
  return range(info.replicationFactor).map(
    (i) => BROKER_ID + ((partition + i) % Math.max(brokers, info.replicationFactor)),
  );
}

function v2PartitionBody(
  info: TopicInfo,
  partition: number,
): { partition: number; leader: number; replicas: { broker: number; leader: boolean; in_sync: boolean }[] } {
  const replicas = replicasOf(info, partition);
  return {
    partition,
    leader: replicas[0],
    replicas: replicas.map((broker, i) => ({ broker, leader: i === 0, in_sync: true })),
  };
}

function v2TopicBody(info: TopicInfo): {
  name: string;
  configs: Record<string, string>;
  partitions: ReturnType<typeof v2PartitionBody>[];
} {
  return {
    name: info.name,
    configs: info.configs,
    partitions: range(info.partitions).map((p) => v2PartitionBody(info, p)),
  };
}

function v3ClusterBody(base: string, clusterId: string): Record<string, unknown> {
  const self = `${base}/v3/clusters/${clusterId}`;
  return {
    kind: 'KafkaCluster',
    metadata: { self, resource_name: `crn:///kafka=${clusterId}` },
    cluster_id: clusterId,
    controller: { related: `${self}/brokers/${BROKER_ID}` },
    acls: { related: `${self}/acls` },
    brokers: { related: `${self}/brokers` },
    broker_configs: { related: `${self}/broker-configs` },
    consumer_groups: { related: `${self}/consumer-groups` },
    topics: { related: `${self}/topics` },
    partition_reassignments: { related: `${self}/topics/-/partitions/-/reassignment` },
  };
}

function v3TopicBody(base: string, clusterId: string, info: TopicInfo): Record<string, unknown> {
  const self = `${base}/v3/clusters/${clusterId}/topics/${info.name}`;
  return {
    kind: 'KafkaTopic',
    metadata: { self, resource_name: `crn:///kafka=${clusterId}/topic=${info.name}` },
    cluster_id: clusterId,
    topic_name: info.name,
    is_internal: false,
    replication_factor: info.replicationFactor,
    partitions_count: info.partitions,
    partitions: { related: `${self}/partitions` },
    configs: { related: `${self}/configs` },
    partition_reassignments: { related: `${self}/partitions/-/reassignment` },
    authorized_operations: [],
  };
}

function v3PartitionBody(base: string, clusterId: string, info: TopicInfo, partition: number): Record<string, unknown> {
  const self = `${base}/v3/clusters/${clusterId}/topics/${info.name}/partitions/${partition}`;
  return {
    kind: 'KafkaPartition',
    metadata: { self, resource_name: `crn:///kafka=${clusterId}/topic=${info.name}/partition=${partition}` },
    cluster_id: clusterId,
    topic_name: info.name,
    partition_id: partition,
    leader: { related: `${self}/replicas/${replicasOf(info, partition)[0]}` },
    replicas: { related: `${self}/replicas` },
    reassignment: { related: `${self}/reassignment` },
  };
}

/**
 * Kafka's default partitioner for keyed records: murmur2 of the serialised key, made positive,
 * modulo the partition count. The JSON format serialises a key as its JSON text.
 */
export function keyPartition(key: unknown, partitions: number): number {
  const bytes = key instanceof Uint8Array ? key : Buffer.from(JSON.stringify(key) ?? 'null', 'utf8');
  return (murmur2(bytes) & 0x7fffffff) % partitions;
}

/** Kafka's `Utils.murmur2` (seed 0x9747b28c), as a signed 32-bit integer. */
export function murmur2(data: Uint8Array): number {
  const m = 0x5bd1e995;
  const length = data.length;
  let h = 0x9747b28c ^ length;
  const whole = length & ~3;
  for (let i = 0; i < whole; i += 4) {
    let k = data[i] | (data[i + 1] << 8) | (data[i + 2] << 16) | (data[i + 3] << 24);
    k = Math.imul(k, m);
    k ^= k >>> 24;
    k = Math.imul(k, m);
    h = Math.imul(h, m) ^ k;
  }
  switch (length & 3) {
    case 3:
      h ^= data[whole + 2] << 16;
    // falls through
    case 2:
      h ^= data[whole + 1] << 8;
    // falls through
    case 1:
      h ^= data[whole];
      h = Math.imul(h, m);
  }
  h ^= h >>> 13;
  h = Math.imul(h, m);
  h ^= h >>> 15;
  return h | 0;
}
