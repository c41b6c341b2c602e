/**
 * `npm run stack`: runs the embedded local stack in the foreground until Ctrl-C.
 * Names (user id, bucket, region) come from credentials/ when present; flags override them.
 */
import { choiceOption, intOption, parseCommandLine, pathOption, runMain, watchInterrupts, type CommandSpec } from './lib/cli';
import { loadConfig } from '../src/config';
import { USER_ID_EXPECTED, userId as userIdSchema } from '../src/config';
import { PipelineError } from '../src/errors';
import { DEFAULT_DATA_DIR, DEFAULT_PORTS, startLocalStack, type LocalStack, type LocalStackOptions } from '../src/local-stack/start-local-stack';
import { formatTable } from '../src/terminal-table';
import { KAFKA_KINDS } from '../src/local-stack/topic-backend';

export const SPEC: CommandSpec = {
  name: 'npm run stack --',
  summary: 'Runs the local stand-ins for API Gateway, the Kafka REST proxy, the S3 sink, S3 and Kinesis on 127.0.0.1 until Ctrl-C.',
  options: {
    'data-dir': { type: 'string', value: 'DIR', description: 'folder for topics, objects, streams and stack.json', default: DEFAULT_DATA_DIR },
    fresh: { type: 'boolean', description: 'discard the data of earlier runs first' },
    'gateway-port': { type: 'string', value: 'PORT', description: 'API Gateway stand-in (0 = any free port)', default: String(DEFAULT_PORTS.gateway) },
    'rest-proxy-port': { type: 'string', value: 'PORT', description: 'Kafka REST proxy', default: String(DEFAULT_PORTS.restProxy) },
    's3-port': { type: 'string', value: 'PORT', description: 'S3 (s3rver)', default: String(DEFAULT_PORTS.s3) },
    'kinesis-port': { type: 'string', value: 'PORT', description: 'Kinesis (kinesalite)', default: String(DEFAULT_PORTS.kinesis) },
    kafka: { type: 'string', value: 'KIND', description: 'Kafka under the REST proxy and the S3 sink: embedded (no Java) or apache (Apache Kafka 4.4.0; run npm run setup:kafka first)', default: 'embedded' },
    'kafka-port': { type: 'string', value: 'PORT', description: 'Apache Kafka broker, with --kafka apache', default: String(DEFAULT_PORTS.kafka) },
    'flush-size': { type: 'string', value: 'N', description: 'records per S3 object written by the sink', default: '1' },
    'user-id': { type: 'string', value: 'ID', description: 'names topics, streams and bucket (default: user_id of credentials/aws.yaml, else localuser)' },
    stage: { type: 'string', value: 'NAME', description: 'API Gateway stage in the invoke URL', default: 'prod' },
    'no-auto-create-topics': { type: 'boolean', description: "refuse produces to missing topics (404 40401), as a broker with auto.create.topics.enable=false; by default they create the topic, as on the course's MSK, and the log says so" },
  },
  examples: ['npm run stack', 'npm run stack -- --fresh --gateway-port 0 --rest-proxy-port 0 --s3-port 0 --kinesis-port 0', 'npm run stack -- --kafka apache'],
};

export interface StackMainOptions {
  /** Stops the stack like Ctrl-C does (for tests running `main` in-process). */
  signal?: AbortSignal;
  out?: NodeJS.WritableStream;
}

/** Starts the stack, prints its endpoints, and stops it on SIGINT/SIGTERM (or `signal`). */
export async function main(argv: string[], options: StackMainOptions = {}): Promise<void> {
  const values = parseCommandLine(SPEC, argv);
  if (!values) return;
  const out = options.out ?? process.stdout;
  const started = Date.now();
  const config = loadConfig();
  const userIdFlag = values['user-id'] as string | undefined;
  const userId = userIdFlag === undefined ? config.userId : userIdSchema.safeParse(userIdFlag).data;
  if (userId === undefined) throw new PipelineError('USAGE', `--user-id expects ${USER_ID_EXPECTED}, got ${JSON.stringify(userIdFlag)}`);
  const stackOptions: LocalStackOptions = {
    dataDir: pathOption(values, 'data-dir', DEFAULT_DATA_DIR),
    fresh: values.fresh === true,
    ports: {
      gateway: intOption(values, 'gateway-port'),
      restProxy: intOption(values, 'rest-proxy-port'),
      s3: intOption(values, 's3-port'),
      kinesis: intOption(values, 'kinesis-port'),
      kafka: intOption(values, 'kafka-port'),
    },
    kafka: choiceOption(values, 'kafka', KAFKA_KINDS) ?? 'embedded',
    stage: values.stage as string,
    userId,
    bucket: userIdFlag === undefined ? config.names.bucket : undefined,
    region: config.aws.region,
    sink: { flushSize: intOption(values, 'flush-size', 1) },
    autoCreateTopics: values['no-auto-create-topics'] !== true,
  };

  // The first Ctrl-C stops the stack cleanly; a second one while it is stopping exits at once with code 130.
  let resolveStop: (reason: string) => void = () => undefined;
  const stopRequested = new Promise<string>((resolve) => { resolveStop = resolve; });
  const interrupts = watchInterrupts({
    onStop: (reason) => resolveStop(reason),
    onCut: (reason) => {
      process.stderr.write(`${reason} again: exiting without a clean stop\n`);
      process.exit(130);
    },
  }, options.signal);
  try {
    const stack = await startLocalStack(stackOptions);
    out.write(`${describeStack(stack, Date.now() - started)}\n\npress Ctrl-C to stop\n`);
    const reason = await stopRequested;
    process.stderr.write(`${reason}: stopping the local stack\n`);
    await stack.stop();
  } finally {
    interrupts.dispose();
  }
  process.stderr.write('local stack stopped\n');
}

/** The endpoints and names as a small two-column table. */
export function describeStack(stack: LocalStack, startupMs: number): string {
  const rows = [
    { name: 'invoke URL', value: stack.endpoints.invokeUrl },
    { name: 'REST proxy', value: stack.endpoints.restProxy },
    { name: 'Kafka', value: stack.kafka.kind === 'apache' ? `Apache Kafka ${stack.kafka.version} at ${stack.kafka.bootstrap} (KRaft, started in ${((stack.kafka.startMs ?? 0) / 1000).toFixed(1)} s; sink group ${stack.kafka.sinkGroup})` : 'embedded log (no broker; --kafka apache runs Apache Kafka)' },
    { name: 'S3', value: `${stack.endpoints.s3}  (bucket ${stack.bucket})` },
    { name: 'Kinesis', value: stack.endpoints.kinesis },
    { name: 'topics', value: Object.values(stack.names.topics).join(', ') },
    { name: 'streams', value: Object.values(stack.names.streams).join(', ') },
  ];
  return [
    `Local stack running (pid ${process.pid}, data in ${stack.dataDir}, started in ${(startupMs / 1000).toFixed(1)} s)`,
    '',
    formatTable(rows, ['name', 'value'], { header: false, indent: '  ' }),
  ].join('\n');
}

if (require.main === module) runMain(main);
