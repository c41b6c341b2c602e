import { randomUUID } from 'node:crypto';
import { mkdir, open, readdir, readFile, rmdir, unlink, type FileHandle } from 'node:fs/promises';
import path from 'node:path';
import lockfile from 'proper-lockfile';
import atomicWrite from 'write-file-atomic';
import { describeError, PipelineError } from '../errors';
import { createLogger, type Logger } from '../log';

/**
 * The Kafka stand-in's storage: one append-only log file per topic-partition, durable before an
 * offset is handed out.
 *
 * Layout under `dir`:
 * - `topics.json`: the topics (name, id, partitions, replication factor, configs), replaced
 *   atomically (write a temp file, fsync, rename, fsync the folder).
 * - `topics/<name>/<topicId>-<partition>.log`: one JSON line per record,
 *   `{"o":<offset>,"t":<epoch ms>,"k"?:<key>,"v":<value>}`. Byte values (from the REST Proxy's
 *   binary format, or a `Uint8Array` given to `append`) are stored base64 with `"vb":1` / `"kb":1`
 *   and read back as `Buffer`s.
 * - `topics.lock`: proper-lockfile's lock (a folder it keeps fresh) while a process has the store open.
 *
 * Durability: `append` resolves only after its records were written with one positional write and
 * `fdatasync`; appends that arrive while a write is in progress wait and are committed together
 * (group commit: one write + one fdatasync for all of them). Offsets are given out in that flush,
 * so a failed write leaves no gap. Readers (`read`, `endOffset`) only ever see durable records.
 * On open every log is scanned; a torn or unparsable tail (a write cut short by a crash) is
 * truncated back to the last whole record, which can only be a record that was never acknowledged.
 */

/** One record as read back from a partition log. */
export interface StoredRecord {
  offset: number;
  value: unknown;
  key?: unknown;
  /** Append time, epoch milliseconds. */
  timestamp: number;
}

/** A topic as the REST Proxy describes it. */
export interface TopicInfo {
  name: string;
  partitions: number;
  configs: Record<string, string>;
  replicationFactor: number;
  /** Random id given at creation (like Kafka's topic id), so a re-created topic is told apart. */
  topicId?: string;
  /** Broker ids holding each partition, leader first, when the cluster says (Apache Kafka); else computed. */
  replicas?: number[][];
}

export interface TopicStoreOptions {
  /** Folder of the store; created when missing. */
  dir: string;
  /** Partitions of an auto-created topic and of `createTopic` without a count (default 1). */
  defaultPartitions?: number;
  /** Appending to a missing topic creates it, like MSK's `auto.create.topics.enable` in the course (default true). */
  autoCreateTopics?: boolean;
  /** fdatasync before acknowledging (default true). Off only for throw-away data. */
  fsync?: boolean;
  /** Brokers of the cluster: a topic's replication factor cannot exceed it (default 3, the course's MSK cluster). */
  brokers?: number;
  logger?: Logger;
}

/** Brokers of the course's MSK cluster (one per availability zone). */
export const DEFAULT_BROKERS = 3;

/** Kafka's default `message.max.bytes` (MSK keeps it): the largest record batch a broker accepts, about 1 MB. */
export const DEFAULT_MAX_MESSAGE_BYTES = 1_048_588;

/**
 * The topic-level configs Apache Kafka (and so MSK) knows; any other name is refused as Kafka's
 * `Unknown topic config name`.
 */
export const TOPIC_CONFIG_NAMES: ReadonlySet<string> = new Set([
  'cleanup.policy',
  'compression.gzip.level',
  'compression.lz4.level',
  'compression.type',
  'compression.zstd.level',
  'delete.retention.ms',
  'file.delete.delay.ms',
  'flush.messages',
  'flush.ms',
  'follower.replication.throttled.replicas',
  'index.interval.bytes',
  'leader.replication.throttled.replicas',
  'local.retention.bytes',
  'local.retention.ms',
  'max.compaction.lag.ms',
  'max.message.bytes',
  'message.downconversion.enable',
  'message.format.version',
  'message.timestamp.after.max.ms',
  'message.timestamp.before.max.ms',
  'message.timestamp.difference.max.ms',
  'message.timestamp.type',
  'min.cleanable.dirty.ratio',
  'min.compaction.lag.ms',
  'min.insync.replicas',
  'preallocate',
  'remote.log.copy.disable',
  'remote.log.delete.on.disable',
  'remote.storage.enable',
  'retention.bytes',
  'retention.ms',
  'segment.bytes',
  'segment.index.bytes',
  'segment.jitter.ms',
  'segment.ms',
  'unclean.leader.election.enable',
]);

