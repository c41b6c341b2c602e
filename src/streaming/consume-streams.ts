/**
 * Step 5, streaming: the consumer of the three Kinesis streams, the local counterpart of the
 * course's Databricks streaming notebook (PIPELINE_SPEC.md §7). For every shard of every stream:
 *
 * - an iterator from TRIM_HORIZON on the first run, AFTER_SEQUENCE_NUMBER of the shard's
 *   checkpoint afterwards; an expired iterator (ExpiredIteratorException, after 5 minutes) is
 *   renewed from the last sequence number handled;
 * - GetRecords at most 5 times a second per shard (§8), with back-off on
 *   ProvisionedThroughputExceededException and other throttling (`withRetry`);
 * - each answer is one micro-batch: records decoded (`decodeRecordData`), checked
 *   (`validateRecord`), undecodable ones quarantined, the rest cleaned by the shared cleaning SQL
 *   and merged into the streaming table against what it holds, in the same transaction as the
 *   shard's checkpoint (`StreamTables.storeBatch`, stream-tables.ts), so a crash replays exactly the
 *   batches after the last committed checkpoint and nothing is stored twice.
 *
 * Shards are listed once at start (resharding during a run is not followed; a closed shard is read
 * to its end). One consumer process per bucket and stream set at a time.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import {
  GetRecordsCommand,
  GetShardIteratorCommand,
  ListShardsCommand,
  type GetRecordsCommandOutput,
  type KinesisClient,
  type _Record,
} from '@aws-sdk/client-kinesis';
import { validateRecord, type RawRowByTable } from '../contract/raw-records';
import type { Names } from '../config';
import { describeError, PipelineError } from '../errors';
import { rowsToFrame, type Frame } from '../frames';
import type { Logger } from '../log';
import { withRetry, type RetryOptions } from '../retry';
import { TABLES, type TableKey } from '../contract/tables';
import { decodeRecordData } from './decode-record';
import { createStreamQuarantine, previewData, type StreamQuarantine, type StreamQuarantineEntry } from './quarantine';
import { openStreamTables, type ShardCheckpoint, type StreamTables } from './stream-tables';

/** PIPELINE_SPEC.md §8: 5 GetRecords calls a second per shard, 10,000 records per call. */
export const GET_RECORDS_PER_SECOND = 5;
export const MAX_RECORDS_PER_CALL = 10_000;

/** Back-off of Kinesis and S3 calls: throttling clears within seconds. */
export const CONSUMER_RETRY: Pick<RetryOptions, 'retries' | 'baseDelayMs' | 'maxDelayMs'> = { retries: 10, baseDelayMs: 200, maxDelayMs: 5_000 };

/** Kinesis errors a later attempt can get past. */
const RETRIABLE_KINESIS = new Set([
  'ProvisionedThroughputExceededException', 'LimitExceededException', 'ThrottlingException', 'InternalFailure', 'InternalFailureException',
  'ServiceUnavailable', 'ServiceUnavailableException', 'KMSThrottlingException', 'TimeoutError', 'RequestTimeout',
]);
const RETRIABLE_NETWORK = new Set(['ECONNRESET', 'ECONNREFUSED', 'EPIPE', 'ETIMEDOUT', 'EAI_AGAIN']);

function isRetriableConsumerError(error: unknown): boolean {
  if (error instanceof PipelineError) return error.retriable;
  const e = error as { name?: string; code?: string; $retryable?: unknown };
  return RETRIABLE_KINESIS.has(e.name ?? '') || RETRIABLE_NETWORK.has(e.code ?? '') || Boolean(e.$retryable);
}

/** Counters of one stream (all its shards). */
export interface StreamStats {
  table: TableKey;
  stream: string;
  /** The streaming table the rows go to, `<user_id>_<table>_table`. */
  tableName: string;
  shards: number;
  /** Records read in this run. */
  records: number;
  /** Rows the table gained in this run (distinct cleaned rows). */
  rowsWritten: number;
  /** Rows dropped as already stored or repeated in a batch (the cleaning's duplicates). */
  duplicates: number;
  /** Records whose row has no usable id after cleaning. */
  invalid: number;
  quarantined: number;
  batches: number;
  /** Distinct rows in the table now (this and earlier runs). */
  tableRows: number;
  /** Largest MillisBehindLatest of the shards' last answers. */
  millisBehindLatest: number;
}

