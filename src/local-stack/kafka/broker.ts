import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { closeSync, existsSync, openSync } from 'node:fs';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import net from 'node:net';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { PipelineError } from '../../errors';
import { createLogger, type Logger } from '../../log';
import { isProcessAlive } from '../running-stack';
import { writeFileAtomic } from '../topic-store';

/**
 * A single-node Apache Kafka (KRaft: `process.roles=broker,controller`) run from the jars that
 * `npm run setup:kafka` copies from Maven Central into `.kafka/libs`, listening on 127.0.0.1 only.
 *
 * Layout under `<stack data folder>/kafka/`: `server.properties` and `log4j2.properties` (written
 * at each start), `data/` (the log dirs, formatted once with `StorageTool format --standalone`),
 * `controller-port` (the controller's port, kept: the formatted quorum records it), `broker.log`
 * (the broker's log) and `broker.pid` (so a broker orphaned by a killed stack is stopped before
 * a new one starts on the same folder).
 */

/** The Kafka release `npm run setup:kafka` fetches (scripts/kafka/pom.xml). */
export const KAFKA_VERSION = '4.4.0';
/** Heap for the broker: enough for the course's three topics, small enough for a laptop. */
export const BROKER_HEAP = '-Xmx512m';

/** Folder of Kafka's jars, as `npm run setup:kafka` fills it. */
export function kafkaLibsDir(): string {
  return path.resolve(__dirname, '..', '..', '..', '.kafka', 'libs');
}

/** The classpath of Kafka's jars; throws `KAFKA_NOT_INSTALLED` (run setup:kafka) or `JAVA_MISSING`. */
export function kafkaClasspath(): string {
  const libs = kafkaLibsDir();
  const jar = `kafka_2.13-${KAFKA_VERSION}.jar`;
  if (!existsSync(path.join(libs, jar)) || !existsSync(path.join(libs, `kafka-tools-${KAFKA_VERSION}.jar`))) {
    throw new PipelineError(
      'KAFKA_NOT_INSTALLED',
      `Apache Kafka ${KAFKA_VERSION} is not in ${libs}; run npm run setup:kafka first (it needs Java 17+ and Maven)`,
    );
  }
  const java = spawnSync('java', ['-version'], { encoding: 'utf8' });
  if (java.error || java.status !== 0) {
    throw new PipelineError(
      'JAVA_MISSING',
      'Apache Kafka needs Java 17 or newer on PATH (java -version failed); install a JDK (apt-get install openjdk-17-jdk-headless), or run without --kafka apache',
    );
  }
  return `${libs}${path.sep}*`;
}

export interface KafkaBrokerOptions {
  /** The stack's data folder; the broker keeps everything under `<dataDir>/kafka`. */
  dataDir: string;
  /** Port of the PLAINTEXT listener; 0 (default) picks a free one. */
  port?: number;
  /** Topics created by a produce or a metadata request for a missing topic (default true). */
  autoCreateTopics?: boolean;
  /** How long to wait for the broker to start (default 120 s). */
  startTimeoutMs?: number;
  logger?: Logger;
}

export interface KafkaBroker {
  /** `127.0.0.1:<port>`, what `--bootstrap-server` takes. */
  readonly bootstrap: string;
  readonly port: number;
  readonly version: string;
  readonly pid: number;
  /** The broker's log file. */
  readonly logFile: string;
  /** Milliseconds from spawning the JVM to the broker answering. */
  readonly startMs: number;
  /** Stops the broker (SIGTERM, then SIGKILL after 30 s). */
  stop(): Promise<void>;
}