/** The largest record (value plus key, serialised) `info`'s topic takes: its `max.message.bytes`, else the broker default. */
export function maxMessageBytes(info: Pick<TopicInfo, 'configs'>): number {
  const configured = Number(info.configs['max.message.bytes']);
  return Number.isSafeInteger(configured) && configured > 0 ? configured : DEFAULT_MAX_MESSAGE_BYTES;
}

/** What `createTopic` accepts; missing fields take the store's defaults. */
export interface CreateTopicOptions {
  partitions?: number;
  replicationFactor?: number;
  configs?: Record<string, string>;
}

/** A record to append. A `Uint8Array` value or key is stored as bytes. */
export interface AppendRecord {
  value: unknown;
  key?: unknown;
}

/** Kafka's rule for topic names: 1-249 of `[a-zA-Z0-9._-]`, not `.` or `..`. */
const TOPIC_NAME = /^[a-zA-Z0-9._-]{1,249}$/;
const MAX_PARTITIONS = 10_000;
const METADATA_FILE = 'topics.json';
const LOCK_FILE = 'topics.lock';
const LOGS_DIR = 'topics';
const SCAN_CHUNK_BYTES = 1 << 20;

/** Checks a topic name against Kafka's rule; throws `TOPIC_NAME_INVALID`. */
export function validateTopicName(name: string): void {
  if (typeof name !== 'string' || !TOPIC_NAME.test(name) || name === '.' || name === '..') {
    throw new PipelineError(
      'TOPIC_NAME_INVALID',
      `topic name ${JSON.stringify(name)} is invalid: use 1-249 letters, digits, '.', '_' or '-' (not '.' or '..')`,
    );
  }
}

/**
 * A CreateTopics request checked as Kafka checks it, before any look at existing topics:
 * `TOPIC_NAME_INVALID`, or `TOPIC_CONFIG_INVALID` for a bad partition count, a replication factor
 * above `brokers` or an unknown or invalid config. Both Kafkas of the stack use it for
 * `validate_only`.
 */
export function checkTopicSpec(
  name: string,
  options: CreateTopicOptions,
  cluster: { defaultPartitions: number; brokers: number },
): TopicInfo {
  validateTopicName(name);
  const partitions = options.partitions ?? cluster.defaultPartitions;
  checkPartitionCount(partitions, 'partitions');
  const replicationFactor = options.replicationFactor ?? 1;
  if (!Number.isSafeInteger(replicationFactor) || replicationFactor < 1 || replicationFactor > 32_767) {
    throw new PipelineError(
      'TOPIC_CONFIG_INVALID',
      `replication factor must be a whole number from 1 to 32767, got ${replicationFactor}`,
    );
  }
  if (replicationFactor > cluster.brokers) {
    throw new PipelineError(
      'TOPIC_CONFIG_INVALID',
      `Replication factor: ${replicationFactor} larger than available brokers: ${cluster.brokers}.`,
    );
  }
  const configs = options.configs ?? {};
  for (const [key, value] of Object.entries(configs)) {
    if (!TOPIC_CONFIG_NAMES.has(key))
      throw new PipelineError('TOPIC_CONFIG_INVALID', `Unknown topic config name: ${key}`);
    if (typeof value !== 'string')
      throw new PipelineError('TOPIC_CONFIG_INVALID', `topic config ${key} must be a string, got ${typeof value}`);
    if (
      key === 'max.message.bytes' &&
      !(/^\d{1,10}$/.test(value) && Number(value) > 0 && Number(value) <= 2 ** 31 - 1)
    ) {
      throw new PipelineError(
        'TOPIC_CONFIG_INVALID',
        `Invalid value ${value} for configuration max.message.bytes: Not a number of type INT`,
      );
    }
  }
  return { name, partitions, replicationFactor, configs: { ...configs } };
}

interface PendingBatch {
  /** Pre-serialised `,"k":..,"v":..` tail of each record's line. */
  encoded: string[];
  timestamp: number;
  resolve(offsets: number[]): void;
  reject(error: unknown): void;
}

interface PartitionLog {
  topic: string;
  partition: number;
  file: string;
  fh: FileHandle;
  /** Byte position of each durable record; its length is the end offset. */
  positions: number[];
  /** Durable length of the file in bytes. */
  size: number;
  queue: PendingBatch[];
  flushing: boolean;
  idleWaiters: (() => void)[];
  /** Set when the file could not be brought back to a known state; appends fail until reopen. */
  failure?: PipelineError;
  closed: boolean;
}

