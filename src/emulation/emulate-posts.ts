import { setTimeout as sleep } from 'node:timers/promises';
import type { Names } from '../config';
import { describeError, PipelineError } from '../errors';
import type { Logger } from '../log';
import type { Progress } from '../progress';
import { withRetry, isRetriableError, type RetryOptions } from '../retry';
import type { RowSource } from '../source/row-source';
import { TABLES, type Post, type TableKey } from '../contract/tables';
import { isRetriableNetworkCode } from './http-client';
import { Ledger, reconciles, type EmulationSummary, type StopReason } from './ledger';
import { coursePacer, createTokenBucket, unlimitedPacer, type Pacer } from './pacing';
import { createQuarantine, type Quarantine } from './quarantine';
import { createPositionPicker, seededRandom, type Selection } from './select-positions';
import { Semaphore } from './semaphore';
import { serialiseRow } from './serialise-row';
import { isRecordRejection, type BatchTransport, type OutgoingRecord, type RecordAck, type RecordTransport, type StreamTransport } from './transport';

/** Retry limits of the emulation: about 30 s of back-off in the worst case before a record fails. */
export const EMULATION_RETRY: Pick<RetryOptions, 'retries' | 'baseDelayMs' | 'maxDelayMs'> = { retries: 10, baseDelayMs: 100, maxDelayMs: 5_000 };

export const DEFAULT_EMULATION_SEED = 42;

/** A record the server acknowledged, for callers that check where records landed. */
export interface AckedRecord extends RecordAck {
  table: TableKey;
  destination: string;
  /** The post's id, also the Kinesis partition key. */
  id: string;
  json: string;
}

/**
 * The run stopped because of an error no retry could fix (the source unreachable or refusing the
 * login, a topic or stream missing, ...). Thrown by `emulatePosts` after every request in flight
 * has ended, so `summary` says what was sent before; the message is one line saying what failed
 * and what to do (the cause's advice).
 */
export class EmulationFailedError extends PipelineError {
  readonly summary: EmulationSummary;

  constructor(summary: EmulationSummary, cause: unknown) {
    const acked = summary.tables.reduce((n, t) => n + t.acked, 0);
    super('EMULATION_FAILED', `the ${summary.path} path stopped after ${summary.posts.toLocaleString('en-US')} posts (${acked.toLocaleString('en-US')} records acknowledged): ${describeError(cause)}`, {
      cause,
      retriable: cause instanceof PipelineError && cause.retriable,
    });
    this.name = 'EmulationFailedError';
    this.summary = summary;
  }
}

/** What the two paths share; see `emulateBatch` and `emulateStream`. */
export interface EmulationRunOptions {
  source: RowSource;
  /** Topics and streams come from here (`loadConfig().names`). */
  names: Pick<Names, 'topics' | 'streams'>;
  /** Posts to send (each is three records); unset: until `durationMs` or `signal`. */
  count?: number;
  /** Stop reading new posts after this long. */
  durationMs?: number;
  /** Posts per second; unset or 0: as fast as the server acknowledges. */
  rate?: number;
  /** The course's pace: one post, then a random 0-1 s sleep (overrides `rate`). */
  coursePace?: boolean;
  /** `random` (default, the course's, repeats allowed) or `sequential` (wrapping around). */
  selection?: Selection;
  /** Seeds row selection and the course pace; 42 by default. */
  seed?: number;
  /** Records per request, capped by the transport's limit (500 for Kinesis). */
  batchSize?: number;
  /** Requests in flight at once; 4 by default. */
  concurrency?: number;
  /** Aborting stops reading; in-flight requests get `graceMs` to finish, then the summary is made. */
  signal?: AbortSignal;
  /** Aborting cuts in-flight requests at once (a second Ctrl-C); their records count as failed. */
  hardSignal?: AbortSignal;
  /** Bounded wait for in-flight requests after `signal`; 15 s by default. */
  graceMs?: number;
  /** A partly filled batch is sent rather than held longer than this while pacing; 200 ms by default. */
  lingerMs?: number;
  retry?: Partial<Pick<RetryOptions, 'retries' | 'baseDelayMs' | 'maxDelayMs' | 'random'>>;
  /** Where unsendable rows go; in memory when not given. */
  quarantine?: Quarantine;
  /** Updated as posts are read and records acknowledged; stopped at the end. */
  progress?: Progress;
  /** Told about every acknowledged record. */
  onAck?: (ack: AckedRecord) => void;
  log?: Logger;
}

