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
 * Shards keep Kinesis' lineage, as the Kinesis Client Library does: a child shard (a split's two, a
 * merge's one) is read only once every parent listed with it has been read to SHARD_END, so each
 * partition key's records are handled in the order they were put across a reshard. Shards are
 * listed again when a shard ends and every `relistMs`, so a reshard during a run is followed
 * without a restart (one log line per reshard). One consumer process per bucket and stream set at a time. The Kinesis calls are in
 * read-shards.ts (`ShardReader`); undecodable records are appended to `STREAM_QUARANTINE_FILE`,
 * kept across restarts (`createStreamQuarantine`, built on the one writer in src/quarantine.ts).
 */
import type { KinesisClient, _Record } from '@aws-sdk/client-kinesis';
import { validateRecord, type RawRowByTable } from '../contract/raw-records';
import type { Names } from '../config';
import { describeError } from '../errors';
import { rowsToFrame, type Frame } from '../frames';
import type { Logger } from '../log';
import { createQuarantineWriter, previewText, type QuarantineEntry } from '../quarantine';
import { withRetry, type RetryOptions } from '../retry';
import { TABLES, type TableKey } from '../contract/tables';
import { decodeRecordData } from './decode-record';
import { STREAM_QUARANTINE_FILE } from './defaults';
import { ShardReader, type ListedShard, type ShardState } from './read-shards';
import { openStreamTables, type ShardCheckpoint, type StoredBatch, type StreamTables } from './stream-tables';

/** PIPELINE_SPEC.md §8: 5 GetRecords calls a second per shard, 10,000 records per call. */
export const GET_RECORDS_PER_SECOND = 5;
export const MAX_RECORDS_PER_CALL = 10_000;

/** Back-off of Kinesis and S3 calls: throttling clears within seconds. */
export const CONSUMER_RETRY: Pick<RetryOptions, 'retries' | 'baseDelayMs' | 'maxDelayMs'> = {
  retries: 10,
  baseDelayMs: 200,
  maxDelayMs: 5_000,
};

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
  /** Largest MillisBehindLatest of the open shards' last answers (a closed shard is behind nothing). */
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
  /** Milliseconds between two listings of the streams' shards, to follow a reshard (default 10,000; a shard's end lists at once). */
  relistMs?: number;
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

export { STREAM_QUARANTINE_FILE };

/** One record the consumer could not turn into a raw row. */
export type StreamQuarantineEntry = QuarantineEntry<
  {
    stream: string;
    shardId: string;
    sequenceNumber: string;
    partitionKey: string;
  },
  {
    /** The record's data as UTF-8 text, cut at `PREVIEW_CHARS` (ending in "…" when cut). */
    data: string;
    at: string;
  }
>;

export interface StreamQuarantine {
  /** JSON lines file, when the entries are written to one. */
  readonly file?: string;
  /** The entries of this run (the last 1,000 when more). */
  readonly entries: StreamQuarantineEntry[];
  add(entries: StreamQuarantineEntry[]): Promise<void>;
}

/**
 * A quarantine appending one JSON line per entry to `file` (kept across runs, and created at the
 * first entry: a replayed batch after a crash can append an entry twice, recognisable by its shard
 * and sequence number); without `file`, entries are only kept in memory.
 */
export function createStreamQuarantine(file?: string): StreamQuarantine {
  const writer = createQuarantineWriter<StreamQuarantineEntry>(file, 'append');
  return {
    ...(file ? { file } : {}),
    get entries() {
      return writer.entries();
    },
    add(entries) {
      writer.addAll(entries);
      return Promise.resolve();
    },
  };
}

/** Starts consuming; see the module comment. Stop it with `stop()`, `signal`, `durationMs` or `untilIdle`. */
export function startStreamConsumer(options: StreamConsumerOptions): StreamConsumer {
  const run = new ConsumerRun(options);
  const done = run.consume();
  done.catch(() => undefined);
  return {
    stats: () => run.stats,
    done,
    stop: () => {
      run.stop('stopped');
      return done;
    },
    finishWhenIdle: (ms) => {
      run.finishWhenIdle(ms ?? options.idleMs ?? 2_000);
      return done;
    },
  };
}

