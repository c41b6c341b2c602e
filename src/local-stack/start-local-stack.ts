import { mkdir, mkdtemp, rm, unlink } from 'node:fs/promises';
import net from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import lockfile from 'proper-lockfile';
import type { KinesisClient } from '@aws-sdk/client-kinesis';
import { createStream, listStreamNames, waitUntilActive } from '../kinesis-streams';
import type { S3Client } from '@aws-sdk/client-s3';
import { createKinesisClient, createS3Client } from '../clients';
import { DEFAULT_USER_ID, namesFor, type Names } from '../config';
import { describeError, PipelineError } from '../errors';
import { createLogger, type Logger } from '../log';
import { TABLES } from '../contract/tables';
import { DEFAULT_STAGE, startGateway, type Gateway } from './gateway';
import { startKinesisServer, type KinesisServer } from './kinesis-server';
import { startRestProxy, type FaultInjector, type RestProxy } from './rest-proxy';
import { startS3Server, type S3Server } from './s3-server';
import { compileTopicsRegex, startS3Sink, type S3Sink } from './s3-sink';
import { TopicStore, writeFileAtomic } from './topic-store';
import { embeddedTopics, type KafkaKind, type TopicBackend } from './topic-backend';
import { startKafkaBroker, stopOrphanBroker, type KafkaBroker } from './kafka/broker';
import { kafkaTopics } from './kafka/kafka-topics';
import { startKafkaS3Sink } from './kafka/kafka-s3-sink';

import {
  DEFAULT_DATA_DIR,
  DEFAULT_FLUSH_SIZE,
  DEFAULT_PORTS,
  DEFAULT_REGION,
  EPHEMERAL_PORTS,
  PORT_FLAGS,
  STACK_FILE,
  STACK_LOCK,
  START_STACK_COMMAND,
  STREAM_DATABASE,
  type PortName,
} from './defaults';

import {
  findRunningStack,
  isProcessAlive,
  readRunningStack,
  readStackFile,
  type LocalStackEndpoints,
  type RunningStack,
  type StackKafka,
  type StackRecord,
} from './running-stack';

export {
  DEFAULT_DATA_DIR,
  DEFAULT_FLUSH_SIZE,
  DEFAULT_PORTS,
  DEFAULT_REGION,
  EPHEMERAL_PORTS,
  PORT_FLAGS,
  STACK_FILE,
  STACK_LOCK,
  START_STACK_COMMAND,
  type PortName,
};
export {
  findRunningStack,
  readRunningStack,
  type LocalStackEndpoints,
  type RunningStack,
  type StackKafka,
  type StackRecord,
};

export interface LocalStackOptions {
  /** Folder for all the stack's data (default `.local-stack`). */
  dataDir?: string;
  /** Keep the data in a new folder under the system's temp folder instead, removed by `stop()`. */
  temporary?: boolean;
  /** Discard the data of earlier runs first (only the stack's own sub-folders are removed). */
  fresh?: boolean;
  /** Ports on 127.0.0.1; 0 = any free port. Defaults in `DEFAULT_PORTS`. */
  ports?: Partial<Record<PortName, number>>;
  /** API Gateway stage, the first segment of the invoke URL's path (default `prod`). */
  stage?: string;
  /** Names topics, streams and bucket (default `localuser`). */
  userId?: string;
  /** Bucket of the S3 sink (default `user-<userId>-bucket`). */
  bucket?: string;
  sink?: {
    /** Records per S3 object (the course's `flush.size=1` unless given; `npm run stack` and `npm start` give `DEFAULT_FLUSH_SIZE`). */
    flushSize?: number;
    /** Also write an object after this long, even when it holds fewer records. */
    rotateIntervalMs?: number;
    /** Topics the sink copies (default `<userId>.*`, the course's `topics.regex`, so a mistyped `<userId>_pin` is copied too). */
    topicsRegex?: string;
  };
  /** Failures the REST proxy should inject (tests of retry logic). */
  faults?: FaultInjector;
  region?: string;
  /**
   * Create the user's three topics and three streams when missing (default false: as in the course,
   * creating them is the learner's step, `npm run create-topics`; `npm start` creates them as a step of its run).
   */
  provision?: boolean;
  /**
   * Let a produce to a missing topic create it, as MSK's `auto.create.topics.enable` (default true,
   * as on the course's cluster). Either way the stack's log says when a produce created a topic.
   */
  autoCreateTopics?: boolean;
  /** Where the stack says what it does (auto-created topics); stderr by default. */
  logger?: Logger;
  /**
   * Which Kafka runs under the REST proxy and the S3 sink: `embedded` (default: the TypeScript
   * log, no Java needed) or `apache` (a KRaft broker from `npm run setup:kafka`'s jars, its data in
   * `<dataDir>/kafka`, the sink a consumer group `connect-<userId>-s3-sink`).
   */
  kafka?: KafkaKind;
}