interface TopicEntry {
  info: TopicInfo;
  topicId: string;
  createdAt: number;
  logs: PartitionLog[];
}

interface MetadataFile {
  version: 1;
  topics: {
    name: string;
    topicId: string;
    partitions: number;
    replicationFactor: number;
    configs: Record<string, string>;
    createdAt: number;
  }[];
}

/** Durable append-only topic-partition logs; see the module comment for the format and policy. */
export class TopicStore {
  /** Folders open in this process, so a second `open` of the same folder is refused. */
  private static readonly openDirs = new Set<string>();

  readonly dir: string;
  readonly defaultPartitions: number;
  readonly autoCreateTopics: boolean;
  /** Brokers of the cluster (`TopicStoreOptions.brokers`). */
  readonly brokers: number;
  readonly fsync: boolean;
  private readonly logger: Logger;
  /** Releases the folder's lock (proper-lockfile), once taken. */
  private releaseLock: (() => Promise<void>) | undefined;
  private readonly topics = new Map<string, TopicEntry>();
  private readonly creating = new Map<string, Promise<TopicInfo>>();
  private readonly listeners = new Set<(topic: string, partition: number) => void>();
  private metadataChain: Promise<void> = Promise.resolve();
  private closed = false;

  private constructor(options: Required<Omit<TopicStoreOptions, 'logger'>> & { logger: Logger }) {
    this.dir = options.dir;
    this.defaultPartitions = options.defaultPartitions;
    this.autoCreateTopics = options.autoCreateTopics;
    this.brokers = options.brokers;
    this.fsync = options.fsync;
    this.logger = options.logger;
  }

  /** Opens (or creates) the store in `options.dir`, rebuilding offsets from the logs. */
  static async open(options: TopicStoreOptions): Promise<TopicStore> {
    const dir = path.resolve(options.dir);
    const defaultPartitions = options.defaultPartitions ?? 1;
    checkPartitionCount(defaultPartitions, 'defaultPartitions');
    if (options.brokers !== undefined && !(Number.isSafeInteger(options.brokers) && options.brokers >= 1)) {
      throw new PipelineError('TOPIC_CONFIG_INVALID', `brokers must be a whole number >= 1, got ${options.brokers}`);
    }
    if (TopicStore.openDirs.has(dir)) {
      throw new PipelineError('STORE_LOCKED', `topic store ${dir} is already open in this process; close it first`);
    }
    TopicStore.openDirs.add(dir);
    const store = new TopicStore({
      dir,
      defaultPartitions,
      autoCreateTopics: options.autoCreateTopics ?? true,
      brokers: options.brokers ?? DEFAULT_BROKERS,
      fsync: options.fsync ?? true,
      logger: options.logger ?? createLogger('topic-store'),
    });
    try {
      await mkdir(path.join(dir, LOGS_DIR), { recursive: true });
      await store.takeLock();
      await store.load();
    } catch (error) {
      TopicStore.openDirs.delete(dir);
      await store.closeLogs();
      throw error;
    }
    return store;
  }

  /** All topics, sorted by name. */
  listTopics(): TopicInfo[] {
    return [...this.topics.values()].map((entry) => copyInfo(entry.info)).sort((a, b) => a.name.localeCompare(b.name));
  }

  getTopic(name: string): TopicInfo | undefined {
    const entry = this.topics.get(name);
    return entry ? copyInfo(entry.info) : undefined;
  }

  /**
   * What `createTopic` would create, checked as Kafka checks a CreateTopics request (also with
   * `validate_only`), without creating anything: `TOPIC_EXISTS`, `TOPIC_NAME_INVALID`, or
   * `TOPIC_CONFIG_INVALID` for a bad partition count, a replication factor above the broker count
   * or an unknown or invalid config.
   */
  validateTopic(name: string, options: CreateTopicOptions = {}): TopicInfo {
    this.assertOpen();
    const info = checkTopicSpec(name, options, { defaultPartitions: this.defaultPartitions, brokers: this.brokers });
    if (this.topics.has(name) || this.creating.has(name)) {
      throw new PipelineError('TOPIC_EXISTS', `topic '${name}' already exists`);
    }
    return info;
  }

  /** Creates a topic; throws as `validateTopic` for bad input or an existing topic. */
  async createTopic(name: string, options: CreateTopicOptions = {}): Promise<TopicInfo> {
    const { partitions, replicationFactor, configs } = this.validateTopic(name, options);
    const created = this.addTopic({ name, partitions, replicationFactor, configs });
    this.creating.set(name, created);
    try {
      return await created;
    } finally {
      this.creating.delete(name);
    }
  }

