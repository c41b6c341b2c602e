/**
 * The sending half of the emulation (emulate-posts.ts reads the posts): records are batched per
 * table within the transport's limits and sent with bounded concurrency. Failed requests and failed
 * records inside a successful answer are retried with back-off (only the failed records); a refused
 * request is split in halves until the refused record is alone, then quarantined. Every record
 * handed over ends acknowledged, quarantined or failed in the ledger.
 */
import { describeError, PipelineError } from '../errors';
import { withRetry, type RetryOptions } from '../retry';
import { TABLES, type TableKey } from '../contract/tables';
import type { Ledger } from './ledger';
// p-limit 3, its last CommonJS major: 4 and later are ESM-only, which this CommonJS TypeScript cannot import.
import pLimit from 'p-limit';
import {
  isRecordRejection,
  type OutgoingRecord,
  type RecordAck,
  type RecordOutcome,
  type RecordTransport,
} from './transport';

/** A record the server acknowledged, for callers that check where records landed. */
export interface AckedRecord extends RecordAck {
  table: TableKey;
  destination: string;
  /** The post's id, also the Kinesis partition key. */
  id: string;
  json: string;
}

/** A record waiting to be sent or resent. */
export interface Pending {
  table: TableKey;
  id: string;
  row: unknown;
  record: OutgoingRecord;
  bytes: number;
}

/** The batch being filled for one table. */
interface OpenBatch {
  records: Pending[];
  bytes: number;
  since: number;
}

const emptyBatch = (): OpenBatch => ({ records: [], bytes: 0, since: 0 });

export interface RecordSenderOptions {
  transport: RecordTransport;
  destinations: Record<TableKey, string>;
  ledger: Ledger;
  /** Records per request, at most the transport's limit. */
  batchSize: number;
  /** Requests in flight at once. */
  concurrency: number;
  retry: Pick<RetryOptions, 'retries' | 'baseDelayMs' | 'maxDelayMs' | 'random'>;
  /** Aborting cuts the requests in flight; their records count as failed. */
  hardStop: AbortSignal;
  /** Sets a record aside for good, with the reason (and counts it). */
  quarantine(record: Pick<Pending, 'table' | 'id' | 'row'>, reason: string): void;
  /** Told about an error no retry can fix; the run should stop reading. */
  onFatal(error: unknown): void;
  /** Told after every answer, to update the progress. */
  onProgress(): void;
  onAck?: (ack: AckedRecord) => void;
}

/** Batches, sends and resends records; see the module comment. */
export class RecordSender {
  /** Bounds the requests in flight (p-limit, kept and maintained, instead of a semaphore by hand). */
  private readonly limit: pLimit.Limit;
  private readonly inFlight = new Set<Promise<void>>();
  private readonly buffers = new Map<TableKey, OpenBatch>(TABLES.map((t) => [t, emptyBatch()]));

  constructor(private readonly options: RecordSenderOptions) {
    if (!Number.isInteger(options.concurrency) || options.concurrency < 1)
      throw new RangeError(`concurrency must be a whole number >= 1, got ${options.concurrency}`);
    this.limit = pLimit(options.concurrency);
  }

  /** Adds a record to its table's batch; a batch that is full (records or bytes) is sent. */
  async enqueue(p: Pending): Promise<void> {
    const { batchSize, transport } = this.options;
    let batch = this.buffers.get(p.table) as OpenBatch;
    if (batch.records.length >= batchSize || batch.bytes + p.bytes > transport.limits.maxRequestBytes) {
      await this.dispatch(p.table);
      batch = this.buffers.get(p.table) as OpenBatch;
    }
    if (batch.records.length === 0) batch.since = performance.now();
    batch.records.push(p);
    batch.bytes += p.bytes;
    if (batch.records.length >= batchSize) await this.dispatch(p.table);
  }

  /** Sends every partly filled batch. */
  async flushAll(): Promise<void> {
    for (const table of TABLES) await this.dispatch(table);
  }

  /** How long the oldest record waiting in a batch has waited, in ms. */
  oldestAge(): number {
    const now = performance.now();
    let age = 0;
    for (const b of this.buffers.values()) if (b.records.length) age = Math.max(age, now - b.since);
    return age;
  }