export type ConsumerStopReason = 'idle' | 'duration' | 'signal' | 'stopped' | 'shards-closed' | 'fatal';

export interface ConsumeSummary {
  tables: Record<TableKey, StreamStats>;
  stoppedBy: ConsumerStopReason;
  durationMs: number;
  quarantineFile?: string;
}

/** A stored micro-batch, for progress displays and the latency benchmark. */
export interface BatchEvent {
  table: TableKey;
  stream: string;
  shardId: string;
  records: number;
  rowsWritten: number;
  /** When the rows (and checkpoint) were committed, ms since the epoch. */
  storedAt: number;
  /** Per record: sequence number and ApproximateArrivalTimestamp (ms), when Kinesis gave one. */
  arrivals: { sequenceNumber: string; arrivedAt?: number }[];
}

export interface StreamConsumerOptions {
  /** Created once with `createKinesisClient`. */
  kinesis: Pick<KinesisClient, 'send'>;
  /** The DuckDB file of the streaming tables and checkpoints (`streamDatabaseFile`). */
  database: string;
  names: Pick<Names, 'streams' | 'streamTables'>;
  /** Streams to consume (default all three). */
  tables?: readonly TableKey[];
  /** JSON lines file of undecodable records; in memory when unset. */
  quarantineFile?: string;
  quarantine?: StreamQuarantine;
  /** Stops the consumer (Ctrl-C); the batch in progress is finished first. */
  signal?: AbortSignal;
  /** Stop after this long. */
  durationMs?: number;
  /** Stop once every shard has been caught up (nothing read, 0 ms behind) for `idleMs`. */
  untilIdle?: boolean;
  /** Default 2,000 ms. */
  idleMs?: number;
  /** GetRecords calls per second per shard, at most 5 (the default). */
  callsPerSecond?: number;
  /** Records per GetRecords call, at most 10,000 (the default). */
  maxRecordsPerCall?: number;
  retry?: Partial<Pick<RetryOptions, 'retries' | 'baseDelayMs' | 'maxDelayMs' | 'random'>>;
  onBatch?: (event: BatchEvent) => void;
  log?: Logger;
}

export interface StreamConsumer {
  /** Counters so far, per stream. */
  stats(): Record<TableKey, StreamStats>;
  /** Resolves when the consumer stops (idle, duration, signal or `stop()`); rejects on a fatal error. */
  readonly done: Promise<ConsumeSummary>;
  /** Stops after the batches in progress; resolves with the summary. */
  stop(): Promise<ConsumeSummary>;
  /** Stops once every shard is caught up for `idleMs` (default: the option, else 2,000 ms). */
  finishWhenIdle(idleMs?: number): Promise<ConsumeSummary>;
}

interface ShardState {
  table: TableKey;
  stream: string;
  shardId: string;
  iterator?: string;
  checkpoint?: ShardCheckpoint;
  lastCallAt: number;
  /** Since when the shard is caught up (undefined while it is reading). */
  idleSince?: number;
  closed: boolean;
  /** MillisBehindLatest of the last answer. */
  behind: number;
}