/** One run of the consumer: its counters, shards and stop state, and the steps of `startStreamConsumer`. */
class ConsumerRun {
  readonly stats: Record<TableKey, StreamStats>;
  private readonly started = Date.now();
  private readonly tables: readonly TableKey[];
  private readonly quarantine: StreamQuarantine;
  private readonly retry: RetryOptions;
  private readonly reader: ShardReader;
  /** Aborted by any stop: every shard ends after its batch in progress. */
  private readonly stopController = new AbortController();
  private readonly shards: ShardState[] = [];
  /** The reading of every listed shard; grows as reshards are found. */
  private readonly reading: Promise<void>[] = [];
  /** Per `stream shardId`: resolved once the shard is read to SHARD_END (its children may start). */
  private readonly ends = new Map<string, { promise: Promise<void>; resolve: () => void }>();
  /** Per stream: the listing in progress, so two listings never start a shard twice. */
  private readonly listings = new Map<string, Promise<void>>();
  private readonly stopped: Promise<void>;
  private relistTimer: NodeJS.Timeout | undefined;
  /** The retries of the current burst (calls failing until one succeeds): logged once, at its start and end. */
  private retryBurst: { retries: number; since: number } | undefined;
  private durationTimer: NodeJS.Timeout | undefined;
  /** Caught up for this long, every shard: the consumer stops (undefined: it does not). */
  private idleMs: number | undefined;
  private stoppedBy: ConsumerStopReason | undefined;
  private streamTables: StreamTables | undefined;
  private allShardsListed = false;
  private fatalError: unknown;

  constructor(private readonly options: StreamConsumerOptions) {
    this.tables = options.tables ?? TABLES;
    this.quarantine = options.quarantine ?? createStreamQuarantine(options.quarantineFile);
    this.retry = { ...CONSUMER_RETRY, ...options.retry };
    this.idleMs = options.untilIdle ? (options.idleMs ?? 2_000) : undefined;
    this.stats = emptyStats(this.tables, options.names);
    this.reader = new ShardReader({
      kinesis: options.kinesis,
      database: options.database,
      minIntervalMs:
        1000 / Math.min(GET_RECORDS_PER_SECOND, Math.max(0.1, options.callsPerSecond ?? GET_RECORDS_PER_SECOND)),
      limit: Math.max(1, Math.min(MAX_RECORDS_PER_CALL, options.maxRecordsPerCall ?? MAX_RECORDS_PER_CALL)),
      signal: this.stopController.signal,
      call: (what, operation) => this.call(what, operation),
      ...(options.log ? { log: options.log } : {}),
    });
    this.stopped = new Promise((resolve) =>
      this.stopController.signal.addEventListener('abort', () => resolve(), { once: true }),
    );
    this.listenForStops();
  }

  /** Opens the tables, reads every shard until the consumer stops, and closes again. */
  async consume(): Promise<ConsumeSummary> {
    try {
      this.streamTables = await openStreamTables(this.options.database, this.options.names.streamTables);
      for (const table of this.tables) {
        this.stats[table].tableRows = await this.streamTables.tableRows(table);
        await this.listShards(table);
      }
      this.allShardsListed = true;
      this.relistTimer = setInterval(() => this.relistAll(), this.options.relistMs ?? 10_000);
      this.checkIdle();
      // A shard's end lists its children before its reading resolves: wait until no reading is added.
      for (let waited = 0; waited < this.reading.length;) {
        const count = this.reading.length;
        await Promise.all(this.reading.slice(waited));
        waited = count;
      }
      if (this.fatalError !== undefined) throw this.fatalError;
      this.stop('shards-closed');
      return this.summary();
    } catch (error) {
      this.stop('fatal');
      throw error;
    } finally {
      this.release();
    }
  }

  stop(reason: ConsumerStopReason): void {
    if (this.stoppedBy) return;
    this.stoppedBy = reason;
    this.stopController.abort();
  }

  /** From now on, stops once every shard is caught up for `idleMs`. */
  finishWhenIdle(idleMs: number): void {
    this.idleMs = idleMs;
    this.checkIdle();
  }

  /** `signal` and `durationMs` stop the consumer. */
  private listenForStops(): void {
    const { signal, durationMs } = this.options;
    if (signal?.aborted) this.onSignal();
    else signal?.addEventListener('abort', this.onSignal, { once: true });
    if (durationMs !== undefined) this.durationTimer = setTimeout(() => this.stop('duration'), durationMs);
  }

  private readonly onSignal = () => this.stop('signal');

