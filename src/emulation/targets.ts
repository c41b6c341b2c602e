import type { Names, PipelineConfig } from '../config';
import { TABLES } from '../contract/tables';
import { openTarget, requireRestProxy, type OpenTargetOptions, type RunTarget } from '../target/open-target';
import { createGatewayStreamAdmin, createSdkStreamAdmin, createStreams, type StreamAdmin } from './create-streams';
import { createTopics, type SetupResult } from './create-topics';
import type { HttpClient } from '../http-client';
import { createGatewayStreamTransport, createSdkStreamTransport } from './kinesis-transport';
import { createRestProxyTransport } from './rest-proxy-transport';
import type { BatchTransport, StreamTransport, TransportLimits } from './transport';

export interface EmulationRouteOptions {
  /** Batch path: through the API Gateway invoke URL (default, as the course) or to the REST Proxy directly. */
  batchVia?: 'gateway' | 'rest-proxy';
  /** Streaming path: the SDK (`PutRecords`) or API Gateway's Kinesis routes; default: the SDK when the target has a Kinesis client. */
  streamVia?: 'sdk' | 'gateway';
  /** Gateway route of the streaming path: `records` (batches, default) or `record` (one per request). */
  gatewayRoute?: 'records' | 'record';
  /** Overrides of the transports' size limits (e.g. `maxRecordBytes`). */
  limits?: Partial<TransportLimits>;
}

/** How to open the targets and which routes the emulation takes through them. */
export interface EmulationTargetOptions extends OpenTargetOptions, EmulationRouteOptions {}

/**
 * Everything the emulation talks to, built on the run's target: the transports of both paths,
 * what creates topics and streams, and the target itself.
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
  /** The connections of the run. */
  run: RunTarget;
  /** Closes the run's connections (and stops the local stack if it was started for them). */
  close(): Promise<void>;
}

/** The emulation's transports and admins over `target`'s connections; closing them closes the target. */
export function emulationTargets(target: RunTarget, options: EmulationRouteOptions = {}): EmulationTargets {
  const { limits } = options;
  const viaRestProxy = options.batchVia === 'rest-proxy';
  const batch = createRestProxyTransport(
    viaRestProxy
      ? { http: requireRestProxy(target).http, via: 'rest-proxy', limits }
      : { http: target.gateway, via: 'gateway', limits },
  );
  const stream =
    target.kinesis && options.streamVia !== 'gateway'
      ? createSdkStreamTransport({
          client: target.kinesis,
          limits,
          label: target.stack ? target.stack.endpoints.kinesis : target.region,
        })
      : createGatewayStreamTransport({ http: target.gateway, route: options.gatewayRoute, limits });
  return {
    target: target.kind,
    names: target.names,
    description: target.description,
    batch,
    stream,
    topicsAdmin: target.restProxy?.http ?? target.gateway,
    streamAdmin: target.kinesis ? createSdkStreamAdmin(target.kinesis) : createGatewayStreamAdmin(target.gateway),
    replicationFactor: target.kind === 'local' ? 1 : 3,
    run: target,
    close: () => target.close(),
  };
}

/** Opens the target of `config` (see `openTarget`) and the emulation's transports over it. */
export async function openEmulationTargets(
  config: PipelineConfig,
  options: EmulationTargetOptions = {},
): Promise<EmulationTargets> {
  const target = await openTarget(config, options);
  try {
    return emulationTargets(target, options);
  } catch (error) {
    await target.close();
    throw error;
  }
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
export async function ensureDestinations(
  targets: EmulationTargets,
  options: EnsureDestinationsOptions = {},
): Promise<SetupResult[]> {
  const results: SetupResult[] = [];
  if (options.topics ?? true) {
    results.push(
      ...(await createTopics(
        targets.topicsAdmin,
        TABLES.map((t) => targets.names.topics[t]),
        {
          partitions: options.partitions,
          replicationFactor: options.replicationFactor ?? targets.replicationFactor,
          onResult: options.onResult,
        },
      )),
    );
  }
  if (options.streams ?? true) {
    results.push(
      ...(await createStreams(
        targets.streamAdmin,
        TABLES.map((t) => targets.names.streams[t]),
        { shards: options.shards, onResult: options.onResult },
      )),
    );
  }
  return results;
}
