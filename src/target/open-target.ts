/**
 * The composition root of a run: the connections a run talks to, opened once from configuration and
 * passed to the stages (the emulation, the batch and streaming steps, the pipeline, the doctor). On
 * AWS: the invoke URL, the REST proxy when its URL is given, S3 and (with `kinesis_via: sdk`) Kinesis
 * through the default credential chain. Locally: a stack running from the data folder, or one
 * started for this process, with its endpoints and clients.
 */
import type { KinesisClient } from '@aws-sdk/client-kinesis';
import type { S3Client } from '@aws-sdk/client-s3';
import { createKinesisClient, createS3Client } from '../clients';
import type { Names, PipelineConfig } from '../config';
import { describeError, PipelineError } from '../errors';
import { createHttpClient, type HttpClient } from '../http-client';
import type { Logger } from '../log';
import {
  connectLocalStack,
  connectTo,
  DEFAULT_DATA_DIR,
  EPHEMERAL_PORTS,
  readRunningStack,
  startLocalStack,
  type LocalStack,
  type LocalStackOptions,
  type RunningStack,
} from '../local-stack/start-local-stack';

export interface OpenTargetOptions {
  /** Check the local stack even when the configuration targets AWS (the doctor's `--local`). */
  local?: boolean;
  /** On AWS, the REST Proxy's own URL (sending to it directly, creating topics). */
  restProxyUrl?: string;
  /** On AWS, Kinesis through the SDK (`sdk`: a client with the default credential chain) or only the gateway's routes; default from configuration. */
  streamVia?: 'sdk' | 'gateway';
  /** Local stack: the data folder to find the running stack in (or, with `startStack`, to start one from). */
  dataDir?: string;
  /** Local stack: start one for this process when none is running (`npm start`, an explicit `--start-stack`); by default none is started and a missing stack fails at once. */
  startStack?: boolean;
  /** Local stack started here: ports (default: any free port). */
  stackPorts?: Partial<typeof EPHEMERAL_PORTS>;
  /** Local stack started here: S3 sink settings (`flush.size`: the course's 1 unless given). */
  stackSink?: LocalStackOptions['sink'];
  /** Local stack started here: which Kafka runs under it (default embedded). */
  stackKafka?: LocalStackOptions['kafka'];
  /** Local stack started here: how long `close()` waits for the S3 sink to catch up (default 120 s). */
  drainTimeoutMs?: number;
  /** Per-request timeout of the HTTP clients (default 30 s). */
  timeoutMs?: number;
  /** Sockets per HTTP client (bounds parallel requests; default 32). */
  maxSockets?: number;
  log?: Logger;
}

/** The connections of one run, opened once; `close()` lets go of all of them. */
export interface RunTarget {
  kind: 'local' | 'aws';
  /** For people: the local stack in use ("local stack running from .local-stack"), or "AWS through <invoke URL>". */
  description: string;
  userId: string;
  region: string;
  /** Topic and stream names: the configuration's, or those of the local stack found running. */
  names: Pick<Names, 'topics' | 'streams'>;
  /** The S3 sink's bucket. */
  bucket: string;
  /** The API Gateway invoke URL (with its stage) and a client of it. */
  invokeUrl: string;
  gateway: HttpClient;
  /** The Kafka REST proxy itself: always locally; on AWS only when its URL was given. */
  restProxy?: { url: string; http: HttpClient };
  s3: S3Client;
  /** Kinesis through the SDK: always locally; on AWS with `kinesis_via: sdk` (or `streamVia: 'sdk'`); unset: only through the gateway's routes. */
  kinesis?: KinesisClient;
  /** The local stack (started here, or found running); undefined on AWS. */
  stack?: RunningStack;
  /** The local stack when this process started it (it stops with `close()`). */
  started?: LocalStack;
  /** Closes the clients, and stops the local stack if it was started here. */
  close(): Promise<void>;
}

/** Opens the connections of `config`'s target; see the module comment. */
export async function openTarget(config: PipelineConfig, options: OpenTargetOptions = {}): Promise<RunTarget> {
  if (config.target === 'aws' && !options.local) return openAwsTarget(config, options);
  const { stack, started } = await localStack(config, options);
  if (!started && stack.userId !== config.userId) {
    options.log?.warn(
      `the running local stack is for user ${stack.userId}, not ${config.userId}; using its topics and streams`,
    );
  }
  return localTarget(stack, {
    ...options,
    started,
    description: `local stack ${started ? 'started for this run from' : 'running from'} ${options.dataDir ?? DEFAULT_DATA_DIR}`,
  });
}