  /** The topic, created with the defaults when missing (also when another caller is creating it). */
  async ensureTopic(name: string): Promise<TopicInfo> {
    const entry = this.topics.get(name);
    if (entry) return copyInfo(entry.info);
    const inProgress = this.creating.get(name);
    if (inProgress) return copyInfo(await inProgress);
    return this.createTopic(name);
  }

  /** Deletes a topic and its logs; throws `TOPIC_NOT_FOUND` when missing. */
  async deleteTopic(name: string): Promise<void> {
    this.assertOpen();
    const inProgress = this.creating.get(name);
    if (inProgress)
      await inProgress.catch((error: unknown) =>
        this.logger.warn(`creating ${name} failed before its deletion: ${String(error)}`),
      );
    const entry = this.topics.get(name);
    if (!entry) throw new PipelineError('TOPIC_NOT_FOUND', `topic '${name}' does not exist`);
    this.topics.delete(name);
    for (const log of entry.logs) log.closed = true;
    await this.updateMetadata(
      () => undefined,
      () => {
        this.topics.set(name, entry);
        for (const log of entry.logs) log.closed = false;
      },
    );
    for (const log of entry.logs) {
      await waitIdle(log);
      await log.fh.close();
      await unlink(log.file);
    }
    await removeDirIfEmpty(path.dirname(entry.logs[0]?.file ?? path.join(this.dir, LOGS_DIR, name)), this.logger);
  }

  /**
   * Appends records to one partition and resolves with their offsets, in order, once they are on
   * disk (group-committed with other appends waiting on the same partition). A missing topic is
   * created when `autoCreateTopics` is on.
   */
  async append(topic: string, partition: number, records: AppendRecord[]): Promise<number[]> {
    this.assertOpen();
    let entry = this.topics.get(topic);
    if (!entry) {
      if (!this.autoCreateTopics) throw new PipelineError('TOPIC_NOT_FOUND', `topic '${topic}' does not exist`);
      await this.ensureTopic(topic);
      entry = this.topics.get(topic);
      if (!entry) throw new PipelineError('TOPIC_NOT_FOUND', `topic '${topic}' was deleted while being created`);
    }
    const log = this.partitionLog(entry, partition);
    if (records.length === 0) return [];
    const encoded = records.map((record, index) => encodeRecord(record, index));
    return new Promise<number[]>((resolve, reject) => {
      log.queue.push({ encoded, timestamp: Date.now(), resolve, reject });
      if (!log.flushing) {
        log.flushing = true;
        void this.flushLoop(log);
      }
    });
  }

  /** The offset the next record of the partition will get (= count of durable records). */
  endOffset(topic: string, partition: number): number {
    const entry = this.topics.get(topic);
    if (!entry) throw new PipelineError('TOPIC_NOT_FOUND', `topic '${topic}' does not exist`);
    return this.partitionLog(entry, partition).positions.length;
  }

  /** Up to `maxRecords` durable records from `fromOffset` on; empty at the end of the log. */
  async read(topic: string, partition: number, fromOffset: number, maxRecords: number): Promise<StoredRecord[]> {
    this.assertOpen();
    const entry = this.topics.get(topic);
    if (!entry) throw new PipelineError('TOPIC_NOT_FOUND', `topic '${topic}' does not exist`);
    const log = this.partitionLog(entry, partition);
    if (!Number.isSafeInteger(fromOffset) || fromOffset < 0) {
      throw new PipelineError('OFFSET_INVALID', `offset must be a whole number >= 0, got ${fromOffset}`);
    }
    const end = log.positions.length;
    if (fromOffset >= end || maxRecords <= 0) return [];
    const to = Math.min(end, fromOffset + Math.floor(maxRecords));
    const start = log.positions[fromOffset];
    const stop = to < end ? log.positions[to] : log.size;
    const buffer = Buffer.allocUnsafe(stop - start);
    try {
      await readFully(log.fh, buffer, start);
    } catch (error) {
      if (log.closed)
        throw new PipelineError('TOPIC_NOT_FOUND', `topic '${topic}' was deleted while being read`, { cause: error });
      throw new PipelineError('STORE_IO', `could not read ${log.file}: ${(error as Error).message}`, {
        retriable: true,
        cause: error,
      });
    }
    const records: StoredRecord[] = [];
    let lineStart = 0;
    while (lineStart < buffer.length) {
      const newline = buffer.indexOf(10, lineStart);
      const lineEnd = newline < 0 ? buffer.length : newline;
      records.push(decodeLine(buffer.toString('utf8', lineStart, lineEnd), log.file));
      lineStart = lineEnd + 1;
    }
    return records;
  }