/**
 * A stack this process started: a `RunningStack` (its `close()` stops it) with the parts only its
 * owner has: the topics, the S3 sink and the reads its S3 answered.
 */
export interface LocalStack extends RunningStack {
  readonly names: Names;
  /** Absolute data folder. */
  readonly dataDir: string;
  /** The topics under the REST proxy: the embedded log or Apache Kafka. */
  readonly store: TopicBackend;
  readonly kafka: StackKafka;
  readonly sink: S3Sink;
  /** GetObject calls the stack's S3 answered, per `<bucket>/<key>`. */
  objectReads(): ReadonlyMap<string, number>;
  /** The sink's settings, as a connector configuration shows them. */
  readonly sinkConfig: { flushSize: number; topicsRegex: string };
  /** Stops everything, in reverse order of start, and removes `stack.json`; safe to call twice. */
  stop(): Promise<void>;
}

/** Data folders with a stack running in this process. */
const activeDataDirs = new Set<string>();

/** What a start has started so far, each with what stops it; `stopAll` stops them in reverse. */
class StartedParts {
  private readonly parts: { what: string; stop: () => Promise<void> | void }[] = [];

  add<T>(what: string, part: T, stop: (part: T) => Promise<void> | void): T {
    this.parts.push({ what, stop: () => stop(part) });
    return part;
  }

  /** Stops every part, in reverse order of start; what failed to stop, as "what: why". */
  async stopAll(): Promise<string[]> {
    const failures: string[] = [];
    for (const { what, stop } of this.parts.reverse()) {
      try {
        await stop();
      } catch (error) {
        failures.push(`${what}: ${describeError(error)}`);
      }
    }
    return failures;
  }
}

/** The settings of a start, with the defaults filled in. */
interface StackSettings {
  userId: string;
  names: Names;
  bucket: string;
  region: string;
  stage: string;
  ports: Record<PortName, number>;
  kafkaKind: KafkaKind;
  topicsRegex: string;
  logger: Logger;
  /** `autoCreateTopics`, when given, as the topic stores take it. */
  autoCreate: { autoCreateTopics?: boolean };
  /** The logger given, for the broker (which has its own default). */
  given: { logger?: Logger };
}

/**
 * Starts the local stand-ins for the course's AWS services, all on 127.0.0.1, in this order: the
 * topic store, the Kafka REST proxy, s3rver (with the bucket), the S3 sink, kinesalite, and the
 * API Gateway stand-in in front of the REST proxy and Kinesis. With `provision: true` it then creates
 * the user's topics and streams; it writes `stack.json` to the data folder.
 *
 * Layout of the data folder: `topics/` (topic logs), `s3/` (buckets), `sink/` (committed offsets),
 * `kinesis/` (LevelDB), `stack.json`, and `stack.lock`, held from the start to the stop so that two
 * stacks can never use one folder (the second fails at once with one line).
 */