function httpOptionsOf(options: OpenTargetOptions): { timeoutMs: number; maxSockets: number } {
  return { timeoutMs: options.timeoutMs ?? 30_000, maxSockets: options.maxSockets ?? 32 };
}

function openAwsTarget(config: PipelineConfig, options: OpenTargetOptions): RunTarget {
  const invokeUrl = config.aws.invokeUrl as string;
  const gateway = createHttpClient({ baseUrl: invokeUrl, ...httpOptionsOf(options) });
  const restProxy = options.restProxyUrl
    ? {
        url: options.restProxyUrl,
        http: createHttpClient({ baseUrl: options.restProxyUrl, ...httpOptionsOf(options) }),
      }
    : undefined;
  const s3 = createS3Client({ region: config.aws.region });
  const kinesis =
    (options.streamVia ?? config.aws.kinesisVia) === 'sdk'
      ? createKinesisClient({ region: config.aws.region })
      : undefined;
  return {
    kind: 'aws',
    description: `AWS through ${invokeUrl}`,
    userId: config.userId,
    region: config.aws.region,
    names: config.names,
    bucket: config.names.bucket,
    invokeUrl,
    gateway,
    ...(restProxy ? { restProxy } : {}),
    s3,
    ...(kinesis ? { kinesis } : {}),
    close: async () => {
      gateway.close();
      restProxy?.http.close();
      s3.destroy();
      kinesis?.destroy();
    },
  };
}

/** The stack running from the data folder, or (with `startStack`) a new one started for this process. */
async function localStack(
  config: PipelineConfig,
  options: OpenTargetOptions,
): Promise<{ stack: RunningStack; started?: LocalStack }> {
  const dataDir = options.dataDir ?? DEFAULT_DATA_DIR;
  if (options.startStack !== true) return { stack: await connectLocalStack(dataDir) };
  const running = await readRunningStack(dataDir);
  if (running) return { stack: connectTo(running) };
  const started = await startLocalStack({
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
  return { stack: started, started };
}

/**
 * The target of a local stack (tests build theirs on a stack they started with this). A stack
 * started here lets its S3 sink copy what was acknowledged before it stops.
 */
export function localTarget(
  stack: RunningStack,
  options: Pick<OpenTargetOptions, 'timeoutMs' | 'maxSockets' | 'drainTimeoutMs' | 'log'> & {
    started?: LocalStack;
    description?: string;
  } = {},
): RunTarget {
  const gateway = createHttpClient({ baseUrl: stack.endpoints.invokeUrl, ...httpOptionsOf(options) });
  const restProxy = {
    url: stack.endpoints.restProxy,
    http: createHttpClient({ baseUrl: stack.endpoints.restProxy, ...httpOptionsOf(options) }),
  };
  const { started, log } = options;
  return {
    kind: 'local',
    description: options.description ?? `the local stack at ${stack.endpoints.invokeUrl}`,
    userId: stack.userId,
    region: stack.region,
    names: stack.names,
    bucket: stack.bucket,
    invokeUrl: stack.endpoints.invokeUrl,
    gateway,
    restProxy,
    s3: stack.s3,
    kinesis: stack.kinesis,
    stack,
    ...(started ? { started } : {}),
    close: async () => {
      gateway.close();
      restProxy.http.close();
      if (started && started.sink.stats().lag > 0) {
        // The stack stops with this process: let the sink copy what was acknowledged to S3 first.
        log?.info('waiting for the S3 sink to copy the acknowledged records ...');
        await started.sink.drain(options.drainTimeoutMs ?? 120_000).catch((error: unknown) => {
          log?.warn(`${describeError(error)}; the rest is copied the next time the stack runs`);
        });
      }
      await stack.close();
    },
  };
}

/** The target's REST proxy, or a one-line error saying how to give it (on AWS it is not behind every invoke URL). */
export function requireRestProxy(target: RunTarget): { url: string; http: HttpClient } {
  if (target.restProxy) return target.restProxy;
  throw new PipelineError(
    'USAGE',
    'sending to the REST Proxy directly on AWS needs its URL: pass --rest-proxy http://<ec2-host>:8082',
  );
}
