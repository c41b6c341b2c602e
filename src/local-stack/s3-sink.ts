import { HeadObjectCommand, PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { mkdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { sinkObjectKey } from '../contract/sink-object';
import { describeError, hasErrorCode, PipelineError } from '../errors';
import { createLogger, type Logger } from '../log';
import { withRetry, type RetryOptions } from '../retry';
import { writeFileAtomic, type StoredRecord, type TopicStore } from './topic-store';

/**
 * A stand-in for the course's MSK Connect Confluent S3 sink (PIPELINE_SPEC.md §4): it copies
 * every topic matching `topics.regex` (a full match, as Java's `Pattern.matches`) to
 * `s3://<bucket>/topics/<topic>/partition=<p>/<topic>+<p>+<startOffset, 10 digits>.json`, each
 * object holding `flush.size` record values as JSON lines (JsonFormat with JsonConverter and
 * `schemas.enable=false`: one compact JSON value per line, each followed by "\n").
 *
 * Flushing: an object is written as soon as `flushSize` records are waiting; fewer records are
 * written as a partial object once the oldest of them is `rotateIntervalMs` old (wall-clock, like
 * Confluent's `rotate.schedule.interval.ms`), so a quiet topic is still copied promptly.
 *
 * Exactly once: an object's key is fixed by its first offset, and the next offset to copy of each
 * partition is committed to `<stateDir>/s3-sink-<bucket>.json` (atomic write + fsync) only after
 * every object below it is in S3. Uploads of one partition run in parallel only while they are
 * whole (`flushSize` records), and nothing starts after a partial object until that one is
 * committed, so after a crash the objects above the committed offset are a contiguous chain. On
 * start each partition follows that chain with HeadObject (objects carry `record-count` and
 * `topic-id` metadata) and adopts what is already there instead of writing it again; anything it
 * does rewrite goes to the same key with at least the same records, so no record is ever in two
 * objects. S3 errors are retried with back-off (`withRetry`); when the retries are spent the
 * partition pauses and tries again later: the sink never stops on S3 errors.
 */

export interface S3SinkOptions {
  store: TopicStore;
  /** Created by the caller (`createS3Client`). */
  s3: S3Client;
  bucket: string;
  /** `topics.regex`: topics whose whole name matches are copied, also ones created later. */
  topicsRegex: string;
  /** `flush.size`: records per object (default 1, as in the course). */
  flushSize?: number;
  /** A partial object is written once its oldest record is this old (default 1000 ms). */
  rotateIntervalMs?: number;
  /** Folder of the committed-offsets file. */
  stateDir: string;
  /** How often to look for new topics and due rotations without being woken (default 500 ms). */
  pollIntervalMs?: number;
  /** Uploads in flight across all partitions (default 8). */
  maxConcurrentUploads?: number;
  /** Offsets of uploads finishing within this many ms are saved with one state write (default 50). */
  commitIntervalMs?: number;
  /** Back-off of one upload; when spent, the partition pauses `pauseAfterFailureMs` (default 5000). */
  retry?: RetryOptions;
  pauseAfterFailureMs?: number;
  logger?: Logger;
}

/** A running sink. */
export interface S3Sink {
  /** Stops copying: cancels uploads in flight (they are redone after a restart) and saves the offsets. */
  stop(): Promise<void>;
  /** Resolves when every record currently in matching topics is in S3 (default timeout 30 s). */
  drain(timeoutMs?: number): Promise<void>;
  /**
   * Since start: objects and records written; now: records not yet committed (`lag`) and the
   * committed next offset per partition, keyed `<topic>-<partition>` as Kafka prints them.
   */
  stats(): { objectsWritten: number; recordsWritten: number; lag: number; committed: Record<string, number> };
}

/**
 * One record value as the JsonFormat line: compact JSON. Byte values (the REST Proxy's binary
 * format) that hold UTF-8 JSON are written as that JSON, as JsonConverter would read them; other
 * bytes as a base64 JSON string, as Jackson writes a `byte[]`.
 */
export function formatSinkValue(value: unknown): string {
  if (value instanceof Uint8Array) {
    const bytes = Buffer.from(value.buffer, value.byteOffset, value.byteLength);
    try {
      return JSON.stringify(JSON.parse(bytes.toString('utf8')));
    } catch (error) {
      if (!(error instanceof SyntaxError)) throw error;
      return JSON.stringify(bytes.toString('base64'));
    }
  }
  return JSON.stringify(value ?? null) ?? 'null';
}

/**
 * `topics.regex` as the sink applies it: a topic is copied when its whole name matches (Java's
 * `Pattern.matches`). SINK_CONFIG_INVALID when it is not a regular expression.
 */
export function compileTopicsRegex(topicsRegex: string): RegExp {
  try {
    return new RegExp(`^(?:${topicsRegex})$`);
  } catch (error) {
    throw new PipelineError(
      'SINK_CONFIG_INVALID',
      `topics.regex ${JSON.stringify(topicsRegex)} is not a valid regular expression: ${describeError(error)}`,
      { cause: error },
    );
  }
}

/** The object body for `records`: each value's JSON followed by "\n". */
export function formatSinkObject(records: StoredRecord[]): string {
  return records.map((record) => `${formatSinkValue(record.value)}\n`).join('');
}

const DEFAULT_SINK_RETRY: RetryOptions = { retries: 6, baseDelayMs: 200, maxDelayMs: 5_000 };
const STATE_VERSION = 1;

interface Chunk {
  start: number;
  count: number;
  partial: boolean;
  status: 'uploading' | 'done' | 'failed';
  records?: StoredRecord[];
}

interface PartitionState {
  topic: string;
  partition: number;
  topicId: string;
  /** Next offset to copy, as saved in the state file. */
  committed: number;
  /** Next offset to copy, counting uploads not yet saved. */
  acked: number;
  /** Next offset to hand to an upload. */
  next: number;
  chunks: Map<number, Chunk>;
  recovery: 'pending' | 'running' | 'done';
  pausedUntil: number;
  /** End of the last partial object: nothing after it starts until it is committed. */
  partialEnd: number;
  /** Timestamp of the record at `next`, when known. */
  headTimestamp?: { offset: number; timestamp: number };
  dropped: boolean;
}

interface StateFile {
  version: number;
  bucket: string;
  topics: Record<string, { topicId: string; partitions: Record<string, number> }>;
}

interface DrainWaiter {
  targets: { state: PartitionState; offset: number }[];
  resolve(): void;
  reject(error: unknown): void;
  timer: NodeJS.Timeout;
}

/** Starts the sink; it runs until `stop`. */
export async function startS3Sink(options: S3SinkOptions): Promise<S3Sink> {
  const sink = new S3SinkRunner(options);
  await sink.start();
  return sink;
}

class S3SinkRunner implements S3Sink {
  private readonly store: TopicStore;
  private readonly s3: S3Client;
  private readonly bucket: string;
  private readonly pattern: RegExp;
  private readonly flushSize: number;
  private readonly rotateIntervalMs: number;
  private readonly pollIntervalMs: number;
  private readonly maxUploads: number;
  private readonly retry: RetryOptions;
  private readonly pauseMs: number;
  private readonly commitIntervalMs: number;
  private readonly stateFile: string;
  private readonly logger: Logger;
  private readonly abort = new AbortController();
  private readonly partitions = new Map<string, PartitionState[]>();
  private saved: StateFile['topics'] = {};
  private uploads = 0;
  private readonly running = new Set<Promise<unknown>>();
  private objectsWritten = 0;
  private recordsWritten = 0;
  private pumping = false;
  private pumpAgain = false;
  private saving = false;
  private saveAgain = false;
  private stopped = false;
  private unsubscribe: () => void = () => undefined;
  private pollTimer: NodeJS.Timeout | undefined;
  private wakeTimer: NodeJS.Timeout | undefined;
  private wakeAt = Infinity;
  private readonly drains = new Set<DrainWaiter>();

  constructor(options: S3SinkOptions) {
    this.store = options.store;
    this.s3 = options.s3;
    this.bucket = options.bucket;
    this.pattern = compileTopicsRegex(options.topicsRegex);
    this.flushSize = positiveInt(options.flushSize ?? 1, 'flushSize');
    this.rotateIntervalMs = positiveInt(options.rotateIntervalMs ?? 1_000, 'rotateIntervalMs');
    this.pollIntervalMs = positiveInt(options.pollIntervalMs ?? 500, 'pollIntervalMs');
    this.maxUploads = positiveInt(options.maxConcurrentUploads ?? 8, 'maxConcurrentUploads');
    this.retry = options.retry ?? DEFAULT_SINK_RETRY;
    this.pauseMs = options.pauseAfterFailureMs ?? 5_000;
    this.commitIntervalMs = options.commitIntervalMs ?? 50;
    this.stateFile = path.join(options.stateDir, `s3-sink-${options.bucket}.json`);
    this.logger = options.logger ?? createLogger('s3-sink');
  }

  async start(): Promise<void> {
    await mkdir(path.dirname(this.stateFile), { recursive: true });
    this.saved = await this.loadState();
    this.unsubscribe = this.store.onAppend((topic) => {
      if (this.pattern.test(topic)) this.pump();
    });
    this.pollTimer = setInterval(() => this.pump(), this.pollIntervalMs);
    this.pump();
  }

  async stop(): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    this.unsubscribe();
    clearInterval(this.pollTimer);
    clearTimeout(this.wakeTimer);
    this.abort.abort();
    while (this.running.size > 0) await Promise.allSettled([...this.running]);
    await this.saveState().catch((error: unknown) =>
      this.logger.error(`could not save offsets on stop: ${describeError(error)}`),
    );
    for (const waiter of this.drains)
      this.finishDrain(waiter, new PipelineError('SINK_STOPPED', 'the S3 sink was stopped before it caught up'));
  }

  drain(timeoutMs = 30_000): Promise<void> {
    if (this.stopped) return Promise.reject(new PipelineError('SINK_STOPPED', 'the S3 sink is stopped'));
    this.refreshPartitions();
    const targets: DrainWaiter['targets'] = [];
    for (const states of this.partitions.values()) {
      for (const state of states) targets.push({ state, offset: this.endOffset(state) ?? 0 });
    }
    return new Promise<void>((resolve, reject) => {
      const waiter: DrainWaiter = {
        targets,
        resolve,
        reject,
        timer: setTimeout(() => {
          const behind = waiter.targets.reduce((sum, t) => sum + Math.max(0, t.offset - t.state.committed), 0);
          this.finishDrain(
            waiter,
            new PipelineError(
              'SINK_DRAIN_TIMEOUT',
              `the S3 sink is still ${behind} records behind after ${timeoutMs} ms; see the errors above (is S3 reachable and the bucket ${this.bucket} there?)`,
              { retriable: true },
            ),
          );
        }, timeoutMs),
      };
      this.drains.add(waiter);
      this.checkDrains();
      this.pump();
    });
  }

  stats(): { objectsWritten: number; recordsWritten: number; lag: number; committed: Record<string, number> } {
    let lag = 0;
    const committed: Record<string, number> = {};
    for (const states of this.partitions.values()) {
      for (const state of states) {
        committed[`${state.topic}-${state.partition}`] = state.committed;
        lag += Math.max(0, (this.endOffset(state) ?? state.committed) - state.committed);
      }
    }
    return { objectsWritten: this.objectsWritten, recordsWritten: this.recordsWritten, lag, committed };
  }

  /** Runs `pumpOnce` until nothing new asked for another round; calls coalesce. */
  private pump(): void {
    if (this.stopped) return;
    if (this.pumping) {
      this.pumpAgain = true;
      return;
    }
    this.pumping = true;
    void this.pumpLoop();
  }

  private async pumpLoop(): Promise<void> {
    try {
      do {
        this.pumpAgain = false;
        await this.pumpOnce();
      } while (this.pumpAgain && !this.stopped);
    } catch (error) {
      this.logger.error(`S3 sink scheduling failed: ${describeError(error)}; retrying in ${this.pollIntervalMs} ms`);
    } finally {
      this.pumping = false;
    }
  }

  /** Starts every upload (and recovery) that may start now. */
  private async pumpOnce(): Promise<void> {
    this.refreshPartitions();
    const now = Date.now();
    for (const states of this.partitions.values()) {
      for (const state of states) {
        if (this.stopped) return;
        if (state.recovery !== 'done') {
          if (state.recovery === 'pending') this.track(this.recover(state));
          continue;
        }
        if (state.pausedUntil > now) {
          this.wakeAtTime(state.pausedUntil);
          continue;
        }
        try {
          await this.schedule(state);
        } catch (error) {
          if (hasErrorCode(error, 'TOPIC_NOT_FOUND')) {
            state.dropped = true;
            continue;
          }
          this.logger.warn(`reading ${state.topic}-${state.partition} failed: ${describeError(error)}; pausing it`);
          state.pausedUntil = Date.now() + this.pauseMs;
        }
      }
    }
  }

  /** Starts the uploads one partition may start now. */
  private async schedule(state: PartitionState): Promise<void> {
    for (const chunk of state.chunks.values()) {
      if (chunk.status !== 'failed') continue;
      if (this.uploads >= this.maxUploads) return;
      this.startUpload(state, chunk);
    }
    if (state.committed < state.partialEnd) return;
    while (this.uploads < this.maxUploads && !this.stopped) {
      const end = this.endOffset(state);
      if (end === undefined) return;
      const available = end - state.next;
      if (available <= 0) return;
      if (available >= this.flushSize) {
        const slots = this.maxUploads - this.uploads;
        const count = Math.min(Math.floor(available / this.flushSize), slots) * this.flushSize;
        const records = await this.store.read(state.topic, state.partition, state.next, count);
        if (records.length !== count || records[0]?.offset !== state.next)
          throw new PipelineError('STORE_IO', `short read of ${state.topic}-${state.partition} at ${state.next}`, {
            retriable: true,
          });
        for (let i = 0; i < records.length; i += this.flushSize)
          this.newChunk(state, records.slice(i, i + this.flushSize), false);
        continue;
      }
      const head = await this.headTimestamp(state);
      const dueAt = head + this.rotateIntervalMs;
      if (Date.now() < dueAt) {
        this.wakeAtTime(dueAt);
        return;
      }
      const records = await this.store.read(state.topic, state.partition, state.next, available);
      if (records.length === 0 || records[0]?.offset !== state.next)
        throw new PipelineError('STORE_IO', `short read of ${state.topic}-${state.partition} at ${state.next}`, {
          retriable: true,
        });
      this.newChunk(state, records, records.length < this.flushSize);
      return;
    }
  }

  private async headTimestamp(state: PartitionState): Promise<number> {
    if (state.headTimestamp?.offset === state.next) return state.headTimestamp.timestamp;
    const [record] = await this.store.read(state.topic, state.partition, state.next, 1);
    if (!record)
      throw new PipelineError('STORE_IO', `no record at ${state.topic}-${state.partition} offset ${state.next}`, {
        retriable: true,
      });
    state.headTimestamp = { offset: state.next, timestamp: record.timestamp };
    return record.timestamp;
  }

  private newChunk(state: PartitionState, records: StoredRecord[], partial: boolean): void {
    const chunk: Chunk = { start: state.next, count: records.length, partial, status: 'uploading', records };
    state.chunks.set(chunk.start, chunk);
    state.next += records.length;
    if (partial) state.partialEnd = state.next;
    this.startUpload(state, chunk);
  }

  private startUpload(state: PartitionState, chunk: Chunk): void {
    chunk.status = 'uploading';
    this.uploads++;
    const upload = this.upload(state, chunk).then(
      () => {
        chunk.status = 'done';
        chunk.records = undefined;
        this.objectsWritten++;
        this.recordsWritten += chunk.count;
        while (true) {
          const first = state.chunks.get(state.acked);
          if (first?.status !== 'done') break;
          state.chunks.delete(first.start);
          state.acked += first.count;
        }
        this.requestSave();
      },
      (error: unknown) => {
        chunk.status = 'failed';
        if (this.stopped) return;
        state.pausedUntil = Date.now() + this.pauseMs;
        this.logger.error(
          `writing s3://${this.bucket}/${sinkObjectKey(state.topic, state.partition, chunk.start)} failed: ${describeError(error)}; retrying in ${this.pauseMs} ms (is the bucket there and S3 reachable?)`,
        );
      },
    );
    this.track(
      upload.finally(() => {
        this.uploads--;
        this.pump();
      }),
    );
  }

  private async upload(state: PartitionState, chunk: Chunk): Promise<void> {
    const key = sinkObjectKey(state.topic, state.partition, chunk.start);
    const body = formatSinkObject(chunk.records ?? []);
    await withRetry(
      () =>
        this.s3.send(
          new PutObjectCommand({
            Bucket: this.bucket,
            Key: key,
            Body: body,
            ContentType: 'application/json',
            Metadata: { 'record-count': String(chunk.count), 'topic-id': state.topicId },
          }),
          { abortSignal: this.abort.signal },
        ),
      {
        ...this.retry,
        signal: this.abort.signal,
        onRetry: (error, attempt, delayMs) =>
          this.logger.warn(
            `writing s3://${this.bucket}/${key}: ${describeError(error)}; retry ${attempt} in ${delayMs} ms`,
          ),
      },
    );
  }

  /**
   * After a restart: adopts objects already in S3 above the committed offset (the chain an
   * interrupted run left), by HeadObject on the next expected key until one is missing.
   */
  private async recover(state: PartitionState): Promise<void> {
    state.recovery = 'running';
    let offset = state.committed;
    try {
      const end = this.endOffset(state) ?? 0;
      while (offset < end && !this.stopped) {
        const key = sinkObjectKey(state.topic, state.partition, offset);
        const head = await withRetry(
          async () => {
            try {
              return await this.s3.send(new HeadObjectCommand({ Bucket: this.bucket, Key: key }), {
                abortSignal: this.abort.signal,
              });
            } catch (error) {
              if (isNotFound(error)) return undefined;
              throw error;
            }
          },
          { ...this.retry, signal: this.abort.signal },
        );
        const count = Number(head?.Metadata?.['record-count']);
        if (
          !head ||
          head.Metadata?.['topic-id'] !== state.topicId ||
          !Number.isSafeInteger(count) ||
          count < 1 ||
          offset + count > end
        )
          break;
        offset += count;
      }
    } catch (error) {
      // Adoption only saves uploads; without it the objects are written again to the same keys.
      this.logger.warn(
        `checking S3 for objects of ${state.topic}-${state.partition} above offset ${offset} failed: ${describeError(error)}; they will be rewritten`,
      );
    }
    if (offset > state.committed) {
      this.logger.info(
        `${state.topic}-${state.partition}: offsets ${state.committed}-${offset - 1} were already in S3 from an interrupted run; adopted`,
      );
      state.acked = state.next = offset;
      this.requestSave();
    }
    state.recovery = 'done';
    this.pump();
  }

  /** Creates states for matching topics (new ones included) and drops deleted or re-created ones. */
  private refreshPartitions(): void {
    const seen = new Set<string>();
    for (const info of this.store.listTopics()) {
      if (!this.pattern.test(info.name)) continue;
      seen.add(info.name);
      const topicId = info.topicId ?? '';
      let states = this.partitions.get(info.name);
      if (states && (states[0]?.topicId !== topicId || states.some((s) => s.dropped))) {
        for (const state of states) state.dropped = true;
        states = undefined;
      }
      states ??= [];
      const saved = this.saved[info.name];
      for (let partition = states.length; partition < info.partitions; partition++) {
        let committed = saved?.topicId === topicId ? (saved.partitions[String(partition)] ?? 0) : 0;
        if (saved && saved.topicId !== topicId && partition === 0) {
          this.logger.info(`${info.name} was re-created since the last run; copying it from offset 0`);
        }
        const end = this.store.endOffset(info.name, partition);
        if (committed > end) {
          this.logger.warn(
            `${info.name}-${partition}: committed offset ${committed} is past the end of the log (${end}); the log lost records, continuing from ${end}`,
          );
          committed = end;
        }
        states.push({
          topic: info.name,
          partition,
          topicId,
          committed,
          acked: committed,
          next: committed,
          chunks: new Map(),
          recovery: 'pending',
          pausedUntil: 0,
          partialEnd: 0,
          dropped: false,
        });
      }
      this.partitions.set(info.name, states);
    }
    for (const [name, states] of this.partitions) {
      if (seen.has(name)) continue;
      for (const state of states) state.dropped = true;
      this.partitions.delete(name);
    }
  }

  private endOffset(state: PartitionState): number | undefined {
    if (state.dropped) return undefined;
    try {
      return this.store.endOffset(state.topic, state.partition);
    } catch (error) {
      if (hasErrorCode(error, 'TOPIC_NOT_FOUND', 'PARTITION_NOT_FOUND')) {
        state.dropped = true;
        return undefined;
      }
      throw error;
    }
  }

  private wakeAtTime(at: number): void {
    if (at >= this.wakeAt || this.stopped) return;
    clearTimeout(this.wakeTimer);
    this.wakeAt = at;
    this.wakeTimer = setTimeout(
      () => {
        this.wakeAt = Infinity;
        this.pump();
      },
      Math.max(0, at - Date.now()),
    );
  }

  private track(promise: Promise<unknown>): void {
    this.running.add(promise);
    void promise.finally(() => this.running.delete(promise));
  }

  /** Saves the acknowledged offsets; calls during a save coalesce into one more save. */
  private requestSave(): void {
    if (this.saving) {
      this.saveAgain = true;
      return;
    }
    this.saving = true;
    this.track(this.saveLoop());
  }

  private async saveLoop(): Promise<void> {
    try {
      do {
        // Gathers the uploads finishing meanwhile into one write of the state file.
        await sleep(this.commitIntervalMs);
        this.saveAgain = false;
        await this.saveState();
      } while (this.saveAgain);
    } catch (error) {
      this.logger.error(`could not save the S3 sink offsets to ${this.stateFile}: ${describeError(error)}; retrying`);
      if (!this.stopped) setTimeout(() => this.requestSave(), this.pauseMs);
    } finally {
      this.saving = false;
    }
  }

  private async saveState(): Promise<void> {
    const snapshot: { state: PartitionState; acked: number }[] = [];
    const topics: StateFile['topics'] = {};
    for (const [name, states] of this.partitions) {
      const live = states.filter((s) => !s.dropped);
      if (live.length === 0) continue;
      topics[name] = { topicId: live[0].topicId, partitions: {} };
      for (const state of live) {
        topics[name].partitions[String(state.partition)] = state.acked;
        snapshot.push({ state, acked: state.acked });
      }
    }
    const file: StateFile = { version: STATE_VERSION, bucket: this.bucket, topics };
    await writeFileAtomic(this.stateFile, `${JSON.stringify(file, null, 2)}\n`);
    this.saved = topics;
    for (const { state, acked } of snapshot) state.committed = Math.max(state.committed, acked);
    this.checkDrains();
    this.pump();
  }

  private async loadState(): Promise<StateFile['topics']> {
    let text: string;
    try {
      text = await readFile(this.stateFile, 'utf8');
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return {};
      throw new PipelineError('SINK_STATE_UNREADABLE', `cannot read ${this.stateFile}: ${describeError(error)}`, {
        cause: error,
      });
    }
    try {
      const file = JSON.parse(text) as StateFile;
      if (file.version !== STATE_VERSION || typeof file.topics !== 'object' || file.topics === null)
        throw new Error(`unknown format version ${String(file.version)}`);
      return file.topics;
    } catch (error) {
      throw new PipelineError(
        'SINK_STATE_UNREADABLE',
        `${this.stateFile} is not a valid S3 sink state: ${describeError(error)}; delete it to copy every topic again from offset 0`,
        { cause: error },
      );
    }
  }

  private checkDrains(): void {
    for (const waiter of this.drains) {
      if (waiter.targets.every((t) => t.state.dropped || t.state.committed >= t.offset)) this.finishDrain(waiter);
    }
  }

  private finishDrain(waiter: DrainWaiter, error?: unknown): void {
    clearTimeout(waiter.timer);
    this.drains.delete(waiter);
    if (error === undefined) waiter.resolve();
    else waiter.reject(error);
  }
}

function positiveInt(value: number, name: string): number {
  if (!Number.isSafeInteger(value) || value < 1)
    throw new PipelineError('SINK_CONFIG_INVALID', `${name} must be a whole number >= 1, got ${value}`);
  return value;
}

/** True for S3's answer that an object is not there (HeadObject's NotFound, GetObject's NoSuchKey: OBJECT_NOT_FOUND from the client). */
export function isNotFound(error: unknown): boolean {
  return hasErrorCode(error, 'OBJECT_NOT_FOUND');
}
