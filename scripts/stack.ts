/**
 * `npm run stack`: runs the embedded local stack in the foreground until Ctrl-C.
 * Names (user id, bucket, region) come from credentials/ when present; flags override them.
 */
import {
  choiceOption,
  intOption,
  parseCommandLine,
  pathOption,
  runMain,
  watchInterrupts,
  type CommandSpec,
} from './lib/cli';
import { loadConfig } from '../src/config';
import { USER_ID_EXPECTED, userId as userIdSchema } from '../src/config';
import { PipelineError } from '../src/errors';
import { DEFAULT_DATA_DIR, DEFAULT_FLUSH_SIZE, DEFAULT_PORTS } from '../src/local-stack/defaults';
import type { LocalStack, LocalStackOptions } from '../src/local-stack/start-local-stack';
import { createLogger } from '../src/log';
import { formatTable } from '../src/terminal-table';
import { KAFKA_KINDS } from '../src/local-stack/topic-backend';

export const SPEC: CommandSpec = {
  name: 'npm run stack --',
  summary:
    'Runs the local stand-ins for API Gateway, the Kafka REST proxy, the S3 sink, S3 and Kinesis on 127.0.0.1 until Ctrl-C.',
  options: {
    'data-dir': {
      type: 'string',
      value: 'DIR',
      description: 'folder for topics, objects, streams and stack.json',
      default: DEFAULT_DATA_DIR,
    },
    fresh: { type: 'boolean', description: 'discard the data of earlier runs first' },
    'gateway-port': {
      type: 'string',
      value: 'PORT',
      description: 'API Gateway stand-in (0 = any free port)',
      default: String(DEFAULT_PORTS.gateway),
    },
    'rest-proxy-port': {
      type: 'string',
      value: 'PORT',
      description: 'Kafka REST proxy',
      default: String(DEFAULT_PORTS.restProxy),
    },
    's3-port': { type: 'string', value: 'PORT', description: 'S3 (s3rver)', default: String(DEFAULT_PORTS.s3) },
    'kinesis-port': {
      type: 'string',
      value: 'PORT',
      description: 'Kinesis (kinesalite)',
      default: String(DEFAULT_PORTS.kinesis),
    },
    kafka: {
      type: 'string',
      value: 'KIND',
      description:
        'Kafka under the REST proxy and the S3 sink: embedded (no Java) or apache (Apache Kafka 4.4.0; run npm run setup:kafka first)',
      default: 'embedded',
    },
    'kafka-port': {
      type: 'string',
      value: 'PORT',
      description: 'Apache Kafka broker, with --kafka apache',
      default: String(DEFAULT_PORTS.kafka),
    },
    'flush-size': {
      type: 'string',
      value: 'N',
      description:
        "records per S3 object written by the sink, as npm start; the course's connector used 1: the same result, one object per record (11,153 posts = 33,459 objects, minutes to write and to read)",
      default: String(DEFAULT_FLUSH_SIZE),
    },
    background: {
      type: 'boolean',
      description:
        'start the stack as a background process, wait until it answers, print where it listens and return (its log: <data-dir>/stack.log)',
    },
    stop: {
      type: 'boolean',
      description:
        'stop the stack running from --data-dir (started in the background or in another terminal) and return',
    },
    'user-id': {
      type: 'string',
      value: 'ID',
      description: 'names topics, streams and bucket (default: user_id of credentials/aws.yaml, else localuser)',
    },
    stage: { type: 'string', value: 'NAME', description: 'API Gateway stage in the invoke URL', default: 'prod' },
    'no-auto-create-topics': {
      type: 'boolean',
      description:
        "refuse produces to missing topics (404 40401), as a broker with auto.create.topics.enable=false; by default they create the topic, as on the course's MSK, and the log says so",
    },
  },
  examples: [
    'npm run stack',
    'npm run stack -- --background',
    'npm run stack -- --stop',
    'npm run stack -- --fresh --flush-size 1   # exactly the course connector',
    'npm run stack -- --gateway-port 0 --rest-proxy-port 0 --s3-port 0 --kinesis-port 0',
    'npm run stack -- --kafka apache   # Apache Kafka under the REST proxy (npm run setup:kafka first)',
  ],
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
  const dataDir = pathOption(values, 'data-dir', DEFAULT_DATA_DIR);
  // Loaded after parsing: --help answers without loading the stack.
  const { STACK_READY_LINE, startInBackground, stopStack } =
    require('../src/local-stack/stack-process') as typeof import('../src/local-stack/stack-process');
  const { startLocalStack } =
    require('../src/local-stack/start-local-stack') as typeof import('../src/local-stack/start-local-stack');
  if (values.stop) {
    if (values.background) throw new PipelineError('USAGE', '--stop and --background exclude each other');
    await stopStack(dataDir, out);
    return;
  }
  if (values.background) {
    const stopFlags = dataDir === pathOption({}, 'data-dir', DEFAULT_DATA_DIR) ? '' : ` --data-dir ${dataDir}`;
    await startInBackground({
      dataDir,
      command: [process.execPath, ...process.execArgv, __filename, ...argv.filter((arg) => arg !== '--background')],
      out,
      stopFlags,
    });
    return;
  }
  const started = Date.now();
  const config = loadConfig();
  const userIdFlag = values['user-id'] as string | undefined;
  const userId = userIdFlag === undefined ? config.userId : userIdSchema.safeParse(userIdFlag).data;
  if (userId === undefined)
    throw new PipelineError('USAGE', `--user-id expects ${USER_ID_EXPECTED}, got ${JSON.stringify(userIdFlag)}`);
  const stackOptions: LocalStackOptions = {
    dataDir,
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
    sink: { flushSize: intOption(values, 'flush-size', 1) ?? DEFAULT_FLUSH_SIZE },
    autoCreateTopics: values['no-auto-create-topics'] !== true,
  };

  // The first Ctrl-C stops the stack cleanly; a second one while it is stopping exits at once with code 130.
  let resolveStop: (reason: string) => void = () => undefined;
  const stopRequested = new Promise<string>((resolve) => {
    resolveStop = resolve;
  });
  const interrupts = watchInterrupts(
    {
      onStop: (reason) => resolveStop(reason),
      onCut: (reason) => {
        process.stderr.write(`${reason} again: exiting without a clean stop\n`);
        process.exit(130);
      },
    },
    options.signal,
  );
  try {
    const stack = await startLocalStack({ ...stackOptions, logger: createLogger('local-stack') });
    const topics = (await stack.store.listTopics()).map((topic) => topic.name);
    out.write(`${describeStack(stack, topics, Date.now() - started)}\n\n${NEXT_STEPS}\n${STACK_READY_LINE}\n`);
    const reason = await stopRequested;
    process.stderr.write(`${reason}: stopping the local stack\n`);
    await stack.stop();
  } finally {
    interrupts.dispose();
  }
  process.stderr.write('local stack stopped\n');
}