  /** Calls `listener` after each durable append (once per group commit); returns the unsubscribe. */
  onAppend(listener: (topic: string, partition: number) => void): () => void {
    this.listeners.add(listener);
    return () => {
      this.listeners.delete(listener);
    };
  }

  /** Waits for pending appends, closes the logs and releases the folder. Appends after this fail. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await Promise.allSettled(this.creating.values());
    await this.metadataChain;
    await this.closeLogs();
    this.listeners.clear();
    await this.releaseLock?.().catch((error: unknown) =>
      this.logger.warn(`could not release the lock ${path.join(this.dir, LOCK_FILE)}: ${String(error)}`),
    );
    TopicStore.openDirs.delete(this.dir);
  }

  private assertOpen(): void {
    if (this.closed) throw new PipelineError('STORE_CLOSED', `topic store ${this.dir} is closed`);
  }

  private partitionLog(entry: TopicEntry, partition: number): PartitionLog {
    const log = Number.isInteger(partition) ? entry.logs[partition] : undefined;
    if (!log) {
      throw new PipelineError(
        'PARTITION_NOT_FOUND',
        `topic '${entry.info.name}' has no partition ${partition} (it has ${entry.logs.length})`,
      );
    }
    if (log.closed) throw new PipelineError('TOPIC_NOT_FOUND', `topic '${entry.info.name}' is being deleted`);
    return log;
  }

  /** Writes every waiting batch with one write and one fdatasync, until the queue is empty. */
  private async flushLoop(log: PartitionLog): Promise<void> {
    try {
      while (log.queue.length > 0) await this.flushOnce(log);
    } finally {
      log.flushing = false;
      for (const wake of log.idleWaiters.splice(0)) wake();
    }
  }

  private async flushOnce(log: PartitionLog): Promise<void> {
    const batches = log.queue.splice(0);
    if (log.failure) {
      for (const batch of batches) batch.reject(log.failure);
      return;
    }
    let offset = log.positions.length;
    let position = log.size;
    const starts: number[] = [];
    const lines: Buffer[] = [];
    const offsetsByBatch = batches.map((batch) =>
      batch.encoded.map((tail) => {
        const line = Buffer.from(`{"o":${offset},"t":${batch.timestamp}${tail}}\n`, 'utf8');
        starts.push(position);
        position += line.length;
        lines.push(line);
        return offset++;
      }),
    );
    const data = Buffer.concat(lines, position - log.size);
    try {
      await writeFully(log.fh, data, log.size);
      if (this.fsync) await log.fh.datasync();
    } catch (error) {
      const failure = new PipelineError(
        'STORE_IO',
        `could not write ${log.file}: ${(error as Error).message}; check the disk (space, permissions) and retry`,
        {
          retriable: true,
          cause: error,
        },
      );
      try {
        await log.fh.truncate(log.size);
      } catch (truncateError) {
        log.failure = new PipelineError(
          'STORE_IO',
          `${log.file} is in an unknown state after a failed write; restart the local stack to recover it`,
          { cause: truncateError },
        );
        this.logger.error(log.failure.message);
      }
      for (const batch of batches) batch.reject(failure);
      return;
    }
    for (const start of starts) log.positions.push(start);
    log.size = position;
    batches.forEach((batch, index) => batch.resolve(offsetsByBatch[index]));
    for (const listener of this.listeners) {
      try {
        listener(log.topic, log.partition);
      } catch (error) {
        this.logger.warn(`an append listener failed: ${String(error)}`);
      }
    }
  }

  /**
   * Takes the folder's lock with proper-lockfile (kept, maintained; it refreshes the lock every
   * second and sees a lock left by a killed process as stale after 5 s), or fails with one line when
   * another process holds it. Tries for 7 s, so a store reopened right after a kill -9 waits for
   * the dead process' lock to go stale instead of failing.
   */
  private async takeLock(): Promise<void> {
    const lockFile = path.join(this.dir, LOCK_FILE);
    try {
      this.releaseLock = await lockfile.lock(this.dir, {
        lockfilePath: lockFile,
        stale: 5_000,
        update: 1_000,
        realpath: false,
        retries: { retries: 7, factor: 1, minTimeout: 1_000, maxTimeout: 1_000 },
        // A refresh that failed (the folder was removed under a running store) is said, not thrown from a timer.
        onCompromised: (error) => this.logger.warn(`the lock ${lockFile} was lost: ${describeError(error)}`),
      });
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ELOCKED') throw error;
      throw new PipelineError(
        'STORE_LOCKED',
        `topic store ${this.dir} is in use by another process; stop it first (or delete ${lockFile} if no local stack runs)`,
        { cause: error },
      );
    }
  }