/** Starts the broker, formatting its storage on first use; fails with the broker log's last error. */
export async function startKafkaBroker(options: KafkaBrokerOptions): Promise<KafkaBroker> {
  const logger = options.logger ?? createLogger('kafka');
  const classpath = kafkaClasspath();
  const home = path.join(path.resolve(options.dataDir), 'kafka');
  const dataDir = path.join(home, 'data');
  await mkdir(dataDir, { recursive: true });
  await stopOrphan(path.join(home, 'broker.pid'), logger);
  const controllerPort = await keptControllerPort(path.join(home, 'controller-port'));
  const port = options.port ? options.port : await freePort();
  const properties = path.join(home, 'server.properties');
  await writeFile(
    properties,
    serverProperties({ port, controllerPort, dataDir, autoCreateTopics: options.autoCreateTopics ?? true }),
  );
  const log4j = path.join(home, 'log4j2.properties');
  await writeFile(log4j, LOG4J_PROPERTIES);
  const logFile = path.join(home, 'broker.log');
  const jvm = [
    '-cp',
    classpath,
    BROKER_HEAP,
    '-Xms128m',
    '-XX:+UseG1GC',
    '-XX:MaxGCPauseMillis=20',
    '-Djava.awt.headless=true',
    `-Dlog4j2.configurationFile=${log4j}`,
  ];
  if (!existsSync(path.join(dataDir, 'meta.properties'))) await formatStorage(jvm, properties, logFile);

  const started = Date.now();
  const out = openSync(logFile, 'a');
  let child: ChildProcess;
  try {
    child = spawn('java', [...jvm, 'kafka.Kafka', properties], { stdio: ['ignore', out, out], detached: false });
  } finally {
    closeSync(out);
  }
  const pid = child.pid ?? 0;
  await writeFileAtomic(path.join(home, 'broker.pid'), `${pid}\n`, { fsync: false });
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  try {
    await waitUntilStarted({ logFile, port, exited, timeoutMs: options.startTimeoutMs ?? 120_000, logger });
  } catch (error) {
    child.kill('SIGKILL');
    throw error;
  }
  const startMs = Date.now() - started;
  let stopping: Promise<void> | undefined;
  return {
    bootstrap: `127.0.0.1:${port}`,
    port,
    version: KAFKA_VERSION,
    pid,
    logFile,
    startMs,
    stop: () => (stopping ??= stopProcess(child, exited)),
  };
}

function serverProperties(o: {
  port: number;
  controllerPort: number;
  dataDir: string;
  autoCreateTopics: boolean;
}): string {
  return [
    '# Written by the local stack at each start (src/local-stack/kafka/broker.ts): a one-node KRaft cluster on 127.0.0.1.',
    'process.roles=broker,controller',
    'node.id=1',
    `listeners=PLAINTEXT://127.0.0.1:${o.port},CONTROLLER://127.0.0.1:${o.controllerPort}`,
    `advertised.listeners=PLAINTEXT://127.0.0.1:${o.port}`,
    'controller.listener.names=CONTROLLER',
    'inter.broker.listener.name=PLAINTEXT',
    'listener.security.protocol.map=PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT',
    `controller.quorum.bootstrap.servers=127.0.0.1:${o.controllerPort}`,
    `log.dirs=${o.dataDir}`,
    'num.partitions=1',
    `auto.create.topics.enable=${o.autoCreateTopics}`,
    // One node: every internal topic has one replica; few partitions start faster.
    'offsets.topic.replication.factor=1',
    'offsets.topic.num.partitions=1',
    'transaction.state.log.replication.factor=1',
    'transaction.state.log.min.isr=1',
    'transaction.state.log.num.partitions=1',
    'share.coordinator.state.topic.replication.factor=1',
    'share.coordinator.state.topic.min.isr=1',
    'group.initial.rebalance.delay.ms=0',
    '',
  ].join('\n');
}

const LOG4J_PROPERTIES = [
  'status = error',
  'appender.out.type = Console',
  'appender.out.name = OUT',
  'appender.out.layout.type = PatternLayout',
  'appender.out.layout.pattern = [%d] %p %m (%c)%n',
  'rootLogger.level = INFO',
  'rootLogger.appenderRef.out.ref = OUT',
  'logger.kafka.name = org.apache.kafka',
  'logger.kafka.level = WARN',
  '',
].join('\n');

async function formatStorage(jvm: string[], properties: string, logFile: string): Promise<void> {
  const format = spawnSync(
    'java',
    [
      ...jvm,
      'kafka.tools.StorageTool',
      'format',
      '--standalone',
      '-t',
      randomUUID().replace(/-/g, '').slice(0, 22),
      '-c',
      properties,
    ],
    { encoding: 'utf8' },
  );
  await writeFile(logFile, `${format.stdout}${format.stderr}`, { flag: 'a' });
  if (format.status !== 0) {
    const last = lastError(`${format.stdout}\n${format.stderr}`);
    throw new PipelineError('KAFKA_BROKER_FAILED', `formatting Kafka's storage failed: ${last}; see ${logFile}`);
  }
}