/** Emulates users posting on the batch path: each row to `<user_id>.<table>` through the REST Proxy. */
export function emulateBatch(options: EmulationRunOptions & { transport: BatchTransport }): Promise<EmulationSummary> {
  return emulatePosts({ ...options, destinations: options.names.topics });
}

/** Emulates users posting on the streaming path: each row to `streaming-<user_id>-<table>` in Kinesis. */
export function emulateStream(options: EmulationRunOptions & { transport: StreamTransport }): Promise<EmulationSummary> {
  return emulatePosts({ ...options, destinations: options.names.streams });
}

/** A record waiting to be sent or resent. */
interface Pending {
  table: TableKey;
  id: string;
  row: unknown;
  record: OutgoingRecord;
  bytes: number;
}

interface OpenBatch {
  records: Pending[];
  bytes: number;
  since: number;
}

/**
 * The engine of both paths. Reads posts from the source (paced), serialises each row, quarantines
 * the ones that can never be sent, batches the rest per table within the transport's limits and
 * sends them with bounded concurrency. Failed requests and failed records inside a successful
 * answer are retried with back-off (only the failed records); a refused request is split in halves
 * until the refused record is alone, then quarantined. Every record read ends acknowledged,
 * quarantined or failed, and the summary says how many of each. An error that stops the run
 * (reading the source failed, a destination is missing) is thrown as an `EmulationFailedError`
 * carrying the summary: a run that could not read or send never looks like a finished one.
 */