export async function startLocalStack(options: LocalStackOptions = {}): Promise<LocalStack> {
  const settings = stackSettings(options);
  for (const name of Object.keys(settings.ports) as PortName[])
    if (name !== 'kafka' || settings.kafkaKind === 'apache') await checkPortFree(settings.ports[name], name);
  const parts = new StartedParts();
  const dataDir = await claimDataDir(options, parts);
  const teardown = async () => {
    const failures = await parts.stopAll();
    activeDataDirs.delete(dataDir);
    if (failures.length)
      throw new PipelineError('STACK_STOP_FAILED', `the local stack did not stop cleanly (${failures.join('; ')})`);
  };
  try {
    if (options.fresh) await removeStackData(dataDir, options.logger);
    const stack = await startServices(settings, dataDir, options, parts);
    if (options.provision ?? false) {
      for (const table of TABLES) await stack.store.ensureTopic(settings.names.topics[table]);
      await ensureStreams(
        stack.kinesis,
        TABLES.map((table) => settings.names.streams[table]),
      );
    }
    const record = await writeStackRecord(settings, dataDir, stack, parts);
    let stopped: Promise<void> | undefined;
    const stop = () => (stopped ??= teardown());
    const sinkConfig = { flushSize: options.sink?.flushSize ?? 1, topicsRegex: settings.topicsRegex };
    const { store, sink, s3, kinesis, objectReads } = stack;
    return {
      ...record,
      names: settings.names,
      store,
      sink,
      sinkConfig,
      s3,
      kinesis,
      kafka: stack.kafka,
      objectReads,
      stop,
      close: stop,
    };
  } catch (error) {
    await teardown().catch((stopError: unknown) => {
      throw new PipelineError(
        'STACK_START_FAILED',
        `${describeError(error)} (and cleaning up failed: ${describeError(stopError)})`,
        { cause: error },
      );
    });
    throw error;
  }
}

/** The options of a start with the defaults filled in. */
function stackSettings(options: LocalStackOptions): StackSettings {
  const userId = options.userId ?? DEFAULT_USER_ID;
  const names = namesFor(userId);
  const bucket = options.bucket ?? names.bucket;
  names.bucket = bucket;
  const ports: Record<PortName, number> = { ...DEFAULT_PORTS };
  for (const name of Object.keys(ports) as PortName[]) ports[name] = options.ports?.[name] ?? DEFAULT_PORTS[name];
  return {
    userId,
    names,
    bucket,
    region: options.region ?? DEFAULT_REGION,
    stage: options.stage ?? DEFAULT_STAGE,
    ports,
    kafkaKind: options.kafka ?? 'embedded',
    topicsRegex: options.sink?.topicsRegex ?? `${escapeRegExp(userId)}.*`,
    logger: options.logger ?? createLogger('local-stack'),
    autoCreate: options.autoCreateTopics === undefined ? {} : { autoCreateTopics: options.autoCreateTopics },
    given: options.logger ? { logger: options.logger } : {},
  };
}

/** The data folder of a start (a new temporary one, or the one asked for), locked for this stack. */
async function claimDataDir(options: LocalStackOptions, parts: StartedParts): Promise<string> {
  const dataDir = options.temporary
    ? await mkdtemp(path.join(tmpdir(), 'pp-local-stack-'))
    : path.resolve(options.dataDir ?? DEFAULT_DATA_DIR);
  if (activeDataDirs.has(dataDir)) {
    throw new PipelineError(
      'STACK_RUNNING',
      `a local stack is already running from ${dataDir} in this process; stop it first or use another data folder`,
    );
  }
  const releaseLock = await lockDataDir(dataDir);
  activeDataDirs.add(dataDir);
  if (options.temporary) parts.add('temporary folder', dataDir, (dir) => rm(dir, { recursive: true, force: true }));
  parts.add(STACK_LOCK, releaseLock, (release) => release());
  return dataDir;
}

/** The services of a started stack, and the clients it made for its S3 and Kinesis. */
interface StackServices {
  store: TopicBackend;
  kafka: StackKafka;
  sink: S3Sink;
  s3: S3Client;
  kinesis: KinesisClient;
  objectReads(): ReadonlyMap<string, number>;
  endpoints: LocalStackEndpoints;
}

