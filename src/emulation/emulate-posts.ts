import { setTimeout as sleep } from 'node:timers/promises';
import type { Names } from '../config';
import { describeError, PipelineError } from '../errors';
import type { Logger } from '../log';
import type { Progress } from '../progress';
import { createQuarantineWriter, cutPreview, type QuarantineEntry } from '../quarantine';
import { withRetry, type RetryOptions } from '../retry';
import type { RowSource } from '../source/row-source';
import { rowId } from '../contract/raw-rules';
import { TABLES, type Post, type TableKey } from '../contract/tables';
import { Ledger, reconciles, type EmulationSummary, type StopReason } from './ledger';
import { coursePacer, createTokenBucket, unlimitedPacer, type Pacer } from './pacing';
import { DEFAULT_EMULATION_SEED } from './defaults';
import { createPositionPicker, seededRandom, type PositionPicker, type Selection } from './select-positions';
import { RecordSender, type AckedRecord, type Pending, type RecordSenderOptions } from './send-records';
import { readableRow, serialiseRow } from './serialise-row';
import type { BatchTransport, RecordTransport, StreamTransport } from './transport';

export type { AckedRecord };

/** Retry limits of the emulation: about 30 s of back-off in the worst case before a record fails. */
export const EMULATION_RETRY: Pick<RetryOptions, 'retries' | 'baseDelayMs' | 'maxDelayMs'> = {
  retries: 10,
  baseDelayMs: 100,
  maxDelayMs: 5_000,
};

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
    super(
      'EMULATION_FAILED',
      `the ${summary.path} path stopped after ${summary.posts.toLocaleString('en-US')} posts (${acked.toLocaleString('en-US')} records acknowledged): ${describeError(cause)}`,
      {
        cause,
        retriable: cause instanceof PipelineError && cause.retriable,
      },
    );
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
  quarantine?: EmulationQuarantine;
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
export function emulateStream(
  options: EmulationRunOptions & { transport: StreamTransport },
): Promise<EmulationSummary> {
  return emulatePosts({ ...options, destinations: options.names.streams });
}

/** One line of an emulation quarantine file: a row that can never be sent. */
export type EmulationQuarantineEntry = QuarantineEntry<
  {
    table: TableKey;
    /** Topic or stream the row was meant for. */
    destination: string;
    /** The post's id (`index` / `ind`). */
    id: string;
  },
  {
    /** The row, or its first `PREVIEW_CHARS` characters of JSON text (ending in "…") when larger. */
    row: unknown;
    /** Characters of the full row's JSON when `row` was truncated. */
    rowChars?: number;
  }
>;

/** Rows that can never be sent, kept with the reason so nothing disappears silently. */
export interface EmulationQuarantine {
  /** The JSON-lines file, or undefined when entries are only kept in memory. */
  readonly file: string | undefined;
  readonly count: number;
  add(entry: Omit<EmulationQuarantineEntry, 'row' | 'rowChars'> & { row: unknown }): void;
  /** The entries of this run (the last 1,000 when more). */
  entries(): readonly EmulationQuarantineEntry[];
  close(): void;
}

/**
 * The emulation's quarantine, writing JSON lines to `file` (a fresh file: emptied when the run
 * starts, so it describes the latest run), e.g. `output/quarantine/emulation-batch.jsonl`; without
 * a file the entries are only kept in memory (tests, notebooks).
 */
export function createQuarantine(file?: string): EmulationQuarantine {
  const writer = createQuarantineWriter<EmulationQuarantineEntry>(file, 'fresh');
  return {
    file,
    get count() {
      return writer.count;
    },
    add: ({ table, destination, id, reason, row }) =>
      writer.add({ table, destination, id, reason, ...rowPreview(row) }),
    entries: () => writer.entries(),
    close: () => writer.close(),
  };
}

/** Any row made readable (`readableRow`: BigInt as text, circular references marked), cut like every quarantine preview. */
function rowPreview(row: unknown): Pick<EmulationQuarantineEntry, 'row' | 'rowChars'> {
  const readable = readableRow(row);
  const preview = cutPreview(JSON.stringify(readable));
  return preview.truncated ? { row: `${preview.text}…`, rowChars: preview.chars } : { row: readable };
}

/** What `emulatePosts` takes: the options of either path, its transport and the destination of each table. */
type EmulatePostsOptions = Omit<EmulationRunOptions, 'names'> & {
  transport: RecordTransport;
  destinations: Record<TableKey, string>;
};

/**
 * The engine of both paths. Reads posts from the source (paced), serialises each row, quarantines
 * the ones that can never be sent, and hands the rest to a `RecordSender` (send-records.ts), which
 * batches them per table within the transport's limits, sends them with bounded concurrency and
 * retries or splits what fails. Every record read ends acknowledged, quarantined or failed, and the
 * summary says how many of each. An error that stops the run (reading the source failed, a
 * destination is missing) is thrown as an `EmulationFailedError` carrying the summary: a run that
 * could not read or send never looks like a finished one.
 */