  /** Reads `topics.json`, opens and scans every log, and removes logs of topics it does not list. */
  private async load(): Promise<void> {
    const metadataFile = path.join(this.dir, METADATA_FILE);
    const metadata = await readMetadata(metadataFile);
    const logsDir = path.join(this.dir, LOGS_DIR);
    const topicDirs = await readdir(logsDir);
    if (!metadata) {
      if (topicDirs.length > 0) {
        throw new PipelineError(
          'STORE_CORRUPT',
          `${metadataFile} is missing but ${logsDir} holds logs; restore it or move the folder away`,
        );
      }
      await this.updateMetadata(() => undefined);
      return;
    }
    if (metadata.version !== 1 || !Array.isArray(metadata.topics)) {
      throw new PipelineError(
        'STORE_CORRUPT',
        `${metadataFile} has an unknown format; move the folder away to start empty`,
      );
    }
    const expected = new Set<string>();
    for (const t of metadata.topics) await this.loadTopic(t, expected);
    await this.removeUnlistedLogs(logsDir, topicDirs, expected);
  }

  /** Registers a listed topic, then opens and scans each of its partition logs (adding their files to `expected`). */
  private async loadTopic(t: MetadataFile['topics'][number], expected: Set<string>): Promise<void> {
    const entry: TopicEntry = {
      info: {
        name: t.name,
        partitions: t.partitions,
        replicationFactor: t.replicationFactor,
        configs: t.configs,
        topicId: t.topicId,
      },
      topicId: t.topicId,
      createdAt: t.createdAt,
      logs: [],
    };
    this.topics.set(t.name, entry);
    for (let partition = 0; partition < t.partitions; partition++) {
      const file = this.logFile(t.name, t.topicId, partition);
      expected.add(file);
      const fh = await openLog(file, this.logger);
      const log = emptyPartitionLog(t.name, partition, file, fh);
      entry.logs.push(log);
      await scanLog(log, this.logger);
    }
  }

  /** Removes every log file under `logsDir` not in `expected`, and the topic folders left empty. */
  private async removeUnlistedLogs(logsDir: string, topicDirs: string[], expected: Set<string>): Promise<void> {
    for (const name of topicDirs) {
      const folder = path.join(logsDir, name);
      for (const file of await readdir(folder)) {
        const full = path.join(folder, file);
        if (!expected.has(full)) {
          this.logger.warn(
            `removing ${full}: its topic is not in ${METADATA_FILE} (deleted, or its creation was interrupted)`,
          );
          await unlink(full);
        }
      }
      await removeDirIfEmpty(folder, this.logger);
    }
  }

  private async addTopic(spec: {
    name: string;
    partitions: number;
    replicationFactor: number;
    configs: Record<string, string>;
  }): Promise<TopicInfo> {
    const topicId = randomUUID();
    const folder = path.join(this.dir, LOGS_DIR, spec.name);
    const entry: TopicEntry = { info: { ...spec, topicId }, topicId, createdAt: Date.now(), logs: [] };
    try {
      await mkdir(folder, { recursive: true });
      for (let partition = 0; partition < spec.partitions; partition++) {
        const file = this.logFile(spec.name, topicId, partition);
        const fh = await open(file, 'w+');
        entry.logs.push(emptyPartitionLog(spec.name, partition, file, fh));
      }
      if (this.fsync) {
        await fsyncDir(folder);
        await fsyncDir(path.dirname(folder));
      }
      await this.updateMetadata(
        () => this.topics.set(spec.name, entry),
        () => this.topics.delete(spec.name),
      );
    } catch (error) {
      for (const log of entry.logs) {
        await log.fh
          .close()
          .catch((closeError: unknown) => this.logger.warn(`closing ${log.file}: ${String(closeError)}`));
        await unlink(log.file).catch((unlinkError: unknown) =>
          this.logger.warn(`removing ${log.file}: ${String(unlinkError)}`),
        );
      }
      if (error instanceof PipelineError) throw error;
      throw new PipelineError(
        'STORE_IO',
        `could not create topic '${spec.name}' in ${folder}: ${(error as Error).message}`,
        { retriable: true, cause: error },
      );
    }
    return copyInfo(entry.info);
  }