/** Starts the services in order (see `startLocalStack`); each is added to `parts` as soon as it runs. */
async function startServices(
  settings: StackSettings,
  dataDir: string,
  options: LocalStackOptions,
  parts: StartedParts,
): Promise<StackServices> {
  const { ports, region } = settings;
  const { store, embedded, kafka } = await startTopics(settings, dataDir, parts);
  const restProxy: RestProxy = parts.add(
    'REST proxy',
    await onPort('restProxy', ports.restProxy, () =>
      startRestProxy(store, {
        port: ports.restProxy,
        host: '127.0.0.1',
        onTopicAutoCreated: autoCreatedWarning(settings),
        ...(options.faults ? { faults: options.faults } : {}),
      }),
    ),
    (proxy) => proxy.close(),
  );
  const s3Server: S3Server = parts.add(
    's3rver',
    await onPort('s3', ports.s3, () =>
      startS3Server({ dir: path.join(dataDir, 's3'), bucket: settings.bucket, port: ports.s3 }),
    ),
    (server) => server.close(),
  );
  const s3 = parts.add('S3 client', createS3Client({ region, endpoint: s3Server.endpoint }), (client) =>
    client.destroy(),
  );
  const sink = parts.add('S3 sink', await startSink(settings, dataDir, options, { s3, embedded, kafka }), (started) =>
    started.stop(),
  );
  const kinesisServer: KinesisServer = parts.add(
    'kinesalite',
    await onPort('kinesis', ports.kinesis, () =>
      startKinesisServer({ dir: path.join(dataDir, 'kinesis'), port: ports.kinesis }),
    ),
    (server) => server.close(),
  );
  const kinesis = parts.add(
    'Kinesis client',
    createKinesisClient({ region, endpoint: kinesisServer.endpoint }),
    (client) => client.destroy(),
  );
  const gateway: Gateway = parts.add(
    'gateway',
    await onPort('gateway', ports.gateway, () =>
      startGateway({ restProxyUrl: restProxy.url, kinesis, stage: settings.stage, port: ports.gateway }),
    ),
    (started) => started.close(),
  );
  const endpoints: LocalStackEndpoints = {
    invokeUrl: gateway.invokeUrl,
    restProxy: restProxy.url,
    s3: s3Server.endpoint,
    kinesis: kinesisServer.endpoint,
  };
  return { store, kafka, sink, s3, kinesis, objectReads: () => s3Server.objectReads(), endpoints };
}

/** The topics under the REST proxy: an Apache Kafka broker and its clients, or the embedded log. */
async function startTopics(
  settings: StackSettings,
  dataDir: string,
  parts: StartedParts,
): Promise<{ store: TopicBackend; embedded?: TopicStore; kafka: StackKafka }> {
  const { ports, autoCreate } = settings;
  if (settings.kafkaKind === 'apache') {
    const broker: KafkaBroker = parts.add(
      'Kafka broker',
      await onPort('kafka', ports.kafka, () =>
        startKafkaBroker({ dataDir, port: ports.kafka, ...settings.given, ...autoCreate }),
      ),
      (started) => started.stop(),
    );
    const store = parts.add(
      'Kafka clients',
      await kafkaTopics({ bootstrap: broker.bootstrap, ...autoCreate }),
      (topics) => topics.close(),
    );
    const sinkGroup = `connect-${settings.userId}-s3-sink`;
    return {
      store,
      kafka: {
        kind: 'apache',
        bootstrap: broker.bootstrap,
        version: broker.version,
        sinkGroup,
        startMs: broker.startMs,
        pid: broker.pid,
      },
    };
  }
  const embedded = parts.add(
    'topic store',
    await TopicStore.open({ dir: path.join(dataDir, 'topics'), ...autoCreate }),
    (opened) => opened.close(),
  );
  const store = parts.add('Kafka clients', embeddedTopics(embedded), (topics) => topics.close());
  return { store, embedded, kafka: { kind: 'embedded' } };
}