export async function emulatePosts(options: EmulatePostsOptions): Promise<EmulationSummary> {
  const run = new EmulationRun(options);
  await run.readPosts();
  await run.sender.finish();
  run.end();
  const summary = run.summary();
  if (run.fatal !== undefined) throw new EmulationFailedError(summary, run.fatal);
  return summary;
}

/** One run of `emulatePosts`: its settings, counters and stop state, and the steps it goes through. */
class EmulationRun {
  readonly sender: RecordSender;
  private readonly started = performance.now();
  private readonly batchSize: number;
  private readonly graceMs: number;
  private readonly lingerMs: number;
  private readonly retry: RecordSenderOptions['retry'];
  private readonly quarantine: EmulationQuarantine;
  private readonly ledger: Ledger;
  /** Aborted by any stop: no new posts are read. */
  private readonly stopReading = new AbortController();
  /** Aborted by a second stop or when the grace period ends: requests in flight are cut. */
  private readonly hardStop = new AbortController();
  private stoppedBy: StopReason | undefined;
  private graceTimer: NodeJS.Timeout | undefined;
  private durationTimer: NodeJS.Timeout | undefined;
  private postsRead = 0;
  private fatalError: unknown;

  constructor(private readonly options: EmulatePostsOptions) {
    const { limits } = options.transport;
    this.batchSize = Math.max(1, Math.min(options.batchSize ?? limits.maxRecords, limits.maxRecords));
    this.graceMs = options.graceMs ?? 15_000;
    this.lingerMs = options.lingerMs ?? 200;
    this.quarantine = options.quarantine ?? createQuarantine();
    this.ledger = new Ledger(options.destinations);
    this.retry = { ...EMULATION_RETRY, ...options.retry };
    this.sender = new RecordSender({
      transport: options.transport,
      destinations: options.destinations,
      ledger: this.ledger,
      batchSize: this.batchSize,
      concurrency: Math.max(1, options.concurrency ?? 4),
      retry: this.retry,
      hardStop: this.hardStop.signal,
      quarantine: (record, reason) => this.quarantineRecord(record, reason),
      onFatal: (error) => this.failWith(error),
      onProgress: () => this.reportProgress(),
      ...(options.onAck ? { onAck: options.onAck } : {}),
    });
    this.listenForStops();
  }

  /** The error that stopped the run, if one did. */
  get fatal(): unknown {
    return this.fatalError;
  }

  /** Reads posts at the pace asked for and hands their records to the sender, until a stop. */
  async readPosts(): Promise<void> {
    const { count } = this.options;
    try {
      const { picker, pacer } = await this.planReading();
      let consumed = 0;
      while (!this.stopReading.signal.aborted) {
        if (count !== undefined && consumed >= count) {
          this.stop('count');
          break;
        }
        const n = Math.min(pacer.chunk, count === undefined ? Infinity : count - consumed);
        if (!(await this.waitForPace(pacer.reserve(n)))) break;
        await this.readChunk(picker.next(n));
        consumed += n;
      }
    } catch (error) {
      // An error after the stop is the aborted read or sleep; the stop reason already explains it.
      if (!this.stopReading.signal.aborted) this.failWith(error);
    }
  }

  /** Stops the timers, the stop listeners and the progress display. */
  end(): void {
    clearTimeout(this.durationTimer);
    clearTimeout(this.graceTimer);
    this.options.signal?.removeEventListener('abort', this.onSignal);
    this.options.hardSignal?.removeEventListener('abort', this.onHardSignal);
    this.reportProgress();
    this.options.progress?.stop();
  }

  /** The counters, the stop reason and the error that stopped the run, if one did. */
  summary(): EmulationSummary {
    const { transport, source } = this.options;
    const tables = this.ledger.snapshot();
    const elapsedMs = performance.now() - this.started;
    const totals = this.ledger.totals();
    const reconciled = reconciles(tables);
    return {
      path: transport.path,
      transport: transport.description,
      source: source.description,
      tables,
      posts: this.postsRead,
      elapsedMs,
      postsPerSecond: elapsedMs > 0 ? (totals.acked + totals.quarantined) / TABLES.length / (elapsedMs / 1000) : 0,
      stoppedBy: this.stoppedBy ?? 'count',
      reconciled,
      ok: reconciled && totals.failed === 0 && this.fatalError === undefined,
      reasons: this.ledger.reasons(),
      ...(this.quarantine.file ? { quarantineFile: this.quarantine.file } : {}),
      ...(this.fatalError !== undefined ? { fatalError: describeError(this.fatalError) } : {}),
    };
  }