/** What the learner does next, printed under the banner. */
const NEXT_STEPS =
  'next (in another terminal): npm run create-topics, then npm run emulate:batch and npm run emulate:stream';

/** The endpoints and names as a small two-column table; `topics`: the topics that exist now. */
export function describeStack(stack: LocalStack, topics: string[], startupMs: number): string {
  const rows = [
    { name: 'invoke URL', value: stack.endpoints.invokeUrl },
    { name: 'REST proxy', value: stack.endpoints.restProxy },
    {
      name: 'Kafka',
      value:
        stack.kafka.kind === 'apache'
          ? `Apache Kafka ${stack.kafka.version} at ${stack.kafka.bootstrap} (KRaft, started in ${((stack.kafka.startMs ?? 0) / 1000).toFixed(1)} s; sink group ${stack.kafka.sinkGroup})`
          : 'embedded log (no broker; --kafka apache runs Apache Kafka)',
    },
    { name: 'S3', value: `${stack.endpoints.s3}  (bucket ${stack.bucket})` },
    { name: 'Kinesis', value: stack.endpoints.kinesis },
    {
      name: 'S3 sink',
      value: `flush.size ${stack.sinkConfig.flushSize}, topics.regex ${stack.sinkConfig.topicsRegex}`,
    },
    {
      name: 'topics',
      value: `${Object.values(stack.names.topics).join(', ')}  (${existing(topics, Object.values(stack.names.topics))})`,
    },
    { name: 'streams', value: Object.values(stack.names.streams).join(', ') },
  ];
  return [
    `Local stack running (pid ${process.pid}, data in ${stack.dataDir}, started in ${(startupMs / 1000).toFixed(1)} s)`,
    '',
    formatTable(rows, ['name', 'value'], { header: false, indent: '  ' }),
  ].join('\n');
}

/** "not created yet" (the learner's step), or which of `wanted` exist. */
function existing(names: string[], wanted: string[]): string {
  const have = wanted.filter((name) => names.includes(name));
  return have.length === 0
    ? 'not created yet: npm run create-topics'
    : have.length === wanted.length
      ? 'created'
      : `${have.length} of ${wanted.length} created`;
}

if (require.main === module) runMain(main);
