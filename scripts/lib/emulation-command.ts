/**
 * The flags of `emulate-batch` and `emulate-stream`, turned into the options of `runEmulation`
 * (src/emulation/run-emulation.ts); prints the summary and turns Ctrl-C into its stop signals.
 */
import {
  choiceOption,
  intOption,
  numberOption,
  pathOption,
  watchInterrupts,
  type CommandSpec,
  type OptionSpec,
  type ParsedOptions,
} from './cli';
import { loadConfig } from '../../src/config';
import { PipelineError } from '../../src/errors';
import { createLogger } from '../../src/log';
import { DEFAULT_EMULATION_SEED } from '../../src/emulation/defaults';
import { DEFAULT_DATA_DIR } from '../../src/local-stack/defaults';
import { formatSummary, type EmulationSummary } from '../../src/emulation/ledger';
import type { EmulationPath, RunEmulationOptions } from '../../src/emulation/run-emulation';
import type { Selection } from '../../src/emulation/select-positions';
import { requireRunningStack } from './preflight';

/** Flags both emulation scripts take. */
const COMMON_OPTIONS: Record<string, OptionSpec> = {
  count: {
    type: 'string',
    short: 'n',
    value: 'N',
    description:
      'posts to send (each is 3 records); default: as many as the source holds (11,153 embedded), picked as npm start picks them, then stop',
  },
  forever: {
    type: 'boolean',
    description:
      "keep sending until Ctrl-C, as the course's endless loop (with the default flush.size 500 the sink keeps up; at 1 it falls far behind)",
  },
  duration: { type: 'string', short: 'd', value: 'SECONDS', description: 'stop reading new posts after this long' },
  rate: {
    type: 'string',
    short: 'r',
    value: 'POSTS/S',
    description: 'posts per second (0 = as fast as acknowledged)',
    default: '0',
  },
  'course-pace': {
    type: 'boolean',
    description: "the course's pace: one post, then a random 0-1 s sleep (overrides --rate)",
  },
  seed: {
    type: 'string',
    value: 'N',
    description: 'seeds row selection and the course pace',
    default: String(DEFAULT_EMULATION_SEED),
  },
  selection: {
    type: 'string',
    value: 'MODE',
    description: "random (the course's, repeats allowed) or sequential",
    default: 'random',
  },
  'batch-size': {
    type: 'string',
    short: 'b',
    value: 'N',
    description: 'records per request (at most 500)',
    default: '500',
  },
  concurrency: { type: 'string', short: 'c', value: 'N', description: 'requests in flight at once', default: '4' },
  retries: {
    type: 'string',
    value: 'N',
    description: 'retries of a failed request or record, with exponential back-off',
    default: '10',
  },
  'max-record-bytes': {
    type: 'string',
    value: 'BYTES',
    description: 'larger rows are quarantined',
    default: String(1024 * 1024),
  },
  quarantine: {
    type: 'string',
    value: 'FILE',
    description: 'JSON-lines file of rows that can never be sent (default output/quarantine/emulation-<path>.jsonl)',
  },
  progress: {
    type: 'string',
    value: 'MODE',
    description: 'auto (a bar on a terminal, lines otherwise), plain or silent',
    default: 'auto',
  },
  setup: {
    type: 'boolean',
    description: 'create the topics (batch) or streams (stream) first, as npm run create-topics does (idempotent)',
  },
  'data-dir': {
    type: 'string',
    value: 'DIR',
    description: 'local stack: the data folder of the stack running (npm run stack)',
    default: DEFAULT_DATA_DIR,
  },
  'start-stack': {
    type: 'boolean',
    description:
      'local stack: when none is running, start one for this run only (it stops when the run ends, after the S3 sink caught up); by default a missing stack is an error',
  },
};

/** The `--help` and flags of `emulate-batch` or `emulate-stream`. */
export function emulationCommandSpec(path: EmulationPath): CommandSpec {
  const script = `npm run emulate:${path} --`;
  if (path === 'batch') {
    return {
      name: script,
      summary:
        'Emulates users posting on the batch path: every post is three records (pin, geo, user) sent to the topics <user_id>.pin|geo|user through the Kafka REST Proxy (POST <invoke_url>/topics/<topic>). Prints a summary per table; exits 1 if any record was neither acknowledged nor quarantined.',
      options: {
        ...COMMON_OPTIONS,
        via: {
          type: 'string',
          value: 'ROUTE',
          description: 'gateway (the invoke URL, as the course) or rest-proxy (the REST Proxy directly)',
          default: 'gateway',
        },
        'rest-proxy': {
          type: 'string',
          value: 'URL',
          description: 'on AWS: the REST Proxy URL for --via rest-proxy and --setup',
        },
      },
      examples: [
        script.replace(/ --$/, ''),
        `${script} --count 1000`,
        `${script} --course-pace --forever`,
        `${script} --duration 60 --rate 200 --via rest-proxy`,
      ],
    };
  }
  return {
    name: script,
    summary:
      "Emulates users posting on the streaming path: every post is three records sent to the Kinesis streams streaming-<user_id>-pin|geo|user (PutRecords through the SDK, or the invoke URL's /streams routes). Prints a summary per table; exits 1 if any record was neither acknowledged nor quarantined.",
    options: {
      ...COMMON_OPTIONS,
      via: {
        type: 'string',
        value: 'ROUTE',
        description:
          'sdk (PutRecords) or gateway (PUT <invoke_url>/streams/<stream>/records); default: kinesis_via of credentials/aws.yaml, sdk locally',
      },
      route: {
        type: 'string',
        value: 'ROUTE',
        description: 'with --via gateway: records (batches) or record (one request per record, as the course)',
        default: 'records',
      },
    },
    examples: [
      script.replace(/ --$/, ''),
      `${script} --count 1000`,
      `${script} --duration 60 --rate 100 --via gateway`,
    ],
  };
}