/** Resolves once the log says the server started and the port accepts connections. */
async function waitUntilStarted(o: {
  logFile: string;
  port: number;
  exited: Promise<number | null>;
  timeoutMs: number;
  logger: Logger;
}): Promise<void> {
  const deadline = Date.now() + o.timeoutMs;
  let exitCode: number | null | undefined;
  void o.exited.then((code) => (exitCode = code ?? -1));
  let told = false;
  const since = Date.now();
  for (;;) {
    if (exitCode !== undefined) {
      const log = await readFile(o.logFile, 'utf8').catch(() => '');
      throw new PipelineError(
        'KAFKA_BROKER_FAILED',
        `the Kafka broker exited with code ${exitCode} while starting: ${lastError(log)} (log: ${o.logFile})`,
      );
    }
    const log = await readFile(o.logFile, 'utf8').catch(() => '');
    if (/Kafka Server started/.test(log.slice(-200_000)) && (await accepts(o.port))) return;
    if (Date.now() > deadline) {
      throw new PipelineError(
        'KAFKA_BROKER_FAILED',
        `the Kafka broker did not start within ${o.timeoutMs / 1000} s: ${lastError(log)} (log: ${o.logFile})`,
      );
    }
    if (!told && Date.now() - since > 3_000) {
      o.logger.info(`waiting for Apache Kafka ${KAFKA_VERSION} to start (log: ${o.logFile})...`);
      told = true;
    }
    await sleep(200);
  }
}

/** The log's last ERROR (or FATAL, or exception) line, shortened; "no error logged" when none. */
export function lastError(log: string): string {
  const lines = log.split('\n').filter((line) => /\b(ERROR|FATAL)\b|Exception:/.test(line));
  const last = lines[lines.length - 1]?.trim();
  return last ? last.slice(0, 400) : 'no error logged';
}

function accepts(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect(port, '127.0.0.1');
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}

async function stopProcess(child: ChildProcess, exited: Promise<number | null>): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), 30_000);
  await exited;
  clearTimeout(timer);
}

/** Kills a broker that a killed stack left running on `dataDir` (before its data is removed or reused). */
export function stopOrphanBroker(dataDir: string, logger: Logger = createLogger('kafka')): Promise<void> {
  return stopOrphan(path.join(path.resolve(dataDir), 'kafka', 'broker.pid'), logger);
}

/** Kills the broker a killed stack left running on this folder (its pid is in broker.pid). */
async function stopOrphan(pidFile: string, logger: Logger): Promise<void> {
  const pid = Number((await readFile(pidFile, 'utf8').catch(() => '')).trim());
  if (!Number.isSafeInteger(pid) || pid <= 0 || !isProcessAlive(pid)) return;
  const cmdline = await readFile(`/proc/${pid}/cmdline`, 'utf8').catch(() => '');
  if (!cmdline.includes('kafka.Kafka') || !cmdline.includes(path.dirname(pidFile))) return;
  // A broker of a stack that is still running (another process, recorded in stack.json) is no orphan.
  const stack = await readFile(path.join(path.dirname(path.dirname(pidFile)), 'stack.json'), 'utf8').catch(() => '');
  const owner = Number((/"pid":\s*(\d+)/.exec(stack) ?? [])[1]);
  if (Number.isSafeInteger(owner) && owner !== process.pid && isProcessAlive(owner)) return;
  logger.warn(`stopping the Kafka broker (pid ${pid}) that a stopped stack left running on ${path.dirname(pidFile)}`);
  process.kill(pid, 'SIGKILL');
  for (let i = 0; i < 100 && isProcessAlive(pid); i++) await sleep(50);
}

/** The controller port chosen at the first start, kept in `file` (the formatted quorum names it). */
async function keptControllerPort(file: string): Promise<number> {
  const kept = Number((await readFile(file, 'utf8').catch(() => '')).trim());
  if (
    Number.isInteger(kept) &&
    kept > 0 &&
    kept < 65536 &&
    existsSync(path.join(path.dirname(file), 'data', 'meta.properties'))
  )
    return kept;
  const port = await freePort();
  await writeFile(file, `${port}\n`);
  return port;
}

/** A port free on 127.0.0.1 right now. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() =>
        typeof address === 'object' && address ? resolve(address.port) : reject(new Error('no port')),
      );
    });
  });
}

/** Resident memory of `pid` in MiB (Linux), for the stack's figures. */
export async function residentMiB(pid: number): Promise<number | undefined> {
  const status = await readFile(`/proc/${pid}/status`, 'utf8').catch(() => '');
  const match = /VmRSS:\s+(\d+) kB/.exec(status);
  return match ? Math.round(Number(match[1]) / 1024) : undefined;
}
