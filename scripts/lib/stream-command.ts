/**
 * The `stream` command: consume the three streams into the streaming tables, printing one line per
 * stream every few seconds, until Ctrl-C, `--duration` or `--until-idle`.
 */
import { createKinesisClient, createS3Client } from '../../src/clients';
import { intOption, numberOption, type CommandSpec, type ParsedOptions } from './cli';
import { loadConfig, namesFor } from '../../src/config';
import { projectPath } from '../../src/config';
import { createLogger } from '../../src/log';
import { EPHEMERAL_PORTS, findOrStartLocalStack } from '../../src/local-stack/start-local-stack';
import { formatStreamStats, startStreamConsumer, type ConsumeSummary } from '../../src/streaming/consume-streams';
import { STREAM_QUARANTINE_FILE } from '../../src/streaming/quarantine';
import { streamDatabaseFile } from '../../src/streaming/stream-tables';
import type { TableKey } from '../../src/contract/tables';

export const STREAM_COMMAND: CommandSpec = {
  name: 'npm run stream --',
  summary: 'Consumes the Kinesis streams streaming-<user_id>-pin/-geo/-user, cleans each micro-batch with the shared cleaning SQL and merges the rows into <user_id>_pin_table, _geo_table and _user_table (tables of a DuckDB file, with the checkpoints). Resumes from the checkpoints of earlier runs. Runs until Ctrl-C.',
  options: {
    duration: { type: 'string', value: 'SECONDS', description: 'stop after this many seconds' },
    'until-idle': { type: 'boolean', description: 'stop once every shard is caught up' },
    'idle-ms': { type: 'string', value: 'MS', description: 'how long shards must be caught up for --until-idle', default: '2000' },
    every: { type: 'string', value: 'SECONDS', description: 'seconds between progress lines', default: '5' },
    'data-dir': { type: 'string', value: 'DIR', description: 'local stack data folder (a running stack is used, else one is started for this run on free ports)', default: '.local-stack' },
    quarantine: { type: 'string', value: 'FILE', description: 'JSON lines file of undecodable records', default: `output/quarantine/${STREAM_QUARANTINE_FILE}` },
    database: { type: 'string', value: 'FILE', description: 'DuckDB file of the streaming tables and checkpoints (default: streaming.duckdb in the data folder on the local stack, output/streaming.duckdb against AWS)' },
  },
  examples: ['npm run emulate:stream -- --count 1000 && npm run stream -- --until-idle', 'npm run stream -- --duration 60'],
};

export interface StreamCommandIo {
  out?: NodeJS.WritableStream;
  /** Stops the run as Ctrl-C would (tests). */
  signal?: AbortSignal;
}

/** Runs the consumer from parsed options; resolves with its summary. */
export async function runStreamCommand(values: ParsedOptions, io: StreamCommandIo = {}): Promise<ConsumeSummary> {
  const out = io.out ?? process.stdout;
  const log = createLogger('stream');
  const duration = numberOption(values, 'duration', 0);
  const idleMs = intOption(values, 'idle-ms', 0) ?? 2_000;
  const everyMs = (numberOption(values, 'every', 0.1) ?? 5) * 1000;
  const config = loadConfig();
  const quarantineFile = (values.quarantine as string | undefined) ?? projectPath('output', 'quarantine', STREAM_QUARANTINE_FILE);

  let close: () => Promise<void>;
  let clients;
  let bucket: string;
  let database: string;
  let names = config.names;
  if (config.target === 'local') {
    const dataDir = (values['data-dir'] as string | undefined) ?? '.local-stack';
    // A stack started for this run listens on free ports, as the emulation's does: a port taken
    // by something else (4566 is LocalStack's) cannot stop it, and stack.json tells where it is.
    const stack = await findOrStartLocalStack({ lookIn: dataDir, dataDir, userId: config.userId, bucket: config.names.bucket, region: config.aws.region, ports: EPHEMERAL_PORTS });
    clients = { kinesis: stack.kinesis, s3: stack.s3 };
    bucket = stack.bucket;
    // A stack found running keeps its own user id, which names its streams and tables.
    names = { ...namesFor(stack.userId), ...stack.names, bucket };
    database = (values.database as string | undefined) ?? streamDatabaseFile(dataDir);
    close = () => stack.close();
    log.info(`local stack ${stack.stack ? 'started' : 'found running'} (Kinesis ${stack.endpoints.kinesis}, bucket ${bucket})`);
  } else {
    const kinesis = createKinesisClient({ region: config.aws.region });
    const s3 = createS3Client({ region: config.aws.region });
    clients = { kinesis, s3 };
    bucket = config.names.bucket;
    database = (values.database as string | undefined) ?? projectPath('output', 'streaming.duckdb');
    close = async () => {
      kinesis.destroy();
      s3.destroy();
    };
  }

  const stop = new AbortController();
  const onInterrupt = () => {
    log.warn('stopping after the batches in progress');
    stop.abort();
  };
  process.on('SIGINT', onInterrupt);
  process.on('SIGTERM', onInterrupt);
  io.signal?.addEventListener('abort', onInterrupt, { once: true });
  const consumer = startStreamConsumer({
    kinesis: clients.kinesis, database, names, quarantineFile, signal: stop.signal, log,
    ...(duration !== undefined ? { durationMs: duration * 1000 } : {}),
    ...(values['until-idle'] ? { untilIdle: true, idleMs } : {}),
  });
  const started = Date.now();
  let last = { at: started, records: {} as Record<TableKey, number> };
  const timer = setInterval(() => {
    const stats = consumer.stats();
    const now = Date.now();
    for (const line of formatStreamStats(stats, now - last.at, last.records)) out.write(`${line}\n`);
    last = { at: now, records: Object.fromEntries(Object.values(stats).map((s) => [s.table, s.records])) as Record<TableKey, number> };
  }, everyMs);
  try {
    const summary = await consumer.done;
    for (const line of formatStreamStats(summary.tables, summary.durationMs)) out.write(`${line}\n`);
    out.write(`stopped by ${summary.stoppedBy} after ${(summary.durationMs / 1000).toFixed(1)} s${Object.values(summary.tables).some((t) => t.quarantined) ? `; quarantined records in ${quarantineFile}` : ''}\n`);
    return summary;
  } finally {
    clearInterval(timer);
    process.off('SIGINT', onInterrupt);
    process.off('SIGTERM', onInterrupt);
    await close();
  }
}