  private release(): void {
    if (this.durationTimer) clearTimeout(this.durationTimer);
    clearInterval(this.relistTimer);
    this.options.signal?.removeEventListener('abort', this.onSignal);
    this.streamTables?.close();
  }

  private summary(): ConsumeSummary {
    return {
      tables: this.stats,
      stoppedBy: this.stoppedBy ?? 'stopped',
      durationMs: Date.now() - this.started,
      ...(this.quarantine.file ? { quarantineFile: this.quarantine.file } : {}),
    };
  }

  /** Stops when idle stopping is on, every shard is listed, and each is closed or caught up for `idleMs`. */
  private checkIdle(): void {
    const { idleMs } = this;
    if (idleMs === undefined || !this.allShardsListed) return;
    const now = Date.now();
    if (this.shards.every((s) => s.closed || (s.idleSince !== undefined && now - s.idleSince >= idleMs)))
      this.stop('idle');
  }

  /** Runs one Kinesis or storage call with the consumer's retries, cut short by a stop. */
  private async call<T>(what: string, operation: () => Promise<T>): Promise<T> {
    const result = await withRetry(operation, {
      ...this.retry,
      signal: this.stopController.signal,
      onRetry: (error) => this.countRetry(what, error),
    });
    this.endRetryBurst();
    return result;
  }

  /** A retry: the first of a burst is logged with its error, the others only counted. */
  private countRetry(what: string, error: unknown): void {
    if (this.retryBurst) {
      this.retryBurst.retries += 1;
      return;
    }
    this.retryBurst = { retries: 1, since: Date.now() };
    this.options.log?.warn(
      `${what}: ${describeError(error)}; retrying with back-off (up to ${this.retry.retries} times a call)`,
    );
  }

  /** A call succeeded: a burst of retries before it is over, and said so in one line. */
  private endRetryBurst(): void {
    const burst = this.retryBurst;
    if (!burst) return;
    this.retryBurst = undefined;
    this.options.log?.info(
      `Kinesis and storage calls succeed again after ${burst.retries} ${burst.retries === 1 ? 'retry' : 'retries'} in ${((Date.now() - burst.since) / 1000).toFixed(1)} s`,
    );
  }

  /** Lists every stream's shards again (the interval's listing); a failure is logged, the next interval tries again. */
  private relistAll(): void {
    if (this.stopController.signal.aborted) return;
    for (const table of this.tables) {
      this.listShards(table).catch((error: unknown) => {
        if (!this.stopController.signal.aborted)
          this.options.log?.warn(`listing the shards of ${this.options.names.streams[table]}: ${describeError(error)}`);
      });
    }
  }

  /** Lists the stream's shards and starts reading those not known yet; one listing of a stream at a time. */
  private listShards(table: TableKey): Promise<void> {
    const stream = this.options.names.streams[table];
    const listing = (this.listings.get(stream) ?? Promise.resolve()).then(() => this.startNewShards(table, stream));
    this.listings.set(
      stream,
      listing.catch(() => undefined),
    );
    return listing;
  }

  private async startNewShards(table: TableKey, stream: string): Promise<void> {
    if (this.stopController.signal.aborted) return;
    const listed = await this.reader.listShards(stream);
    const known = new Set(this.shards.filter((s) => s.stream === stream).map((s) => s.shardId));
    const fresh = listed.filter((s) => !known.has(s.shardId));
    if (!fresh.length || this.stopController.signal.aborted) return;
    const present = new Set([...known, ...listed.map((s) => s.shardId)]);
    for (const { shardId, parents } of fresh) {
      // A parent no longer listed (trimmed after the retention period) has nothing left to read.
      const shard: ShardState = {
        table,
        stream,
        shardId,
        lastCallAt: 0,
        closed: false,
        behind: 0,
        parents: parents.filter((p) => present.has(p)),
        checkpoint: await (this.streamTables as StreamTables).readCheckpoint(stream, shardId),
      };
      this.shards.push(shard);
      this.shardEnd(stream, shardId);
      this.reading.push(this.readShard(shard));
    }
    this.stats[table].shards = this.shards.filter((s) => s.table === table).length;
    if (known.size) for (const line of describeReshards(stream, fresh)) this.options.log?.info(line);
  }