/** Starts consuming; see the module comment. Stop it with `stop()`, `signal`, `durationMs` or `untilIdle`. */
export function startStreamConsumer(options: StreamConsumerOptions): StreamConsumer {
  const started = Date.now();
  const tables = options.tables ?? TABLES;
  const { kinesis } = options;
  const quarantine = options.quarantine ?? createStreamQuarantine(options.quarantineFile);
  const minIntervalMs = 1000 / Math.min(GET_RECORDS_PER_SECOND, Math.max(0.1, options.callsPerSecond ?? GET_RECORDS_PER_SECOND));
  const limit = Math.max(1, Math.min(MAX_RECORDS_PER_CALL, options.maxRecordsPerCall ?? MAX_RECORDS_PER_CALL));
  const retry: RetryOptions = { ...CONSUMER_RETRY, ...options.retry, isRetriable: isRetriableConsumerError };
  let idleMs = options.untilIdle ? options.idleMs ?? 2_000 : undefined;

  const stats = Object.fromEntries(tables.map((table) => [table, {
    table, stream: options.names.streams[table], tableName: options.names.streamTables[table], shards: 0, records: 0, rowsWritten: 0,
    duplicates: 0, invalid: 0, quarantined: 0, batches: 0, tableRows: 0, millisBehindLatest: 0,
  } satisfies StreamStats])) as Record<TableKey, StreamStats>;

  const stopController = new AbortController();
  let stoppedBy: ConsumerStopReason | undefined;
  const stop = (reason: ConsumerStopReason) => {
    if (stoppedBy) return;
    stoppedBy = reason;
    stopController.abort();
  };
  const onSignal = () => stop('signal');
  if (options.signal?.aborted) onSignal();
  else options.signal?.addEventListener('abort', onSignal, { once: true });
  const durationTimer = options.durationMs !== undefined ? setTimeout(() => stop('duration'), options.durationMs) : undefined;
  const shards: ShardState[] = [];
  let streamTables: StreamTables | undefined;
  let allShardsListed = false;
  let fatalError: unknown;
  const checkIdle = () => {
    if (idleMs === undefined || !allShardsListed) return;
    const now = Date.now();
    if (shards.every((s) => s.closed || (s.idleSince !== undefined && now - s.idleSince >= (idleMs as number)))) stop('idle');
  };

  const call = <T>(what: string, operation: () => Promise<T>): Promise<T> =>
    withRetry(operation, { ...retry, signal: stopController.signal, onRetry: (error, attempt, delayMs) => options.log?.warn(`${what}: ${describeError(error)}; retry ${attempt} in ${delayMs} ms`) });

  async function listShards(stream: string): Promise<string[]> {
    const ids: string[] = [];
    let nextToken: string | undefined;
    do {
      const page = await call(`ListShards ${stream}`, () => kinesis.send(new ListShardsCommand(nextToken ? { NextToken: nextToken } : { StreamName: stream })));
      for (const shard of page.Shards ?? []) if (shard.ShardId) ids.push(shard.ShardId);
      nextToken = page.NextToken;
    } while (nextToken);
    return ids;
  }

  async function newIterator(shard: ShardState): Promise<string | undefined> {
    const seq = shard.checkpoint?.sequenceNumber;
    try {
      const output = await call(`GetShardIterator ${shard.stream} ${shard.shardId}`, () => kinesis.send(new GetShardIteratorCommand({
        StreamName: shard.stream,
        ShardId: shard.shardId,
        ...(seq ? { ShardIteratorType: 'AFTER_SEQUENCE_NUMBER', StartingSequenceNumber: seq } : { ShardIteratorType: 'TRIM_HORIZON' }),
      })));
      return output.ShardIterator;
    } catch (error) {
      if (seq && (error as { name?: string }).name === 'InvalidArgumentException') {
        throw new PipelineError('CHECKPOINT_FOREIGN', `the checkpoint of ${shard.stream} ${shard.shardId} in ${options.database} is not of this stream (was it deleted and created again?); delete ${options.database} to read the streams from the start`, { cause: error });
      }
      throw error;
    }
  }

  /** One GetRecords at the shard's pace; renews an expired iterator. */
  async function getRecords(shard: ShardState): Promise<GetRecordsCommandOutput | undefined> {
    // Every attempt, retries included, waits for the shard's pace: Kinesis counts each call.
    const pace = async () => {
      const wait = shard.lastCallAt + minIntervalMs - Date.now();
      if (wait > 0) await sleep(wait, undefined, { signal: stopController.signal }).catch(() => undefined);
      shard.lastCallAt = Date.now();
    };
    for (let renewals = 0; ; renewals++) {
      if (stopController.signal.aborted) return undefined;
      shard.iterator ??= await newIterator(shard);
      if (!shard.iterator) return undefined;
      try {
        return await call(`GetRecords ${shard.stream} ${shard.shardId}`, async () => {
          await pace();
          if (stopController.signal.aborted) return undefined;
          return kinesis.send(new GetRecordsCommand({ ShardIterator: shard.iterator, Limit: limit }));
        });
      } catch (error) {
        if ((error as { name?: string }).name !== 'ExpiredIteratorException' || renewals >= 3) throw error;
        options.log?.info(`${shard.stream} ${shard.shardId}: iterator expired, renewing from ${shard.checkpoint?.sequenceNumber ?? 'TRIM_HORIZON'}`);
        shard.iterator = undefined;
      }
    }
  }

  async function handleBatch<K extends TableKey>(shard: ShardState, records: _Record[]): Promise<void> {
    const table = shard.table as K;
    const stat = stats[table];
    const raw: RawRowByTable[K][] = [];
    const rejected: StreamQuarantineEntry[] = [];
    for (const record of records) {
      const base = { stream: shard.stream, shardId: shard.shardId, sequenceNumber: record.SequenceNumber ?? '', partitionKey: record.PartitionKey ?? '' };
      const decoded = decodeRecordData(record.Data ?? new Uint8Array());
      const checked = decoded.ok ? validateRecord(table, decoded.value) : decoded;
      if (checked.ok) raw.push(checked.row);
      else rejected.push({ ...base, reason: checked.reason, data: previewData(record.Data), at: new Date().toISOString() });
    }
    const lastSeq = records[records.length - 1].SequenceNumber as string;
    // The quarantine is written first: a crash before the commit replays the batch, and the
    // quarantine (append-only) then shows its bad records twice, recognisable by sequence number.
    await quarantine.add(rejected);
    const checkpoint: ShardCheckpoint = { stream: shard.stream, shardId: shard.shardId, sequenceNumber: lastSeq, records: (shard.checkpoint?.records ?? 0) + records.length, updatedAt: new Date().toISOString() };
    const stored = await call(`storing a batch of ${shard.stream} ${shard.shardId}`, () => (streamTables as StreamTables).storeBatch(table, raw, checkpoint));
    shard.checkpoint = checkpoint;
    stat.records += records.length;
    stat.rowsWritten += stored.rowsWritten;
    stat.duplicates += stored.duplicates;
    stat.invalid += stored.invalid;
    stat.quarantined += rejected.length;
    stat.batches += 1;
    stat.tableRows = stored.tableRows;
    options.onBatch?.({
      table, stream: shard.stream, shardId: shard.shardId, records: records.length, rowsWritten: stored.rowsWritten,
      storedAt: Date.now(), arrivals: records.map((r) => ({ sequenceNumber: r.SequenceNumber ?? '', ...(r.ApproximateArrivalTimestamp ? { arrivedAt: r.ApproximateArrivalTimestamp.getTime() } : {}) })),
    });
  }

  /** Reads a shard until the consumer stops or the shard closes; a fatal error stops every shard. */
  async function readShard(shard: ShardState): Promise<void> {
    try {
      await readShardBatches(shard);
    } catch (error) {
      // A stop cuts retries short (their back-off sleep is aborted); the batch is then simply not checkpointed.
      if (stopController.signal.aborted) return;
      fatalError ??= error;
      stop('fatal');
    }
  }

  async function readShardBatches(shard: ShardState): Promise<void> {
    while (!stopController.signal.aborted) {
      const output = await getRecords(shard);
      if (!output) break;
      const records = output.Records ?? [];
      const behind = output.MillisBehindLatest ?? 0;
      shard.behind = behind;
      stats[shard.table].millisBehindLatest = Math.max(...shards.filter((s) => s.table === shard.table).map((s) => s.behind));
      if (records.length) {
        shard.idleSince = undefined;
        await handleBatch(shard, records);
      } else if (behind === 0) {
        shard.idleSince ??= Date.now();
      }
      shard.iterator = output.NextShardIterator;
      if (!shard.iterator) {
        shard.closed = true;
        break;
      }
      checkIdle();
    }
    checkIdle();
  }

  const run = async (): Promise<ConsumeSummary> => {
    try {
      const work: Promise<void>[] = [];
      streamTables = await openStreamTables(options.database, options.names.streamTables);
      const opened = streamTables;
      for (const table of tables) {
        const stream = options.names.streams[table];
        stats[table].tableRows = await opened.tableRows(table);
        const ids = await listShards(stream);
        stats[table].shards = ids.length;
        for (const shardId of ids) {
          const shard: ShardState = { table, stream, shardId, lastCallAt: 0, closed: false, behind: 0, checkpoint: await opened.readCheckpoint(stream, shardId) };
          shards.push(shard);
          work.push(readShard(shard));
        }
      }
      allShardsListed = true;
      checkIdle();
      await Promise.all(work);
      if (fatalError !== undefined) throw fatalError;
      stop('shards-closed');
      return { tables: stats, stoppedBy: stoppedBy ?? 'stopped', durationMs: Date.now() - started, ...(quarantine.file ? { quarantineFile: quarantine.file } : {}) };
    } catch (error) {
      stop('fatal');
      throw error;
    } finally {
      if (durationTimer) clearTimeout(durationTimer);
      options.signal?.removeEventListener('abort', onSignal);
      streamTables?.close();
    }
  };

  const done = run();
  done.catch(() => undefined);
  return {
    stats: () => stats,
    done,
    stop: () => {
      stop('stopped');
      return done;
    },
    finishWhenIdle: (ms) => {
      idleMs = ms ?? options.idleMs ?? 2_000;
      checkIdle();
      return done;
    },
  };
}

