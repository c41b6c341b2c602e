import type { KinesisClient } from '@aws-sdk/client-kinesis';
import { createKinesisClient } from '../clients';
import type { Names, PipelineConfig } from '../config';
import { describeError, PipelineError } from '../errors';
import type { Logger } from '../log';
import { connectLocalStack, findOrStartLocalStack, DEFAULT_DATA_DIR, EPHEMERAL_PORTS, type LocalStackConnection, type LocalStackOptions } from '../local-stack/start-local-stack';
import { TABLES } from '../contract/tables';
import { createGatewayStreamAdmin, createSdkStreamAdmin, createStreams, type StreamAdmin } from './create-streams';
import { createTopics, type SetupResult } from './create-topics';
import { createHttpClient, type HttpClient } from '../http-client';
import { createGatewayStreamTransport, createSdkStreamTransport } from './kinesis-transport';
import { createRestProxyTransport } from './rest-proxy-transport';
import type { BatchTransport, StreamTransport, TransportLimits } from './transport';

export interface EmulationTargetOptions {
  /** Batch path: through the API Gateway invoke URL (default, as the course) or to the REST Proxy directly. */
  batchVia?: 'gateway' | 'rest-proxy';
  /** On AWS, the REST Proxy's own URL for `batchVia: 'rest-proxy'` and for creating topics. */
  restProxyUrl?: string;
  /** Streaming path: the SDK (`PutRecords`) or API Gateway's Kinesis routes; default from configuration. */
  streamVia?: 'sdk' | 'gateway';
  /** Gateway route of the streaming path: `records` (batches, default) or `record` (one per request). */
  gatewayRoute?: 'records' | 'record';
  /** Local stack: the data folder to find the running stack in (or, with `startStack`, to start one from). */
  dataDir?: string;
  /** Local stack: start one for this process when none is running (`npm start`, an explicit `--start-stack`); by default none is started and a missing stack fails at once. */
  startStack?: boolean;
  /** Local stack started here: ports (default: any free port) and other start options. */
  stackPorts?: Partial<typeof EPHEMERAL_PORTS>;
  /** Local stack started here: S3 sink settings (`flush.size`: the course's 1 unless given). */
  stackSink?: LocalStackOptions['sink'];
  /** Local stack started here: which Kafka runs under it (default embedded). */
  stackKafka?: LocalStackOptions['kafka'];
  /** Local stack started here: how long `close()` waits for the S3 sink to catch up (default 120 s). */
  drainTimeoutMs?: number;
  /** Per-request timeout of the HTTP clients. */
  timeoutMs?: number;
  /** Sockets per HTTP client (bounds parallel requests). */
  maxSockets?: number;
  /** Overrides of the transports' size limits (e.g. `maxRecordBytes`). */
  limits?: Partial<TransportLimits>;
  log?: Logger;
}

/**
 * Everything the emulation talks to, created once from configuration: the transports of both
 * paths, what creates topics and streams, and the local stack when the target is local.
 */
export interface EmulationTargets {
  target: 'local' | 'aws';
  /** Topic and stream names: the configuration's, or those of the local stack found running. */
  names: Pick<Names, 'topics' | 'streams'>;
  /** For people: the local stack in use ("local stack running from .local-stack"), or the invoke URL. */
  description: string;
  batch: BatchTransport;
  stream: StreamTransport;
  /** HTTP client of the REST Proxy v3 API (topic creation). */
  topicsAdmin: HttpClient;
  streamAdmin: StreamAdmin;
  /** Replication factor for new topics: 1 locally, 3 for MSK's three brokers. */
  replicationFactor: number;
  /** The local stack connection (started here, or found running); undefined on AWS. */
  stack?: LocalStackConnection;
  /** Closes the clients, and stops the local stack if it was started here. */
  close(): Promise<void>;
}

/**
 * Opens the targets of `config`: on `aws`, the invoke URL (and the SDK with the default AWS
 * credential chain when `kinesis_via: sdk`); on `local`, a stack running from the data folder,
 * or a new one started for this process (stopped by `close()`).
 */