  /** The promise resolved when `shardId` of `stream` reaches SHARD_END. */
  private shardEnd(stream: string, shardId: string): { promise: Promise<void>; resolve: () => void } {
    const key = `${stream} ${shardId}`;
    let end = this.ends.get(key);
    if (!end) {
      let resolve = () => undefined as void;
      const promise = new Promise<void>((r) => {
        resolve = r;
      });
      end = { promise, resolve };
      this.ends.set(key, end);
    }
    return end;
  }

  /**
   * Reads a shard once its parents are read to their end, until the consumer stops or the shard
   * closes; then lists the stream again for its children. A fatal error stops every shard.
   */
  private async readShard(shard: ShardState): Promise<void> {
    try {
      await Promise.race([Promise.all(shard.parents.map((p) => this.shardEnd(shard.stream, p).promise)), this.stopped]);
      await this.readShardBatches(shard);
      if (shard.closed) {
        this.shardEnd(shard.stream, shard.shardId).resolve();
        await this.listShards(shard.table);
      }
    } catch (error) {
      // A stop cuts retries short (their back-off sleep is aborted); the batch is then simply not checkpointed.
      if (this.stopController.signal.aborted) return;
      this.fatalError ??= error;
      this.stop('fatal');
    }
  }

  private async readShardBatches(shard: ShardState): Promise<void> {
    while (!this.stopController.signal.aborted) {
      const output = await this.reader.getRecords(shard);
      if (!output) break;
      const records = output.Records ?? [];
      const behind = output.MillisBehindLatest ?? 0;
      shard.behind = behind;
      this.updateBehind(shard.table);
      if (records.length) {
        shard.idleSince = undefined;
        await this.handleBatch(shard, records);
      } else if (behind === 0) {
        shard.idleSince ??= Date.now();
      }
      shard.iterator = output.NextShardIterator;
      if (!shard.iterator) {
        shard.closed = true;
        this.updateBehind(shard.table);
        break;
      }
      this.checkIdle();
    }
    this.checkIdle();
  }

  /** The table's "behind latest": the largest of its open shards' (a closed shard's own figure only grows). */
  private updateBehind(table: TableKey): void {
    this.stats[table].millisBehindLatest = Math.max(
      0,
      ...this.shards.filter((s) => s.table === table && !s.closed).map((s) => s.behind),
    );
  }

  /** One micro-batch: its bad records quarantined, its rows stored with the shard's checkpoint, counted and told. */
  private async handleBatch(shard: ShardState, records: _Record[]): Promise<void> {
    const { rows, rejected } = sortRecords(shard, records);
    // The quarantine is written first: a crash before the commit replays the batch, and the
    // quarantine (append-only) then shows its bad records twice, recognisable by sequence number.
    await this.quarantine.add(rejected);
    const checkpoint = nextCheckpoint(shard, records);
    const stored = await this.call(`storing a batch of ${shard.stream} ${shard.shardId}`, () =>
      (this.streamTables as StreamTables).storeBatch(shard.table, rows, checkpoint),
    );
    shard.checkpoint = checkpoint;
    countBatch(this.stats[shard.table], records.length, rejected.length, stored);
    this.options.onBatch?.(batchEvent(shard, records, stored));
  }
}

/** One line per reshard among `fresh` shards: a split (children sharing one parent), a merge (two parents), or a new shard. */
export function describeReshards(stream: string, fresh: readonly ListedShard[]): string[] {
  const lines: string[] = [];
  const splits = new Map<string, string[]>();
  for (const { shardId, parents } of fresh) {
    if (parents.length === 2)
      lines.push(`${stream}: reshard: ${parents[0]} and ${parents[1]} merged into ${shardId}; reading it after both`);
    else if (parents.length === 1) splits.set(parents[0], [...(splits.get(parents[0]) ?? []), shardId]);
    else lines.push(`${stream}: new shard ${shardId}`);
  }
  for (const [parent, children] of splits)
    lines.unshift(`${stream}: reshard: ${parent} split into ${children.join(' and ')}; reading them after it`);
  return lines;
}

/** Every stream's counters at zero. */
function emptyStats(tables: readonly TableKey[], names: StreamConsumerOptions['names']): Record<TableKey, StreamStats> {
  return Object.fromEntries(
    tables.map((table) => [
      table,
      {
        table,
        stream: names.streams[table],
        tableName: names.streamTables[table],
        shards: 0,
        records: 0,
        rowsWritten: 0,
        duplicates: 0,
        invalid: 0,
        quarantined: 0,
        batches: 0,
        tableRows: 0,
        millisBehindLatest: 0,
      } satisfies StreamStats,
    ]),
  ) as Record<TableKey, StreamStats>;
}

