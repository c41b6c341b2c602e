/**
 * The `stream` command's flags, turned into the options of `runStreamConsumer`
 * (src/streaming/run-consumer.ts); prints its lines and turns Ctrl-C into its stop signal.
 */
import { intOption, numberOption, pathOption, watchInterrupts, type CommandSpec, type ParsedOptions } from './cli';
import { loadConfig } from '../../src/config';
import { createLogger } from '../../src/log';
import { DEFAULT_DATA_DIR } from '../../src/local-stack/defaults';
import type { ConsumeSummary } from '../../src/streaming/consume-streams';
import { STREAM_QUARANTINE_FILE } from '../../src/streaming/defaults';
import type { RunStreamConsumerOptions } from '../../src/streaming/run-consumer';
import { requireRunningStack } from './preflight';

export const STREAM_COMMAND: CommandSpec = {
  name: 'npm run stream --',
  summary:
    'Consumes the Kinesis streams streaming-<user_id>-pin/-geo/-user, cleans each micro-batch with the shared cleaning SQL and merges the rows into <user_id>_pin_table, _geo_table and _user_table (tables of a DuckDB file, with the checkpoints). Resumes from the checkpoints of earlier runs. Stops once every shard is caught up (--follow: runs until Ctrl-C, as a Databricks stream does).',
  options: {
    follow: {
      type: 'boolean',
      description: 'keep consuming new records until Ctrl-C (or --duration) instead of stopping once caught up',
    },
    duration: { type: 'string', value: 'SECONDS', description: 'stop after this many seconds (implies --follow)' },
    'until-idle': { type: 'boolean', description: 'stop once every shard is caught up (the default)' },
    'idle-ms': {
      type: 'string',
      value: 'MS',
      description: 'how long every shard must be caught up before it stops',
      default: '2000',
    },
    every: { type: 'string', value: 'SECONDS', description: 'seconds between progress lines', default: '5' },
    'data-dir': {
      type: 'string',
      value: 'DIR',
      description: 'local stack: the data folder of the stack running (npm run stack)',
      default: DEFAULT_DATA_DIR,
    },
    quarantine: {
      type: 'string',
      value: 'FILE',
      description: 'JSON lines file of undecodable records',
      default: `output/quarantine/${STREAM_QUARANTINE_FILE}`,
    },
    database: {
      type: 'string',
      value: 'FILE',
      description:
        'DuckDB file of the streaming tables and checkpoints (default: streaming.duckdb in the data folder on the local stack, output/streaming.duckdb against AWS)',
    },
  },
  examples: ['npm run stream', 'npm run stream -- --follow', 'npm run stream -- --duration 60'],
};

export interface StreamCommandIo {
  out?: NodeJS.WritableStream;
  /** Stops the run as Ctrl-C would (tests). */
  signal?: AbortSignal;
}

/** The flags as the typed options of `runStreamConsumer` (all but the configuration, the stop signal and printing). */
export function streamConsumerOptions(values: ParsedOptions): Omit<RunStreamConsumerOptions, 'config'> {
  const duration = numberOption(values, 'duration', 0);
  return {
    durationMs: duration === undefined ? undefined : duration * 1000,
    untilIdle: values.follow !== true && duration === undefined,
    idleMs: intOption(values, 'idle-ms', 0),
    everyMs: (numberOption(values, 'every', 0.1) ?? 5) * 1000,
    dataDir: pathOption(values, 'data-dir'),
    quarantineFile: pathOption(values, 'quarantine'),
    database: pathOption(values, 'database'),
  };
}

/** Runs the consumer from parsed options, printing a line per stream as it goes; resolves with its summary. */
export async function runStreamCommand(values: ParsedOptions, io: StreamCommandIo = {}): Promise<ConsumeSummary> {
  const out = io.out ?? process.stdout;
  const options = streamConsumerOptions(values);
  const log = createLogger('stream');
  const config = loadConfig();
  await requireRunningStack(config, options.dataDir ?? DEFAULT_DATA_DIR);
  // Loaded after parsing: --help answers without loading the consumer.
  const { runStreamConsumer } =
    require('../../src/streaming/run-consumer') as typeof import('../../src/streaming/run-consumer');
  const interrupts = watchInterrupts({ onStop: () => log.warn('stopping after the batches in progress') }, io.signal);
  try {
    return await runStreamConsumer({
      ...options,
      config,
      log,
      signal: interrupts.stop,
      onLine: (line) => out.write(`${line}\n`),
    });
  } finally {
    interrupts.dispose();
  }
}