export async function openEmulationTargets(config: PipelineConfig, options: EmulationTargetOptions = {}): Promise<EmulationTargets> {
  const httpOptions = { timeoutMs: options.timeoutMs ?? 30_000, maxSockets: options.maxSockets ?? 32 };
  const limits = options.limits;
  if (config.target === 'aws') {
    const invokeUrl = config.aws.invokeUrl as string;
    const gateway = createHttpClient({ baseUrl: invokeUrl, ...httpOptions });
    const restProxy = options.restProxyUrl ? createHttpClient({ baseUrl: options.restProxyUrl, ...httpOptions }) : undefined;
    if (options.batchVia === 'rest-proxy' && !restProxy) {
      throw new PipelineError('USAGE', 'sending to the REST Proxy directly on AWS needs its URL: pass --rest-proxy http://<ec2-host>:8082');
    }
    const streamVia = options.streamVia ?? config.aws.kinesisVia;
    const kinesis: KinesisClient | undefined = streamVia === 'sdk' ? createKinesisClient({ region: config.aws.region }) : undefined;
    const batch = createRestProxyTransport(options.batchVia === 'rest-proxy' && restProxy ? { http: restProxy, via: 'rest-proxy', limits } : { http: gateway, via: 'gateway', limits });
    const stream = kinesis ? createSdkStreamTransport({ client: kinesis, limits, label: config.aws.region }) : createGatewayStreamTransport({ http: gateway, route: options.gatewayRoute, limits });
    return {
      target: 'aws',
      names: config.names,
      description: `AWS through ${invokeUrl}`,
      batch,
      stream,
      topicsAdmin: restProxy ?? gateway,
      streamAdmin: kinesis ? createSdkStreamAdmin(kinesis) : createGatewayStreamAdmin(gateway),
      replicationFactor: 3,
      close: async () => {
        gateway.close();
        restProxy?.close();
        kinesis?.destroy();
      },
    };
  }

  const dataDir = options.dataDir ?? DEFAULT_DATA_DIR;
  const stack = options.startStack !== true ? await connectLocalStack(dataDir) : await findOrStartLocalStack({
    dataDir,
    userId: config.userId,
    bucket: config.names.bucket,
    region: config.aws.region,
    ports: { ...EPHEMERAL_PORTS, ...options.stackPorts },
    // A stack asked for one run (npm start, --start-stack) comes with its topics and streams.
    provision: true,
    ...(options.stackSink ? { sink: options.stackSink } : {}),
    ...(options.stackKafka ? { kafka: options.stackKafka } : {}),
  });
  if (!stack.stack && stack.userId !== config.userId) {
    options.log?.warn(`the running local stack is for user ${stack.userId}, not ${config.userId}; using its topics and streams`);
  }
  const gateway = createHttpClient({ baseUrl: stack.endpoints.invokeUrl, ...httpOptions });
  const restProxy = createHttpClient({ baseUrl: stack.endpoints.restProxy, ...httpOptions });
  const batch = createRestProxyTransport(options.batchVia === 'rest-proxy' ? { http: restProxy, via: 'rest-proxy', limits } : { http: gateway, via: 'gateway', limits });
  const stream = options.streamVia === 'gateway'
    ? createGatewayStreamTransport({ http: gateway, route: options.gatewayRoute, limits })
    : createSdkStreamTransport({ client: stack.kinesis, limits, label: stack.endpoints.kinesis });
  const how = stack.stack ? `started for this run from ${dataDir}` : `running from ${dataDir}`;
  return {
    target: 'local',
    names: stack.names,
    description: `local stack ${how}`,
    batch,
    stream,
    topicsAdmin: restProxy,
    streamAdmin: createSdkStreamAdmin(stack.kinesis),
    replicationFactor: 1,
    stack,
    close: async () => {
      gateway.close();
      restProxy.close();
      if (stack.stack && stack.stack.sink.stats().lag > 0) {
        // The stack stops with this process: let the sink copy what was acknowledged to S3 first.
        options.log?.info('waiting for the S3 sink to copy the acknowledged records ...');
        await stack.stack.sink.drain(options.drainTimeoutMs ?? 120_000).catch((error: unknown) => {
          options.log?.warn(`${describeError(error)}; the rest is copied the next time the stack runs`);
        });
      }
      await stack.close();
    },
  };
}

export interface EnsureDestinationsOptions {
  /** Create the topics (default true). */
  topics?: boolean;
  /** Create the streams (default true). */
  streams?: boolean;
  partitions?: number;
  /** Default: the target's (1 locally, 3 on AWS). */
  replicationFactor?: number;
  shards?: number;
  /** Told each topic and stream as soon as it exists (for progress). */
  onResult?: (result: SetupResult) => void;
}

/** Creates the three topics and the three streams of `targets.names` when missing; idempotent. */
export async function ensureDestinations(targets: EmulationTargets, options: EnsureDestinationsOptions = {}): Promise<SetupResult[]> {
  const results: SetupResult[] = [];
  if (options.topics ?? true) {
    results.push(...(await createTopics(targets.topicsAdmin, TABLES.map((t) => targets.names.topics[t]), {
      partitions: options.partitions,
      replicationFactor: options.replicationFactor ?? targets.replicationFactor,
      onResult: options.onResult,
    })));
  }
  if (options.streams ?? true) {
    results.push(...(await createStreams(targets.streamAdmin, TABLES.map((t) => targets.names.streams[t]), { shards: options.shards, onResult: options.onResult })));
  }
  return results;
}
