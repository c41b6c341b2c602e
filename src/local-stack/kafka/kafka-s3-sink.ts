import { HeadObjectCommand, PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { sinkObjectKey } from '../../contract/sink-object';
import { describeError, PipelineError } from '../../errors';
import { createLogger, type Logger } from '../../log';
import { withRetry, type RetryOptions } from '../../retry';
import { compileTopicsRegex, formatSinkObject, isNotFound, type S3Sink } from '../s3-sink';
import type { StoredRecord } from '../topic-store';
import { loadKafka, type KafkaModule } from './client';
import { kafkaError } from './kafka-topics';

/**
 * The course's S3 sink connector over Apache Kafka, consuming as Kafka Connect does: a consumer
 * group named `connect-<connector name>` (as MSK Connect names a connector's group), reading each
 * partition from the group's committed offset. Objects are keyed, formatted and sized exactly as
 * the embedded sink's (`s3-sink.ts`: `flush.size` records, or fewer once the oldest waited
 * `rotateIntervalMs`), and a partition's offset is committed to the group only after the object
 * holding its records is in S3, so a crash rewrites the same keys. On a partition's first record
 * the sink adopts the objects an interrupted run left above the committed offset (HeadObject on
 * the next key, objects carry `record-count` and `topic-id`), so no record is in two objects.
 *
 * `topics.regex` is a pattern subscription, as the Java consumer's: the topic list is read every
 * `pollIntervalMs` and the subscription follows the matching topics, also ones created later.
 */
export interface KafkaS3SinkOptions {
  bootstrap: string;
  /** Connector name; the group is `connect-<name>`. */
  connectorName: string;
  s3: S3Client;
  bucket: string;
  topicsRegex: string;
  flushSize?: number;
  rotateIntervalMs?: number;
  /** How often the topic list and end offsets are read (default 500 ms). */
  pollIntervalMs?: number;
  retry?: RetryOptions;
  logger?: Logger;
}

/** The consumer group of a connector, as MSK Connect (Kafka Connect) names it. */
export function connectorGroup(connectorName: string): string {
  return `connect-${connectorName}`;
}

interface PartitionState {
  topic: string;
  partition: number;
  buffer: StoredRecord[];
  /** Wall-clock time the oldest buffered record arrived. */
  firstAt: number;
  /** Next offset to copy, committed to the group. */
  committed: number;
  /** Objects up to here were found in S3 (adopted); records below it are skipped. */
  adoptedTo: number;
  adopted: boolean;
  chain: Promise<void>;
}

type Admin = InstanceType<KafkaModule['Admin']>;
type BufferConsumer = {
  commit(options: {
    offsets: { topic: string; partition: number; offset: bigint; leaderEpoch: number }[];
  }): Promise<void>;
  close(force?: boolean): Promise<void>;
};
type BufferStream = { pause(): unknown; close(): Promise<void> };

const DEFAULT_RETRY: RetryOptions = { retries: 6, baseDelayMs: 200, maxDelayMs: 5_000 };

export async function startKafkaS3Sink(options: KafkaS3SinkOptions): Promise<S3Sink> {
  const sink = new KafkaS3Sink(options, await loadKafka());
  await sink.start();
  return sink;
}

class KafkaS3Sink implements S3Sink {
  private readonly pattern: RegExp;
  private readonly flushSize: number;
  private readonly rotateMs: number;
  private readonly pollMs: number;
  private readonly logger: Logger;
  private readonly admin: Admin;
  private readonly abort = new AbortController();
  private consumer: BufferConsumer | undefined;
  private stream: BufferStream | undefined;
  private subscribed: string[] = [];
  private states = new Map<string, PartitionState>();
  private ends = new Map<string, number>();
  /** The group's committed offsets as Kafka last told them, keyed `<topic>-<partition>`. */
  private groupCommitted = new Map<string, number>();
  private topicIds = new Map<string, string>();
  private timer: NodeJS.Timeout | undefined;
  /** The poll in progress: polls never overlap (two could subscribe twice). */
  private polling: Promise<void> | undefined;
  private stopped = false;
  private objectsWritten = 0;
  private recordsWritten = 0;

  constructor(
    private readonly options: KafkaS3SinkOptions,
    private readonly kafka: KafkaModule,
  ) {
    this.pattern = compileTopicsRegex(options.topicsRegex);
    this.flushSize = options.flushSize ?? 1;
    this.rotateMs = options.rotateIntervalMs ?? 1_000;
    this.pollMs = options.pollIntervalMs ?? 500;
    this.logger = options.logger ?? createLogger('s3-sink');
    this.admin = new kafka.Admin({
      clientId: `${connectorGroup(options.connectorName)}-admin`,
      bootstrapBrokers: [options.bootstrap],
      retries: 5,
      retryDelay: 200,
    });
  }

  async start(): Promise<void> {
    await this.poll();
    this.timer = setInterval(() => {
      if (this.polling) return;
      this.poll().catch((error: unknown) =>
        this.logger.warn(`S3 sink: ${describeError(error)}; retrying in ${this.pollMs} ms`),
      );
    }, this.pollMs);
  }

  async stop(): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    clearInterval(this.timer);
    await this.polling?.catch(() => undefined);
    this.abort.abort();
    await this.unsubscribe();
    await this.admin
      .close()
      .catch((error: unknown) => this.logger.warn(`closing the sink's admin client: ${describeError(error)}`));
  }

  async drain(timeoutMs = 30_000): Promise<void> {
    if (this.stopped) throw new PipelineError('SINK_STOPPED', 'the S3 sink is stopped');
    const deadline = Date.now() + timeoutMs;
    await this.poll();
    const targets = new Map(this.ends);
    for (;;) {
      const behind = [...targets].reduce((sum, [key, end]) => sum + Math.max(0, end - this.committedOf(key)), 0);
      if (behind === 0) return;
      if (this.stopped) throw new PipelineError('SINK_STOPPED', 'the S3 sink was stopped before it caught up');
      if (Date.now() > deadline) {
        throw new PipelineError(
          'SINK_DRAIN_TIMEOUT',
          `the S3 sink is still ${behind} records behind after ${timeoutMs} ms; see the errors above (is S3 reachable and the bucket ${this.options.bucket} there?)`,
          { retriable: true },
        );
      }
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  }

  stats(): { objectsWritten: number; recordsWritten: number; lag: number; committed: Record<string, number> } {
    const committed: Record<string, number> = {};
    let lag = 0;
    for (const [key, end] of this.ends) {
      const done = this.committedOf(key);
      committed[key] = done;
      lag += Math.max(0, end - done);
    }
    return { objectsWritten: this.objectsWritten, recordsWritten: this.recordsWritten, lag, committed };
  }

  /** The next offset to copy of a partition: what this run committed, else what the group holds. */
  private committedOf(key: string): number {
    return Math.max(this.states.get(key)?.committed ?? 0, this.groupCommitted.get(key) ?? 0);
  }

  /** Runs `pollOnce`, or waits for the one in progress and runs it again (its view may predate the caller's records). */
  private async poll(): Promise<void> {
    while (this.polling) await this.polling.catch(() => undefined);
    this.polling = this.pollOnce().finally(() => (this.polling = undefined));
    return this.polling;
  }

  /** Follows the matching topics, reads their end offsets, and writes partial objects that are due. */
  private async pollOnce(): Promise<void> {
    if (this.stopped) return;
    const names = (
      await this.admin.listTopics().catch((error: unknown) => Promise.reject(kafkaError(error, 'listing topics')))
    )
      .filter((name) => this.pattern.test(name))
      .sort();
    if (names.join('\n') !== this.subscribed.join('\n')) await this.subscribe(names);
    if (names.length > 0) {
      const metadata = await this.admin.metadata({ topics: names });
      const requests = names.map((name) => ({
        name,
        partitions: Array.from({ length: metadata.topics.get(name)?.partitionsCount ?? 0 }, (_, partitionIndex) => ({
          partitionIndex,
          timestamp: -1n,
        })),
      }));
      for (const name of names) this.topicIds.set(name, metadata.topics.get(name)?.id ?? '');
      const listed = await this.admin.listOffsets({ topics: requests });
      const ends = new Map<string, number>();
      for (const topic of listed)
        for (const p of topic.partitions) ends.set(`${topic.name}-${p.partitionIndex}`, Number(p.offset));
      this.ends = ends;
      const [group] = await this.admin.listConsumerGroupOffsets({
        groups: [connectorGroup(this.options.connectorName)],
      });
      const committed = new Map<string, number>();
      for (const topic of group?.topics ?? [])
        for (const p of topic.partitions)
          if (p.committedOffset >= 0n) committed.set(`${topic.name}-${p.partitionIndex}`, Number(p.committedOffset));
      this.groupCommitted = committed;
    } else {
      this.ends = new Map();
    }
    const now = Date.now();
    for (const state of this.states.values()) {
      if (state.buffer.length > 0 && now - state.firstAt >= this.rotateMs) this.enqueueFlush(state, true);
    }
  }

  private async subscribe(names: string[]): Promise<void> {
    await this.unsubscribe();
    this.subscribed = names;
    if (names.length === 0 || this.stopped) return;
    const consumer = new this.kafka.Consumer({
      groupId: connectorGroup(this.options.connectorName),
      clientId: connectorGroup(this.options.connectorName),
      bootstrapBrokers: [this.options.bootstrap],
      autocommit: false,
      // The broker's smallest session (group.min.session.timeout.ms): a killed sink's partitions move on soonest.
      sessionTimeout: 6_000,
      heartbeatInterval: 500,
      maxWaitTime: 200,
    });
    this.consumer = consumer;
    const stream = await consumer.consume({
      topics: names,
      mode: 'committed',
      fallbackMode: 'earliest',
      autocommit: false,
    });
    this.stream = stream;
    stream.on('data', (message) =>
      this.receive(message.topic, message.partition, Number(message.offset), message.value, Number(message.timestamp)),
    );
    stream.on('error', (error: unknown) => {
      this.logger.error(`S3 sink consumer: ${describeError(error)}; subscribing again`);
      this.subscribed = [];
    });
  }

  /** Leaves the group after the writes in flight; unflushed records are read again from the committed offsets. */
  private async unsubscribe(): Promise<void> {
    const stream = this.stream;
    const consumer = this.consumer;
    this.stream = undefined;
    this.consumer = undefined;
    stream?.pause();
    await Promise.allSettled([...this.states.values()].map((s) => s.chain));
    this.states.clear();
    await Promise.resolve(stream?.close()).catch((error: unknown) =>
      this.logger.warn(`closing the sink's stream: ${describeError(error)}`),
    );
    await consumer
      ?.close(true)
      .catch((error: unknown) => this.logger.warn(`closing the sink's consumer: ${describeError(error)}`));
  }

  private receive(topic: string, partition: number, offset: number, value: Buffer, timestamp: number): void {
    const key = `${topic}-${partition}`;
    let state = this.states.get(key);
    if (!state) {
      state = {
        topic,
        partition,
        buffer: [],
        firstAt: 0,
        committed: offset,
        adoptedTo: offset,
        adopted: false,
        chain: Promise.resolve(),
      };
      this.states.set(key, state);
    }
    if (offset < state.committed || (state.buffer.length > 0 && offset <= state.buffer[state.buffer.length - 1].offset))
      return;
    if (state.buffer.length === 0) state.firstAt = Date.now();
    state.buffer.push({ offset, value, timestamp });
    if (state.buffer.length >= this.flushSize) this.enqueueFlush(state, false);
  }

  /** Queues the partition's next objects (whole ones; with `rotate`, also a partial one) behind its earlier writes. */
  private enqueueFlush(state: PartitionState, rotate: boolean): void {
    const chunks: StoredRecord[][] = [];
    while (state.buffer.length >= this.flushSize) chunks.push(state.buffer.splice(0, this.flushSize));
    if (rotate && state.buffer.length > 0) chunks.push(state.buffer.splice(0));
    if (state.buffer.length > 0) state.firstAt = Date.now();
    for (const chunk of chunks) {
      state.chain = state.chain
        .then(() => this.write(state, chunk))
        .catch((error: unknown) => {
          if (this.stopped) return;
          this.logger.error(
            `S3 sink: ${describeError(error)}; re-reading ${state.topic}-${state.partition} from offset ${state.committed}`,
          );
          this.subscribed = [];
        });
    }
  }

  private async write(state: PartitionState, chunk: StoredRecord[]): Promise<void> {
    if (this.stopped) return;
    if (!state.adopted) await this.adopt(state, chunk[0].offset);
    const records = chunk.filter((r) => r.offset >= state.adoptedTo);
    if (records.length === 0) return;
    const first = records[0].offset;
    const key = sinkObjectKey(state.topic, state.partition, first);
    const retry = { ...(this.options.retry ?? DEFAULT_RETRY), signal: this.abort.signal };
    await withRetry(
      () =>
        this.options.s3.send(
          new PutObjectCommand({
            Bucket: this.options.bucket,
            Key: key,
            Body: formatSinkObject(records),
            ContentType: 'application/json',
            Metadata: { 'record-count': String(records.length), 'topic-id': this.topicIds.get(state.topic) ?? '' },
          }),
          { abortSignal: this.abort.signal },
        ),
      {
        ...retry,
        onRetry: (error, attempt, delayMs) =>
          this.logger.warn(
            `writing s3://${this.options.bucket}/${key}: ${describeError(error)}; retry ${attempt} in ${delayMs} ms`,
          ),
      },
    );
    const next = records[records.length - 1].offset + 1;
    await this.commit(state, next);
    this.objectsWritten++;
    this.recordsWritten += records.length;
  }

  /** Adopts the objects an interrupted run wrote from `offset` on (their offsets were never committed). */
  private async adopt(state: PartitionState, offset: number): Promise<void> {
    state.adopted = true;
    let next = offset;
    const topicId = this.topicIds.get(state.topic) ?? '';
    for (;;) {
      let head;
      try {
        head = await this.options.s3.send(
          new HeadObjectCommand({
            Bucket: this.options.bucket,
            Key: sinkObjectKey(state.topic, state.partition, next),
          }),
          { abortSignal: this.abort.signal },
        );
      } catch (error) {
        if (isNotFound(error)) break;
        throw error;
      }
      const count = Number(head.Metadata?.['record-count']);
      if (head.Metadata?.['topic-id'] !== topicId || !Number.isSafeInteger(count) || count < 1) break;
      next += count;
    }
    if (next > offset) {
      this.logger.info(
        `${state.topic}-${state.partition}: offsets ${offset}-${next - 1} were already in S3 from an interrupted run; adopted`,
      );
      state.adoptedTo = next;
      await this.commit(state, next);
    }
  }

  private async commit(state: PartitionState, offset: number): Promise<void> {
    const consumer = this.consumer;
    if (!consumer) throw new PipelineError('SINK_STOPPED', 'the S3 sink left its group before committing');
    try {
      await consumer.commit({
        offsets: [{ topic: state.topic, partition: state.partition, offset: BigInt(offset), leaderEpoch: -1 }],
      });
    } catch (error) {
      throw kafkaError(error, `committing ${state.topic}-${state.partition} at ${offset}`);
    }
    state.committed = Math.max(state.committed, offset);
  }
}