export interface EmulationCommandIo {
  /** Where the summary goes (stdout by default); progress and messages go to stderr. */
  out?: NodeJS.WritableStream;
  /** Stops like Ctrl-C (for running `main` in-process). */
  signal?: AbortSignal;
}

/** The flags as the typed options of `runEmulation` (all but the configuration, the stop signals and printing). */
export function emulationOptions(path: EmulationPath, values: ParsedOptions): Omit<RunEmulationOptions, 'config'> {
  const duration = numberOption(values, 'duration', 0);
  const maxRecordBytes = intOption(values, 'max-record-bytes', 1);
  const options: Omit<RunEmulationOptions, 'config'> = {
    path,
    count: intOption(values, 'count', 1),
    forever: values.forever === true,
    durationMs: duration === undefined ? undefined : duration * 1000,
    rate: numberOption(values, 'rate', 0),
    coursePace: values['course-pace'] === true,
    seed: intOption(values, 'seed', 0),
    batchSize: intOption(values, 'batch-size', 1),
    concurrency: intOption(values, 'concurrency', 1),
    retries: intOption(values, 'retries', 0),
    selection: choiceOption<Selection>(values, 'selection', ['random', 'sequential']),
    progress: choiceOption(values, 'progress', ['auto', 'plain', 'silent'] as const),
    quarantineFile: pathOption(values, 'quarantine', `output/quarantine/emulation-${path}.jsonl`),
    setup: values.setup === true,
    targets: {
      dataDir: pathOption(values, 'data-dir'),
      startStack: values['start-stack'] === true,
      ...(maxRecordBytes !== undefined ? { limits: { maxRecordBytes } } : {}),
    },
  };
  if (values.forever && (values.count !== undefined || values.duration !== undefined))
    throw new PipelineError('USAGE', '--forever excludes --count and --duration');
  if (path === 'batch') {
    options.targets = {
      ...options.targets,
      batchVia: choiceOption(values, 'via', ['gateway', 'rest-proxy'] as const),
      restProxyUrl: values['rest-proxy'] as string | undefined,
    };
  } else {
    options.targets = {
      ...options.targets,
      streamVia: choiceOption(values, 'via', ['sdk', 'gateway'] as const),
      gatewayRoute: choiceOption(values, 'route', ['records', 'record'] as const),
    };
  }
  return options;
}

/**
 * Runs one emulation path from parsed flags, printing the summary (also of a run stopped by an
 * error); fails (one line) when a record was neither acknowledged nor quarantined. Ctrl-C: first,
 * stop reading and let requests finish; second, cut them off.
 */
export async function runEmulationCommand(
  path: EmulationPath,
  values: ParsedOptions,
  io: EmulationCommandIo = {},
): Promise<EmulationSummary> {
  const out = io.out ?? process.stdout;
  const options = emulationOptions(path, values);
  const log = createLogger(`emulate-${path}`);
  const config = loadConfig();
  if (!options.targets?.startStack) await requireRunningStack(config, options.targets?.dataDir ?? DEFAULT_DATA_DIR);
  // Loaded after parsing: --help answers without loading the emulation.
  const { runEmulation, unfinishedRunError } =
    require('../../src/emulation/run-emulation') as typeof import('../../src/emulation/run-emulation');
  const interrupts = watchInterrupts(
    { onStop: () => log.warn('stopping: no new posts; waiting for requests in flight (Ctrl-C again to cut them off)') },
    io.signal,
  );
  try {
    const summary = await runEmulation({
      ...options,
      config,
      log,
      signal: interrupts.stop,
      hardSignal: interrupts.cut,
      onSummary: (summary) => out.write(`${formatSummary(summary)}\n`),
    });
    if (!summary.ok) throw unfinishedRunError(summary);
    return summary;
  } finally {
    interrupts.dispose();
  }
}