/** What the REST proxy says when a produce created a topic: whether the S3 sink copies it. */
function autoCreatedWarning(settings: StackSettings): (topic: string) => void {
  const { topicsRegex, logger } = settings;
  const copied = compileTopicsRegex(topicsRegex);
  return (topic: string) =>
    logger.warn(
      `produce to missing topic '${topic}' created it (auto.create.topics.enable=true, as on MSK); ` +
        (copied.test(topic)
          ? 'the S3 sink copies it'
          : `the S3 sink copies only topics matching topics.regex=${topicsRegex}, so its records will not reach S3`) +
        '. Start the stack with --no-auto-create-topics to refuse produces to missing topics',
    );
}

/** The S3 sink: over the embedded log, or a consumer group of the Apache Kafka broker. */
async function startSink(
  settings: StackSettings,
  dataDir: string,
  options: LocalStackOptions,
  under: { s3: S3Client; embedded?: TopicStore; kafka: StackKafka },
): Promise<S3Sink> {
  const sinkSettings = {
    s3: under.s3,
    bucket: settings.bucket,
    topicsRegex: settings.topicsRegex,
    stateDir: path.join(dataDir, 'sink'),
    ...(options.sink?.flushSize === undefined ? {} : { flushSize: options.sink.flushSize }),
    ...(options.sink?.rotateIntervalMs === undefined ? {} : { rotateIntervalMs: options.sink.rotateIntervalMs }),
  };
  return under.embedded
    ? startS3Sink({ store: under.embedded, ...sinkSettings })
    : startKafkaS3Sink({
        bootstrap: under.kafka.bootstrap ?? '',
        connectorName: (under.kafka.sinkGroup ?? '').slice('connect-'.length),
        ...sinkSettings,
      });
}

/** Writes `stack.json` (removed again when the stack stops) and returns what it says. */
async function writeStackRecord(
  settings: StackSettings,
  dataDir: string,
  services: StackServices,
  parts: StartedParts,
): Promise<StackRecord> {
  const { userId, stage, region, bucket, names } = settings;
  const record: StackRecord = {
    pid: process.pid,
    startedAt: new Date().toISOString(),
    dataDir,
    userId,
    stage,
    region,
    bucket,
    names: { topics: names.topics, streams: names.streams },
    endpoints: services.endpoints,
    kafka: services.kafka,
  };
  const stackFile = path.join(dataDir, STACK_FILE);
  await writeFileAtomic(stackFile, `${JSON.stringify(record, null, 2)}\n`, { fsync: false });
  parts.add(STACK_FILE, stackFile, (file) => removeStackFile(file, record));
  return record;
}

/**
 * Connects to the stack running from `dataDir` (found through its `stack.json`), or fails at once
 * with one line saying to start it: STACK_NOT_RUNNING when none runs there, STACK_NOT_ANSWERING when
 * its process is alive but its gateway does not answer (still starting, or hung). Step scripts use
 * this: none of them starts a stack of its own.
 */
export async function connectLocalStack(dataDir: string = DEFAULT_DATA_DIR): Promise<RunningStack> {
  return connectTo(await findRunningStack(dataDir));
}

/** Clients for the stack that `record` describes (run by another process). */
export function connectTo(record: StackRecord): RunningStack {
  const s3 = createS3Client({ region: record.region, endpoint: record.endpoints.s3 });
  const kinesis = createKinesisClient({ region: record.region, endpoint: record.endpoints.kinesis });
  return {
    ...record,
    s3,
    kinesis,
    close: async () => {
      s3.destroy();
      kinesis.destroy();
    },
  };
}

/**
 * Removes the stack's own sub-folders, `stack.json` and the streaming database (whose checkpoints
 * belong to the streams removed) from `dataDir`, nothing else; says so first when `log` is given (it
 * can take seconds).
 */
export async function removeStackData(dataDir: string, log?: Logger): Promise<void> {
  await stopOrphanBroker(dataDir);
  const entries = ['topics', 's3', 'sink', 'kinesis', 'kafka', STACK_FILE, STREAM_DATABASE, `${STREAM_DATABASE}.wal`];
  log?.info(`--fresh: removing the data of earlier runs from ${dataDir} (${entries.slice(0, 5).join('/, ')}/) ...`);
  const started = Date.now();
  for (const entry of entries) {
    await rm(path.join(dataDir, entry), { recursive: true, force: true, maxRetries: 3 });
  }
  log?.info(`--fresh: removed in ${((Date.now() - started) / 1000).toFixed(1)} s`);
}