  /** `signal` stops reading and gives requests in flight `graceMs`; `hardSignal` and `durationMs` stop too. */
  private listenForStops(): void {
    const { signal, hardSignal, durationMs } = this.options;
    if (signal?.aborted) this.onSignal();
    else signal?.addEventListener('abort', this.onSignal, { once: true });
    if (hardSignal?.aborted) this.onHardSignal();
    else hardSignal?.addEventListener('abort', this.onHardSignal, { once: true });
    if (durationMs !== undefined) this.durationTimer = setTimeout(() => this.stop('duration'), durationMs);
  }

  private readonly onSignal = () => {
    this.stop('signal');
    this.graceTimer ??= setTimeout(
      () =>
        this.hardStop.abort(
          new PipelineError('STOPPED', `in-flight requests did not finish within ${this.graceMs} ms of the stop`),
        ),
      this.graceMs,
    );
  };

  private readonly onHardSignal = () => {
    this.stop('signal');
    this.hardStop.abort(new PipelineError('STOPPED', 'in-flight requests were cut off'));
  };

  private stop(reason: StopReason): void {
    if (this.stoppedBy) return;
    this.stoppedBy = reason;
    this.stopReading.abort(new PipelineError('STOPPED', `stopped by ${reason}`));
  }

  private failWith(error: unknown): void {
    this.fatalError ??= error;
    this.stop('fatal');
  }

  /** Which rows to read (random or sequential) and at what pace, once the source is known to hold posts. */
  private async planReading(): Promise<{ picker: PositionPicker; pacer: Pacer }> {
    const { source, selection, coursePace, rate } = this.options;
    const seed = this.options.seed ?? DEFAULT_EMULATION_SEED;
    const rows = await source.count();
    if (rows <= 0)
      throw new PipelineError('SOURCE_EMPTY', `${source.description} holds no posts; seed it first (npm run db:seed)`);
    const picker = createPositionPicker(selection ?? 'random', rows, seededRandom(seed));
    const pacer: Pacer = coursePace
      ? coursePacer(seededRandom(seed ^ 0x5eed))
      : rate
        ? createTokenBucket(rate, { maxChunk: this.batchSize })
        : unlimitedPacer(this.batchSize);
    return { picker, pacer };
  }

  /** Waits `waitMs` for the pace, first sending batches that would wait longer than `lingerMs`; false when stopped meanwhile. */
  private async waitForPace(waitMs: number): Promise<boolean> {
    if (waitMs <= 0) return true;
    if (this.sender.oldestAge() + waitMs >= this.lingerMs) await this.sender.flushAll();
    return sleep(waitMs, true, { signal: this.stopReading.signal }).catch((error: unknown) => {
      if (this.stopReading.signal.aborted) return false;
      throw error;
    });
  }

  /** Reads the posts at `positions` (retrying what may pass later) and hands their records to the sender. */
  private async readChunk(positions: number[]): Promise<void> {
    const posts = await withRetry(() => this.options.source.postsAt(positions), {
      ...this.retry,
      signal: this.stopReading.signal,
      onRetry: (error) => this.options.log?.warn(`reading posts failed, retrying: ${describeError(error)}`),
    });
    for (let i = 0; i < posts.length; i++) {
      this.postsRead += 1;
      for (const p of this.encodePost(posts[i], positions[i])) await this.sender.enqueue(p);
    }
    this.reportProgress();
  }

  /** The post's rows as records; rows that cannot be serialised or are too large go to quarantine. */
  private encodePost(post: Post, position: number): Pending[] {
    const { transport } = this.options;
    const out: Pending[] = [];
    for (const table of TABLES) {
      const row = post[table] as unknown as Record<string, unknown>;
      this.ledger.read(table);
      const rawId = rowId(table, row);
      const id = rawId === undefined || rawId === null || rawId === '' ? String(position) : String(rawId);
      const serialised = serialiseRow(row);
      if (!serialised.ok) {
        this.quarantineRecord({ table, id, row }, serialised.reason);
        continue;
      }
      const record = { json: serialised.json, key: id };
      const bytes = transport.recordBytes(record);
      if (bytes > transport.limits.maxRecordBytes) {
        this.quarantineRecord(
          { table, id, row },
          `oversized: ${bytes.toLocaleString('en-US')} bytes, over the ${transport.limits.maxRecordBytes.toLocaleString('en-US')}-byte limit per record`,
        );
        continue;
      }
      out.push({ table, id, row, record, bytes });
    }
    return out;
  }

  private quarantineRecord(p: Pick<Pending, 'table' | 'id' | 'row'>, reason: string): void {
    this.ledger.quarantined(p.table, reason);
    this.quarantine.add({
      table: p.table,
      destination: this.options.destinations[p.table],
      id: p.id,
      reason,
      row: p.row,
    });
  }

  private reportProgress(): void {
    const t = this.ledger.totals();
    const fields = { acked: t.acked, retried: t.retried, quarantined: t.quarantined, failed: t.failed };
    if (this.options.count === undefined) this.options.progress?.setTotal(this.postsRead);
    this.options.progress?.update(this.postsRead, fields);
  }
}
