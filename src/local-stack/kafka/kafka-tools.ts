import { spawn } from 'node:child_process';
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { PipelineError } from '../../errors';
import { kafkaClasspath } from './broker';

/**
 * Kafka's own command-line tools (the `bin/*.sh` scripts of the course's EC2 client) run from the
 * jars of `npm run setup:kafka` against the local broker, with a `client.properties` shaped like
 * the course's.
 */

/** The tool classes behind the course's scripts (Kafka 4.x keeps them in kafka-tools). */
export const KAFKA_TOOLS = {
  'kafka-topics': { main: 'org.apache.kafka.tools.TopicCommand', config: '--command-config' },
  'kafka-console-consumer': { main: 'org.apache.kafka.tools.consumer.ConsoleConsumer', config: '--command-config' },
  'kafka-console-producer': { main: 'org.apache.kafka.tools.ConsoleProducer', config: '--producer.config' },
  'kafka-consumer-groups': {
    main: 'org.apache.kafka.tools.consumer.group.ConsumerGroupCommand',
    config: '--command-config',
  },
  'kafka-get-offsets': { main: 'org.apache.kafka.tools.GetOffsetShell', config: '--command-config' },
} as const;

export type KafkaTool = keyof typeof KAFKA_TOOLS;

export function isKafkaTool(name: string): name is KafkaTool {
  return Object.hasOwn(KAFKA_TOOLS, name);
}

/** The course's client.properties, plaintext for the local broker, the MSK IAM settings commented. */
export const CLIENT_PROPERTIES = [
  "# client.properties, as on the course's EC2 client (kafka_2.12-2.8.1/bin/client.properties).",
  '# The local broker listens on 127.0.0.1 without authentication:',
  'security.protocol=PLAINTEXT',
  '',
  "# On the course's MSK cluster with IAM authentication, use these instead (and the aws-msk-iam-auth jar in libs/):",
  '# security.protocol = SASL_SSL',
  '# sasl.mechanism = AWS_MSK_IAM',
  '# sasl.jaas.config = software.amazon.msk.auth.iam.IAMLoginModule required awsRoleArn="<your access role ARN>";',
  '# sasl.client.callback.handler.class = software.amazon.msk.auth.iam.IAMClientCallbackHandler',
  '',
].join('\n');

const TOOLS_LOG4J = [
  'status = error',
  'appender.err.type = Console',
  'appender.err.name = ERR',
  'appender.err.target = SYSTEM_ERR',
  'appender.err.layout.type = PatternLayout',
  'appender.err.layout.pattern = %p %m%n',
  'rootLogger.level = WARN',
  'rootLogger.appenderRef.err.ref = ERR',
  '',
].join('\n');

/** Writes `<dataDir>/kafka/client.properties` (and the tools' logging setup); returns its path. */
export async function writeClientProperties(dataDir: string): Promise<string> {
  const folder = path.join(path.resolve(dataDir), 'kafka');
  await mkdir(folder, { recursive: true });
  await writeFile(path.join(folder, 'tools-log4j2.properties'), TOOLS_LOG4J);
  const file = path.join(folder, 'client.properties');
  await writeFile(file, CLIENT_PROPERTIES);
  return file;
}

/** The tool's arguments with `--bootstrap-server` and the client config added unless given. */
export function kafkaToolArgs(tool: KafkaTool, args: string[], bootstrap: string, clientProperties: string): string[] {
  const full = [...args];
  if (!args.includes('--bootstrap-server')) full.unshift('--bootstrap-server', bootstrap);
  const { config } = KAFKA_TOOLS[tool];
  if (!args.includes(config)) full.push(config, clientProperties);
  return full;
}

/** The course's spelling of the same command, for the learner to compare (`kafka-topics.sh ...`). */
export function courseCommand(tool: KafkaTool, args: string[]): string {
  return [`${tool}.sh`, ...args.map((a) => (/^[\w@%+=:,./-]+$/.test(a) ? a : `'${a.replace(/'/g, "'\\''")}'`))].join(
    ' ',
  );
}

export interface KafkaToolRun {
  code: number;
  stdout: string;
  stderr: string;
}

/**
 * Runs a tool with `args` as given (see `kafkaToolArgs`). With `capture`, its output is returned;
 * otherwise it goes to this process's stdout and stderr.
 */
export async function runKafkaTool(
  tool: KafkaTool,
  args: string[],
  options: { dataDir: string; capture?: boolean; timeoutMs?: number },
): Promise<KafkaToolRun> {
  const classpath = kafkaClasspath();
  const log4j = path.join(path.resolve(options.dataDir), 'kafka', 'tools-log4j2.properties');
  const child = spawn(
    'java',
    [
      '-cp',
      classpath,
      '-Xmx256m',
      '-XX:+UseSerialGC',
      '-XX:TieredStopAtLevel=1',
      `-Dlog4j2.configurationFile=${log4j}`,
      KAFKA_TOOLS[tool].main,
      ...args,
    ],
    {
      stdio: options.capture ? ['ignore', 'pipe', 'pipe'] : ['inherit', 'inherit', 'inherit'],
    },
  );
  let stdout = '';
  let stderr = '';
  child.stdout?.on('data', (chunk: Buffer) => (stdout += chunk.toString('utf8')));
  child.stderr?.on('data', (chunk: Buffer) => (stderr += chunk.toString('utf8')));
  const timer = options.timeoutMs ? setTimeout(() => child.kill('SIGKILL'), options.timeoutMs) : undefined;
  const code = await new Promise<number>((resolve, reject) => {
    child.once('error', (error) =>
      reject(
        new PipelineError('JAVA_MISSING', `could not run java for ${tool}: ${error.message}; install a JDK 17+`, {
          cause: error,
        }),
      ),
    );
    child.once('close', (exitCode, signal) => resolve(exitCode ?? (signal ? 128 : 1)));
  });
  clearTimeout(timer);
  return { code, stdout, stderr };
}

/**
 * One tool run as the course runs it from its EC2 client, against the broker at `bootstrap`:
 * writes `client.properties` into `<dataDir>/kafka`, adds `--bootstrap-server` and the client
 * config unless given, and runs it. `command` is the course's spelling (`kafka-topics.sh ...`).
 * For scripts/kafka.ts, the notebooks and the tests.
 */
export async function runCourseTool(
  target: { dataDir: string; bootstrap: string },
  tool: KafkaTool,
  args: string[],
  options: { capture?: boolean; timeoutMs?: number; onCommand?: (command: string) => void } = {},
): Promise<KafkaToolRun & { command: string }> {
  const properties = await writeClientProperties(target.dataDir);
  const full = kafkaToolArgs(tool, args, target.bootstrap, properties);
  const command = courseCommand(tool, full);
  options.onCommand?.(command);
  const run = await runKafkaTool(tool, full, {
    dataDir: target.dataDir,
    ...(options.capture === undefined ? {} : { capture: options.capture }),
    ...(options.timeoutMs === undefined ? {} : { timeoutMs: options.timeoutMs }),
  });
  return { ...run, command };
}
