/**
 * The streaming step as `npm run stream` runs it, callable from a script or a notebook: connects to
 * Kinesis (the local stack running from the data folder, or AWS),
 * consumes the three streams into the streaming tables and reports a line per stream every few
 * seconds, until `signal`, `durationMs` or `untilIdle`.
 */
import type { KinesisClient } from '@aws-sdk/client-kinesis';
import { namesFor, projectPath, type Names, type PipelineConfig } from '../config';
import { createLogger, type Logger } from '../log';
import { DEFAULT_DATA_DIR } from '../local-stack/start-local-stack';
import { openTarget } from '../target/open-target';
import type { TableKey } from '../contract/tables';
import {
  formatStreamStats,
  startStreamConsumer,
  STREAM_QUARANTINE_FILE,
  type ConsumeSummary,
  type StreamConsumerOptions,
} from './consume-streams';
import { streamDatabaseFile } from './stream-tables';

export interface RunStreamConsumerOptions {
  /** From `loadConfig()`: the target and the names. */
  config: PipelineConfig;
  /** Stop after this long. */
  durationMs?: number;
  /** Stop once every shard is caught up for `idleMs` (default 2,000 ms). */
  untilIdle?: boolean;
  idleMs?: number;
  /** Milliseconds between two rounds of progress lines (default 5,000). */
  everyMs?: number;
  /** Local stack: the data folder of the running stack (default `.local-stack` of the project). */
  dataDir?: string;
  /** JSON lines file of undecodable records; default `output/quarantine/streaming-quarantine.jsonl`. */
  quarantineFile?: string;
  /** DuckDB file of the streaming tables and checkpoints; default `streaming.duckdb` in the data folder locally, `output/streaming.duckdb` on AWS. */
  database?: string;
  /** Stops after the batches in progress (Ctrl-C). */
  signal?: AbortSignal;
  /** Told each progress line: one per stream every `everyMs`, then one per stream and a "stopped by" line at the end. */
  onLine?: (line: string) => void;
  log?: Logger;
}

/** Where the consumer reads from, and how to let go of it. */
interface ConsumerTarget {
  kinesis: StreamConsumerOptions['kinesis'];
  names: Names;
  database: string;
  close(): Promise<void>;
}

async function openConsumerTarget(options: RunStreamConsumerOptions, log: Logger): Promise<ConsumerTarget> {
  const { config } = options;
  const dataDir = options.dataDir ?? projectPath(DEFAULT_DATA_DIR);
  // The consumer reads Kinesis through the SDK, on AWS too.
  const target = await openTarget(config, { dataDir, streamVia: 'sdk' });
  const kinesis = target.kinesis as KinesisClient;
  if (target.stack) {
    const { stack } = target;
    log.info(`local stack running from ${dataDir} (Kinesis ${stack.endpoints.kinesis}, user ${stack.userId})`);
    return {
      kinesis,
      // A stack found running keeps its own user id, which names its streams and tables.
      names: { ...namesFor(stack.userId), ...stack.names, bucket: stack.bucket },
      database: options.database ?? streamDatabaseFile(dataDir),
      close: () => target.close(),
    };
  }
  return {
    kinesis,
    names: config.names,
    database: options.database ?? projectPath('output', 'streaming.duckdb'),
    close: () => target.close(),
  };
}

/** Consumes the streams into the streaming tables; resolves with the summary once stopped. */
export async function runStreamConsumer(options: RunStreamConsumerOptions): Promise<ConsumeSummary> {
  const log = options.log ?? createLogger('stream');
  const onLine = options.onLine ?? (() => undefined);
  const quarantineFile = options.quarantineFile ?? projectPath('output', 'quarantine', STREAM_QUARANTINE_FILE);
  const target = await openConsumerTarget(options, log);
  let timer: NodeJS.Timeout | undefined;
  try {
    const consumer = startStreamConsumer({
      kinesis: target.kinesis,
      database: target.database,
      names: target.names,
      quarantineFile,
      signal: options.signal,
      log,
      ...(options.durationMs !== undefined ? { durationMs: options.durationMs } : {}),
      ...(options.untilIdle ? { untilIdle: true, idleMs: options.idleMs ?? 2_000 } : {}),
    });
    let last = { at: Date.now(), records: {} as Record<TableKey, number> };
    timer = setInterval(() => {
      const stats = consumer.stats();
      const now = Date.now();
      for (const line of formatStreamStats(stats, now - last.at, last.records)) onLine(line);
      last = {
        at: now,
        records: Object.fromEntries(Object.values(stats).map((s) => [s.table, s.records])) as Record<TableKey, number>,
      };
    }, options.everyMs ?? 5_000);
    const summary = await consumer.done;
    for (const line of formatStreamStats(summary.tables, summary.durationMs)) onLine(line);
    onLine(
      `stopped by ${summary.stoppedBy} after ${(summary.durationMs / 1000).toFixed(1)} s${Object.values(summary.tables).some((t) => t.quarantined) ? `; quarantined records in ${quarantineFile}` : ''}`,
    );
    return summary;
  } finally {
    clearInterval(timer);
    await target.close();
  }
}