/**
 * Consumes the three streams until every shard is caught up (`untilIdle`), then returns the
 * counters per table; the entry point for a pipeline run. `idleMs` defaults to 2,000 ms.
 */
export function consumeStreamsUntilIdle(options: Omit<StreamConsumerOptions, 'untilIdle'>): Promise<ConsumeSummary> {
  return startStreamConsumer({ ...options, untilIdle: true }).done;
}

/** One line per stream: records/s, rows written, ms behind latest. */
export function formatStreamStats(stats: Record<TableKey, StreamStats>, elapsedMs: number, previous?: Record<TableKey, number>): string[] {
  return Object.values(stats).map((s) => {
    const seconds = Math.max(elapsedMs, 1) / 1000;
    const rate = previous ? (s.records - (previous[s.table] ?? 0)) / seconds : s.records / seconds;
    return `${s.stream}: ${rate.toFixed(0)} records/s, ${s.records} read, ${s.rowsWritten} rows written to ${s.tableName} (${s.tableRows} in table), ${s.duplicates} duplicates, ${s.quarantined} quarantined, ${s.millisBehindLatest} ms behind latest`;
  });
}

/** Columns of `streamStatsFrame`, in order. */
export const STREAM_STATS_COLUMNS = ['stream', 'tableName', 'shards', 'records', 'rowsWritten', 'duplicates', 'invalid', 'quarantined', 'batches', 'tableRows', 'millisBehindLatest'] as const;

/** The counters of each stream as a DataFrame (notebooks). */
export function streamStatsFrame(stats: Record<TableKey, StreamStats>): Frame {
  return rowsToFrame(Object.values(stats), STREAM_STATS_COLUMNS, { dtypes: ['string', 'string', 'int32', 'int32', 'int32', 'int32', 'int32', 'int32', 'int32', 'int32', 'int32'] });
}

/** Distinct rows in each streaming table after a run, e.g. `{ pin: 6539, geo: 6539, user: 6539 }`. */
export function tableRowCounts(summary: ConsumeSummary): Partial<Record<TableKey, number>> {
  return Object.fromEntries(Object.values(summary.tables).map((s) => [s.table, s.tableRows]));
}