  /**
   * Runs `change` (which edits `this.topics`), then rewrites `topics.json` from the result; on a
   * failed write runs `undo` and rejects. Changes run one at a time, so every file written lists a
   * consistent set of topics.
   */
  private updateMetadata(change: () => void, undo: () => void = () => undefined): Promise<void> {
    const run = this.metadataChain.then(async () => {
      change();
      const metadata: MetadataFile = {
        version: 1,
        topics: [...this.topics.values()].map((e) => ({
          name: e.info.name,
          topicId: e.topicId,
          partitions: e.info.partitions,
          replicationFactor: e.info.replicationFactor,
          configs: e.info.configs,
          createdAt: e.createdAt,
        })),
      };
      try {
        await writeFileAtomic(path.join(this.dir, METADATA_FILE), `${JSON.stringify(metadata, null, 2)}\n`, {
          fsync: this.fsync,
        });
      } catch (error) {
        undo();
        throw new PipelineError(
          'STORE_IO',
          `could not write ${path.join(this.dir, METADATA_FILE)}: ${(error as Error).message}`,
          { retriable: true, cause: error },
        );
      }
    });
    this.metadataChain = run.catch((error: unknown) =>
      this.logger.warn(`topic metadata update failed: ${describeError(error)}`),
    );
    return run;
  }

  private logFile(name: string, topicId: string, partition: number): string {
    return path.join(this.dir, LOGS_DIR, name, `${topicId}-${partition}.log`);
  }

  private async closeLogs(): Promise<void> {
    for (const entry of this.topics.values()) {
      for (const log of entry.logs) {
        await waitIdle(log);
        await log.fh.close().catch((error: unknown) => this.logger.warn(`closing ${log.file}: ${String(error)}`));
      }
    }
  }
}

/** A partition log on an open file, with nothing read or queued yet. */
function emptyPartitionLog(topic: string, partition: number, file: string, fh: FileHandle): PartitionLog {
  return {
    topic,
    partition,
    file,
    fh,
    positions: [],
    size: 0,
    queue: [],
    flushing: false,
    idleWaiters: [],
    closed: false,
  };
}

/** `topics.json` as written, or `undefined` when there is none; unreadable JSON fails with STORE_CORRUPT. */
async function readMetadata(metadataFile: string): Promise<MetadataFile | undefined> {
  try {
    return JSON.parse(await readFile(metadataFile, 'utf8')) as MetadataFile;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') {
      throw new PipelineError(
        'STORE_CORRUPT',
        `${metadataFile} cannot be read: ${(error as Error).message}; restore it or move the folder away`,
        { cause: error },
      );
    }
    return undefined;
  }
}

/** Opens a listed log for positional reads and writes; a missing one is recreated empty, with a warning. */
async function openLog(file: string, logger: Logger): Promise<FileHandle> {
  try {
    return await open(file, 'r+');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
    logger.warn(`${file} is missing although its topic is listed; starting it empty`);
    return open(file, 'w+');
  }
}

function copyInfo(info: TopicInfo): TopicInfo {
  return { ...info, configs: { ...info.configs } };
}

function checkPartitionCount(value: number, what: string): void {
  if (!Number.isSafeInteger(value) || value < 1 || value > MAX_PARTITIONS) {
    throw new PipelineError(
      'TOPIC_CONFIG_INVALID',
      `${what} must be a whole number from 1 to ${MAX_PARTITIONS}, got ${value}`,
    );
  }
}

function waitIdle(log: PartitionLog): Promise<void> {
  if (!log.flushing) return Promise.resolve();
  return new Promise((resolve) => log.idleWaiters.push(resolve));
}

/** The `,"k":...,"v":...` tail of a record's log line. */
function encodeRecord(record: AppendRecord, index: number): string {
  let tail = '';
  if (record.key !== undefined)
    tail +=
      record.key instanceof Uint8Array
        ? `,"kb":1,"k":"${Buffer.from(record.key).toString('base64')}"`
        : `,"k":${toJson(record.key, index)}`;
  tail +=
    record.value instanceof Uint8Array
      ? `,"vb":1,"v":"${Buffer.from(record.value).toString('base64')}"`
      : `,"v":${toJson(record.value ?? null, index)}`;
  return tail;
}

function toJson(value: unknown, index: number): string {
  let text: string | undefined;
  try {
    text = JSON.stringify(value);
  } catch (error) {
    throw new PipelineError('RECORD_INVALID', `record ${index} cannot be stored as JSON: ${(error as Error).message}`, {
      cause: error,
    });
  }
  if (text === undefined)
    throw new PipelineError('RECORD_INVALID', `record ${index} has a value JSON cannot hold (${typeof value})`);
  return text;
}