  /** Sends what is left and waits until no request is in flight. */
  async finish(): Promise<void> {
    await this.flushAll();
    while (this.inFlight.size) await Promise.all([...this.inFlight]);
  }

  /** Queues the table's batch for a request slot and resolves once it has one (so reading waits while every slot is busy). */
  private async dispatch(table: TableKey): Promise<void> {
    const batch = this.buffers.get(table) as OpenBatch;
    if (batch.records.length === 0) return;
    this.buffers.set(table, emptyBatch());
    const { hardStop } = this.options;
    if (hardStop.aborted) return this.fail(table, batch.records, `never sent: ${describeError(hardStop.reason)}`);
    let started!: () => void;
    const slot = new Promise<void>((resolve) => (started = resolve));
    const job: Promise<void> = this.limit(async () => {
      started();
      // A batch still waiting for a slot at the hard stop is never sent.
      if (hardStop.aborted) return this.fail(table, batch.records, `never sent: ${describeError(hardStop.reason)}`);
      this.options.ledger.sent(table, batch.records.length);
      await this.deliver(table, batch.records);
    }).finally(() => this.inFlight.delete(job));
    this.inFlight.add(job);
    await slot;
  }

  /** Sends `records` to the table's destination until each is acknowledged, quarantined or failed. */
  private async deliver(table: TableKey, records: Pending[]): Promise<void> {
    const { transport, destinations, ledger, retry, hardStop } = this.options;
    const destination = destinations[table];
    let pending = records;
    try {
      await withRetry(
        async () => {
          const outcomes = await transport.send(
            destination,
            pending.map((p) => p.record),
            hardStop,
          );
          const again = this.settle(table, pending, outcomes);
          pending = again.records;
          this.options.onProgress();
          if (pending.length) {
            throw new PipelineError(
              'RECORDS_FAILED',
              `${pending.length} of ${outcomes.length} records failed in ${destination}: ${again.reasons.join('; ')}`,
              { retriable: true },
            );
          }
        },
        { ...retry, signal: hardStop, onRetry: () => ledger.retried(table, pending.length) },
      );
    } catch (error) {
      await this.undelivered(table, pending, error);
    } finally {
      this.options.onProgress();
    }
  }

  /** Acknowledges or quarantines each record by its outcome; returns the ones to send again, with why they failed. */
  private settle(
    table: TableKey,
    pending: readonly Pending[],
    outcomes: readonly RecordOutcome[],
  ): { records: Pending[]; reasons: string[] } {
    const destination = this.options.destinations[table];
    const again: Pending[] = [];
    const reasons = new Set<string>();
    outcomes.forEach((outcome, i) => {
      const p = pending[i];
      if (outcome.ok) {
        this.options.ledger.acked(table);
        this.options.onAck?.({ ...outcome, table, destination, id: p.id, json: p.record.json });
      } else if (outcome.retriable) {
        again.push(p);
        reasons.add(outcome.reason);
      } else {
        this.options.quarantine(p, `refused by ${destination}: ${outcome.reason}`);
      }
    });
    return { records: again, reasons: [...reasons] };
  }

  /** Records the retries did not get through: a refused request is split, the rest fail (and a lasting error stops the run). */
  private async undelivered(table: TableKey, pending: Pending[], error: unknown): Promise<void> {
    const { hardStop } = this.options;
    if (isRecordRejection(error)) return this.splitRefused(table, pending, error);
    if (hardStop.aborted)
      return this.fail(table, pending, `not acknowledged before the stop: ${describeError(hardStop.reason)}`);
    if (!(error instanceof PipelineError && error.retriable)) this.options.onFatal(error);
    this.fail(table, pending, describeError(error));
  }

  /** Splits a refused request in halves to isolate the record(s) the server refuses; a refused record alone is quarantined. */
  private async splitRefused(table: TableKey, pending: Pending[], error: unknown): Promise<void> {
    if (pending.length === 1) {
      this.options.quarantine(pending[0], describeError(error));
      return;
    }
    this.options.ledger.retried(table, pending.length);
    const middle = Math.ceil(pending.length / 2);
    await this.deliver(table, pending.slice(0, middle));
    await this.deliver(table, pending.slice(middle));
  }

  private fail(table: TableKey, records: readonly Pending[], reason: string): void {
    if (records.length) this.options.ledger.failed(table, reason, records.length);
  }
}