/** The records of a batch as raw rows of the shard's table, and quarantine entries for those that are not. */
function sortRecords<K extends TableKey>(
  shard: ShardState & { table: K },
  records: readonly _Record[],
): { rows: RawRowByTable[K][]; rejected: StreamQuarantineEntry[] } {
  const rows: RawRowByTable[K][] = [];
  const rejected: StreamQuarantineEntry[] = [];
  for (const record of records) {
    const decoded = decodeRecordData(record.Data ?? new Uint8Array());
    const checked = decoded.ok ? validateRecord(shard.table, decoded.value) : decoded;
    if (checked.ok) rows.push(checked.row);
    else
      rejected.push({
        ...recordOrigin(shard, record),
        reason: checked.reason,
        data: previewData(record.Data),
        at: new Date().toISOString(),
      });
  }
  return { rows, rejected };
}

function recordOrigin(
  shard: ShardState,
  record: _Record,
): Pick<StreamQuarantineEntry, 'stream' | 'shardId' | 'sequenceNumber' | 'partitionKey'> {
  return {
    stream: shard.stream,
    shardId: shard.shardId,
    sequenceNumber: record.SequenceNumber ?? '',
    partitionKey: record.PartitionKey ?? '',
  };
}

/** A record's data as text for its quarantine entry. */
function previewData(data: Uint8Array | undefined): string {
  return previewText(Buffer.from(data ?? new Uint8Array()).toString('utf8'));
}

/** The shard's checkpoint once `records` are stored: after the last of them. */
function nextCheckpoint(shard: ShardState, records: readonly _Record[]): ShardCheckpoint {
  return {
    stream: shard.stream,
    shardId: shard.shardId,
    sequenceNumber: records[records.length - 1].SequenceNumber as string,
    records: (shard.checkpoint?.records ?? 0) + records.length,
    updatedAt: new Date().toISOString(),
  };
}

function countBatch(stat: StreamStats, records: number, quarantined: number, stored: StoredBatch): void {
  stat.records += records;
  stat.rowsWritten += stored.rowsWritten;
  stat.duplicates += stored.duplicates;
  stat.invalid += stored.invalid;
  stat.quarantined += quarantined;
  stat.batches += 1;
  stat.tableRows = stored.tableRows;
}

function batchEvent(shard: ShardState, records: readonly _Record[], stored: StoredBatch): BatchEvent {
  return {
    table: shard.table,
    stream: shard.stream,
    shardId: shard.shardId,
    records: records.length,
    rowsWritten: stored.rowsWritten,
    storedAt: Date.now(),
    arrivals: records.map((r) => ({
      sequenceNumber: r.SequenceNumber ?? '',
      ...(r.ApproximateArrivalTimestamp ? { arrivedAt: r.ApproximateArrivalTimestamp.getTime() } : {}),
    })),
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
export function formatStreamStats(
  stats: Record<TableKey, StreamStats>,
  elapsedMs: number,
  previous?: Record<TableKey, number>,
): string[] {
  return Object.values(stats).map((s) => {
    const seconds = Math.max(elapsedMs, 1) / 1000;
    const rate = previous ? (s.records - (previous[s.table] ?? 0)) / seconds : s.records / seconds;
    return `${s.stream}: ${rate.toFixed(0)} records/s, ${s.records} read, ${s.rowsWritten} rows written to ${s.tableName} (${s.tableRows} in table), ${s.duplicates} duplicates, ${s.quarantined} quarantined, ${s.millisBehindLatest} ms behind latest`;
  });
}

/** Columns of `streamStatsFrame`, in order. */
export const STREAM_STATS_COLUMNS = [
  'stream',
  'tableName',
  'shards',
  'records',
  'rowsWritten',
  'duplicates',
  'invalid',
  'quarantined',
  'batches',
  'tableRows',
  'millisBehindLatest',
] as const;

/** The counters of each stream as a DataFrame (notebooks). */
export function streamStatsFrame(stats: Record<TableKey, StreamStats>): Frame {
  return rowsToFrame(Object.values(stats), STREAM_STATS_COLUMNS, {
    dtypes: ['string', 'string', 'int32', 'int32', 'int32', 'int32', 'int32', 'int32', 'int32', 'int32', 'int32'],
  });
}