/**
 * Takes the data folder's stack lock, or fails at once with one line when another process holds it
 * (a stack starting or running there). Returns what releases it.
 */
async function lockDataDir(dataDir: string): Promise<() => Promise<void>> {
  await mkdir(dataDir, { recursive: true });
  try {
    const release = await lockfile.lock(dataDir, {
      lockfilePath: path.join(dataDir, STACK_LOCK),
      stale: 10_000,
      update: 2_000,
      realpath: false,
      // A refresh that failed (the folder was removed under a running stack) is said, not thrown from a timer.
      onCompromised: (error) =>
        createLogger('local-stack').warn(`the lock on ${dataDir} was lost: ${describeError(error)}`),
    });
    return async () => {
      await release().catch((error: unknown) => {
        if ((error as NodeJS.ErrnoException).code !== 'ERELEASED') throw error;
      });
    };
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ELOCKED') throw error;
    const recorded = await readStackFile(path.join(dataDir, STACK_FILE));
    const who =
      recorded && isProcessAlive(recorded.pid)
        ? ` (pid ${recorded.pid}, ${recorded.endpoints.invokeUrl})`
        : ' (it is still starting)';
    throw new PipelineError(
      'STACK_RUNNING',
      `a local stack is already running from ${dataDir}${who}; use it, stop it (npm run stack -- --stop), or pass --data-dir`,
      { cause: error },
    );
  }
}

/** Creates the streams that do not exist (one shard each, listed with the SDK's paginator) and waits until all are ACTIVE (the SDK's waiter). */
export async function ensureStreams(kinesis: KinesisClient, streams: string[], timeoutMs = 10_000): Promise<void> {
  const existing = await listStreamNames(kinesis);
  for (const stream of streams) if (!existing.has(stream)) await createStream(kinesis, stream, 1);
  for (const stream of streams) await waitUntilActive(kinesis, stream, { timeoutMs, pollMs: 20 });
}

function portInUse(name: PortName, port: number, cause?: unknown): PipelineError {
  return new PipelineError(
    'PORT_IN_USE',
    `port ${port} is in use; stop the other process or pass ${PORT_FLAGS[name]}`,
    { cause },
  );
}

/** Fails early, before anything starts, when a fixed port is taken. */
async function checkPortFree(port: number, name: PortName): Promise<void> {
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    throw new PipelineError(
      'PORT_INVALID',
      `${PORT_FLAGS[name]} must be a port from 0 to 65535 (0 = any free port), got ${port}`,
    );
  }
  if (port === 0) return;
  const probe = net.createServer();
  try {
    await new Promise<void>((resolve, reject) => {
      probe.once('error', reject);
      probe.listen(port, '127.0.0.1', resolve);
    });
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'EADDRINUSE') throw portInUse(name, port, error);
    if (code === 'EACCES')
      throw new PipelineError(
        'PORT_DENIED',
        `port ${port} needs privileges; pass ${PORT_FLAGS[name]} with a port above 1023`,
        { cause: error },
      );
    throw error;
  }
  await new Promise<void>((resolve) => probe.close(() => resolve()));
}

/** Runs a start step, turning a taken port (taken after the early check) into the same one-line error. */
async function onPort<T>(name: PortName, port: number, start: () => Promise<T>): Promise<T> {
  try {
    return await start();
  } catch (error) {
    for (let e: unknown = error; e; e = (e as { cause?: unknown }).cause) {
      if ((e as NodeJS.ErrnoException).code === 'EADDRINUSE') throw portInUse(name, port, error);
    }
    throw error;
  }
}

/** Removes `file` if it still describes this stack (another stack may have replaced it). */
async function removeStackFile(file: string, ours: StackRecord): Promise<void> {
  const current = await readStackFile(file);
  if (current?.pid !== ours.pid || current.startedAt !== ours.startedAt) return;
  try {
    await unlink(file);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
  }
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