interface LogLine {
  o: number;
  t: number;
  v: unknown;
  k?: unknown;
  vb?: 1;
  kb?: 1;
}

function parseLine(text: string): LogLine | undefined {
  let line: unknown;
  try {
    line = JSON.parse(text);
  } catch {
    // A torn or garbled line: the caller truncates the log from here.
    return undefined;
  }
  if (typeof line !== 'object' || line === null || Array.isArray(line)) return undefined;
  const candidate = line as Partial<LogLine>;
  if (!Number.isSafeInteger(candidate.o) || !Number.isFinite(candidate.t) || !('v' in candidate)) return undefined;
  return candidate as LogLine;
}

function decodeLine(text: string, file: string): StoredRecord {
  const line = parseLine(text);
  if (!line)
    throw new PipelineError(
      'STORE_CORRUPT',
      `${file} holds a record that cannot be parsed; restart the local stack to repair the log`,
    );
  const record: StoredRecord = {
    offset: line.o,
    timestamp: line.t,
    value: line.vb ? Buffer.from(String(line.v), 'base64') : line.v,
  };
  if ('k' in line) record.key = line.kb ? Buffer.from(String(line.k), 'base64') : line.k;
  return record;
}

/**
 * Rebuilds the offset index of a log and truncates it after the last whole record whose offset
 * follows its predecessor's. Anything after that point was never acknowledged (acknowledged data
 * was fdatasync'ed before any later write began).
 */
async function scanLog(log: PartitionLog, logger: Logger): Promise<void> {
  const { size: fileSize } = await log.fh.stat();
  const chunk = Buffer.allocUnsafe(SCAN_CHUNK_BYTES);
  let carry = Buffer.alloc(0);
  let readPosition = 0;
  let validEnd = 0;
  let broken = false;
  while (readPosition < fileSize && !broken) {
    const { bytesRead } = await log.fh.read(chunk, 0, chunk.length, readPosition);
    if (bytesRead === 0) break;
    const data = carry.length > 0 ? Buffer.concat([carry, chunk.subarray(0, bytesRead)]) : chunk.subarray(0, bytesRead);
    const dataStart = readPosition - carry.length;
    readPosition += bytesRead;
    let lineStart = 0;
    for (;;) {
      const newline = data.indexOf(10, lineStart);
      if (newline < 0) break;
      const line = parseLine(data.toString('utf8', lineStart, newline));
      if (!line || line.o !== log.positions.length) {
        broken = true;
        break;
      }
      log.positions.push(dataStart + lineStart);
      lineStart = newline + 1;
      validEnd = dataStart + lineStart;
    }
    carry = broken ? Buffer.alloc(0) : Buffer.from(data.subarray(lineStart));
  }
  log.size = validEnd;
  if (validEnd < fileSize) {
    logger.warn(
      `${log.file}: dropping ${fileSize - validEnd} bytes after record ${log.positions.length - 1} (a write cut short by a crash; it was never acknowledged)`,
    );
    await log.fh.truncate(validEnd);
    await log.fh.datasync();
  }
}

async function writeFully(fh: FileHandle, data: Buffer, position: number): Promise<void> {
  let written = 0;
  while (written < data.length) {
    const { bytesWritten } = await fh.write(data, written, data.length - written, position + written);
    written += bytesWritten;
  }
}

async function readFully(fh: FileHandle, buffer: Buffer, position: number): Promise<void> {
  let done = 0;
  while (done < buffer.length) {
    const { bytesRead } = await fh.read(buffer, done, buffer.length - done, position + done);
    if (bytesRead === 0) throw new Error(`unexpected end of file at byte ${position + done}`);
    done += bytesRead;
  }
}

async function fsyncDir(dir: string): Promise<void> {
  const handle = await open(dir, 'r');
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}

async function removeDirIfEmpty(dir: string, logger: Logger): Promise<void> {
  try {
    await rmdir(dir);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code !== 'ENOTEMPTY' && code !== 'EEXIST' && code !== 'ENOENT')
      logger.warn(`could not remove ${dir}: ${String(error)}`);
  }
}

/**
 * Replaces `file` atomically with write-file-atomic (npm's own, maintained: a temporary file
 * fsynced and renamed over `file`), then fsyncs the folder, which the library does not, so the
 * rename survives a crash too (unless `fsync: false`).
 */
export async function writeFileAtomic(file: string, content: string, options: { fsync?: boolean } = {}): Promise<void> {
  const fsync = options.fsync ?? true;
  await atomicWrite(file, content, { fsync });
  if (fsync) await fsyncDir(path.dirname(file));
}