export async function emulatePosts(options: Omit<EmulationRunOptions, 'names'> & { transport: RecordTransport; destinations: Record<TableKey, string> }): Promise<EmulationSummary> {
  const started = performance.now();
  const { transport, destinations, source } = options;
  const limits = transport.limits;
  const batchSize = Math.max(1, Math.min(options.batchSize ?? limits.maxRecords, limits.maxRecords));
  const concurrency = Math.max(1, options.concurrency ?? 4);
  const graceMs = options.graceMs ?? 15_000;
  const lingerMs = options.lingerMs ?? 200;
  const seed = options.seed ?? DEFAULT_EMULATION_SEED;
  const quarantine = options.quarantine ?? createQuarantine();
  const ledger = new Ledger(destinations);
  const retry = { ...EMULATION_RETRY, ...options.retry };

  const stopReading = new AbortController();
  const hardStop = new AbortController();
  let stoppedBy: StopReason | undefined;
  let fatal: unknown;
  const stop = (reason: StopReason) => {
    if (stoppedBy) return;
    stoppedBy = reason;
    stopReading.abort(new PipelineError('STOPPED', `stopped by ${reason}`));
  };
  let graceTimer: NodeJS.Timeout | undefined;
  const onSignal = () => {
    stop('signal');
    graceTimer ??= setTimeout(() => hardStop.abort(new PipelineError('STOPPED', `in-flight requests did not finish within ${graceMs} ms of the stop`)), graceMs);
  };
  if (options.signal?.aborted) onSignal();
  else options.signal?.addEventListener('abort', onSignal, { once: true });
  const onHardSignal = () => {
    stop('signal');
    hardStop.abort(new PipelineError('STOPPED', 'in-flight requests were cut off'));
  };
  if (options.hardSignal?.aborted) onHardSignal();
  else options.hardSignal?.addEventListener('abort', onHardSignal, { once: true });
  const durationTimer = options.durationMs !== undefined ? setTimeout(() => stop('duration'), options.durationMs) : undefined;

  let postsRead = 0;
  const reportProgress = () => {
    const t = ledger.totals();
    const fields = { acked: t.acked, retried: t.retried, quarantined: t.quarantined, failed: t.failed };
    if (options.count === undefined) options.progress?.setTotal(postsRead);
    options.progress?.update(postsRead, fields);
  };

  const quarantineRecord = (p: Pick<Pending, 'table' | 'id' | 'row'>, reason: string) => {
    ledger.quarantined(p.table, reason);
    quarantine.add({ table: p.table, destination: destinations[p.table], id: p.id, reason, row: p.row });
  };

  const failRecords = (table: TableKey, records: readonly Pending[], reason: string) => {
    if (records.length) ledger.failed(table, reason, records.length);
  };

  /** Sends `records` to the table's destination until each is acknowledged, quarantined or failed. */
  const deliver = async (table: TableKey, records: Pending[]): Promise<void> => {
    const destination = destinations[table];
    let pending = records;
    try {
      await withRetry(async () => {
        const outcomes = await transport.send(destination, pending.map((p) => p.record), hardStop.signal);
        const again: Pending[] = [];
        const reasons = new Set<string>();
        outcomes.forEach((outcome, i) => {
          const p = pending[i];
          if (outcome.ok) {
            ledger.acked(table);
            options.onAck?.({ ...outcome, table, destination, id: p.id, json: p.record.json });
          } else if (outcome.retriable) {
            again.push(p);
            reasons.add(outcome.reason);
          } else {
            quarantineRecord(p, `refused by ${destination}: ${outcome.reason}`);
          }
        });
        pending = again;
        reportProgress();
        if (again.length) {
          throw new PipelineError('RECORDS_FAILED', `${again.length} of ${outcomes.length} records failed in ${destination}: ${[...reasons].join('; ')}`, { retriable: true });
        }
      }, { ...retry, signal: hardStop.signal, isRetriable: isRetriableError, onRetry: () => ledger.retried(table, pending.length) });
    } catch (error) {
      if (isRecordRejection(error)) {
        if (pending.length === 1) {
          quarantineRecord(pending[0], describeError(error));
          return;
        }
        // Split the refused batch to isolate the record(s) the server refuses.
        ledger.retried(table, pending.length);
        const middle = Math.ceil(pending.length / 2);
        const [left, right] = [pending.slice(0, middle), pending.slice(middle)];
        await deliver(table, left);
        await deliver(table, right);
        return;
      }
      if (hardStop.signal.aborted) {
        failRecords(table, pending, `not acknowledged before the stop: ${describeError(hardStop.signal.reason)}`);
        return;
      }
      if (!(error instanceof PipelineError && error.retriable)) {
        fatal ??= error;
        stop('fatal');
      }
      failRecords(table, pending, describeError(error));
    } finally {
      reportProgress();
    }
  };

  // Batches being filled, one per table, and the requests in flight.
  const slots = new Semaphore(concurrency);
  const inFlight = new Set<Promise<void>>();
  const buffers = new Map<TableKey, OpenBatch>(TABLES.map((t) => [t, { records: [], bytes: 0, since: 0 }]));

  const dispatch = async (table: TableKey) => {
    const batch = buffers.get(table) as OpenBatch;
    if (batch.records.length === 0) return;
    buffers.set(table, { records: [], bytes: 0, since: 0 });
    try {
      await slots.acquire(hardStop.signal);
    } catch (error) {
      failRecords(table, batch.records, `never sent: ${describeError(error)}`);
      return;
    }
    ledger.sent(table, batch.records.length);
    const job: Promise<void> = deliver(table, batch.records).finally(() => {
      slots.release();
      inFlight.delete(job);
    });
    inFlight.add(job);
  };
  const flushAll = async () => {
    for (const table of TABLES) await dispatch(table);
  };
  const oldestAge = () => {
    const now = performance.now();
    let age = 0;
    for (const b of buffers.values()) if (b.records.length) age = Math.max(age, now - b.since);
    return age;
  };

  const enqueue = async (p: Pending) => {
    let batch = buffers.get(p.table) as OpenBatch;
    if (batch.records.length >= batchSize || batch.bytes + p.bytes > limits.maxRequestBytes) {
      await dispatch(p.table);
      batch = buffers.get(p.table) as OpenBatch;
    }
    if (batch.records.length === 0) batch.since = performance.now();
    batch.records.push(p);
    batch.bytes += p.bytes;
    if (batch.records.length >= batchSize) await dispatch(p.table);
  };

  /** The post's rows as records; rows that cannot be serialised or are too large go to quarantine. */
  const encodePost = (post: Post, position: number): Pending[] => {
    const out: Pending[] = [];
    for (const table of TABLES) {
      const row = post[table] as unknown as Record<string, unknown>;
      ledger.read(table);
      const rawId = row?.[table === 'pin' ? 'index' : 'ind'];
      const id = rawId === undefined || rawId === null || rawId === '' ? String(position) : String(rawId);
      const serialised = serialiseRow(row);
      if (!serialised.ok) {
        quarantineRecord({ table, id, row }, serialised.reason);
        continue;
      }
      const record = { json: serialised.json, key: id };
      const bytes = transport.recordBytes(record);
      if (bytes > limits.maxRecordBytes) {
        quarantineRecord({ table, id, row }, `oversized: ${bytes.toLocaleString('en-US')} bytes, over the ${limits.maxRecordBytes.toLocaleString('en-US')}-byte limit per record`);
        continue;
      }
      out.push({ table, id, row, record, bytes });
    }
    return out;
  };

  const readPosts = (positions: number[]) => withRetry(() => source.postsAt(positions), {
    ...retry,
    signal: stopReading.signal,
    isRetriable: (error) => isRetriableError(error) || isRetriableNetworkCode((error as NodeJS.ErrnoException)?.code) || (error as NodeJS.ErrnoException)?.code === 'PROTOCOL_CONNECTION_LOST',
    onRetry: (error) => options.log?.warn(`reading posts failed, retrying: ${describeError(error)}`),
  });

  try {
    const rows = await source.count();
    if (rows <= 0) throw new PipelineError('SOURCE_EMPTY', `${source.description} holds no posts; seed it first (npm run db:seed)`);
    const picker = createPositionPicker(options.selection ?? 'random', rows, seededRandom(seed));
    const pacer: Pacer = options.coursePace
      ? coursePacer(seededRandom(seed ^ 0x5eed))
      : options.rate ? createTokenBucket(options.rate, { maxChunk: batchSize }) : unlimitedPacer(batchSize);
    let consumed = 0;
    while (!stopReading.signal.aborted) {
      if (options.count !== undefined && consumed >= options.count) {
        stop('count');
        break;
      }
      const n = Math.min(pacer.chunk, options.count === undefined ? Infinity : options.count - consumed);
      const waitMs = pacer.reserve(n);
      if (waitMs > 0) {
        if (oldestAge() + waitMs >= lingerMs) await flushAll();
        const slept = await sleep(waitMs, true, { signal: stopReading.signal }).catch((error: unknown) => {
          if (stopReading.signal.aborted) return false;
          throw error;
        });
        if (!slept) break;
      }
      const positions = picker.next(n);
      const posts = await readPosts(positions);
      consumed += n;
      for (let i = 0; i < posts.length; i++) {
        postsRead += 1;
        for (const p of encodePost(posts[i], positions[i])) await enqueue(p);
      }
      reportProgress();
    }
  } catch (error) {
    // An error after the stop is the aborted read or sleep; the stop reason already explains it.
    if (!stopReading.signal.aborted) {
      fatal ??= error;
      stop('fatal');
    }
  }

  await flushAll();
  while (inFlight.size) await Promise.all([...inFlight]);

  clearTimeout(durationTimer);
  clearTimeout(graceTimer);
  options.signal?.removeEventListener('abort', onSignal);
  options.hardSignal?.removeEventListener('abort', onHardSignal);
  reportProgress();
  options.progress?.stop();

  const tables = ledger.snapshot();
  const elapsedMs = performance.now() - started;
  const totals = ledger.totals();
  const reconciled = reconciles(tables);
  const summary: EmulationSummary = {
    path: transport.path,
    transport: transport.description,
    source: source.description,
    tables,
    posts: postsRead,
    elapsedMs,
    postsPerSecond: elapsedMs > 0 ? (totals.acked + totals.quarantined) / TABLES.length / (elapsedMs / 1000) : 0,
    stoppedBy: stoppedBy ?? 'count',
    reconciled,
    ok: reconciled && totals.failed === 0 && fatal === undefined,
    reasons: ledger.reasons(),
    ...(quarantine.file ? { quarantineFile: quarantine.file } : {}),
    ...(fatal !== undefined ? { fatalError: describeError(fatal) } : {}),
  };
  if (fatal !== undefined) throw new EmulationFailedError(summary, fatal);
  return summary;
}
