import { describeError, hasErrorCode, PipelineError, type ErrorCode } from '../../errors';
import type { TopicBackend } from '../topic-backend';
import { loadKafka, type KafkaModule } from './client';
import {
  checkTopicSpec,
  validateTopicName,
  type AppendRecord,
  type CreateTopicOptions,
  type TopicInfo,
} from '../topic-store';

/**
 * Apache Kafka as the stack's `TopicBackend`: admin calls through Kafka's Admin API, produces
 * through one idempotent producer with `acks=all`. A produce's failure carries Kafka's retriable
 * flag (`PipelineError.retriable`), which the REST proxy turns into 50003 (retriable) or 50002.
 */
export interface KafkaTopicsOptions {
  /** `host:port` of the broker. */
  bootstrap: string;
  autoCreateTopics?: boolean;
  /** Partitions of a topic created without a count (the broker's `num.partitions`, 1). */
  defaultPartitions?: number;
  /** Client id prefix shown in the broker's logs. */
  clientId?: string;
}

/** Brokers of the local cluster. */
const LOCAL_BROKERS = 1;

export async function kafkaTopics(options: KafkaTopicsOptions): Promise<TopicBackend> {
  return new KafkaTopics(await loadKafka(), options);
}

/** The Apache Kafka `TopicBackend`: see `KafkaTopicsOptions`. */
class KafkaTopics implements TopicBackend {
  readonly kind = 'apache' as const;
  readonly autoCreateTopics: boolean;
  readonly brokers = LOCAL_BROKERS;
  private readonly admin: InstanceType<KafkaModule['Admin']>;
  private readonly producer: InstanceType<KafkaModule['Producer']>;
  private readonly cluster: { defaultPartitions: number; brokers: number };
  // The idempotent producer numbers a partition's batches in order: one send per partition at a
  // time, appends that arrive meanwhile go together in the next send (as the embedded log's group commit).
  private readonly queues = new Map<string, PartitionQueue>();

  constructor(
    private readonly kafka: KafkaModule,
    options: KafkaTopicsOptions,
  ) {
    const clientId = options.clientId ?? 'local-stack-rest-proxy';
    const common = { bootstrapBrokers: [options.bootstrap], timeout: 15_000, retries: 5, retryDelay: 200 };
    this.admin = new kafka.Admin({ clientId: `${clientId}-admin`, ...common });
    this.producer = new kafka.Producer({ clientId, ...common, idempotent: true, acks: kafka.ProduceAcks.ALL });
    this.cluster = { defaultPartitions: options.defaultPartitions ?? 1, brokers: LOCAL_BROKERS };
    this.autoCreateTopics = options.autoCreateTopics ?? true;
  }

  async listTopics(): Promise<TopicInfo[]> {
    const names = (await call('listing topics', () => this.admin.listTopics())).sort();
    const infos = await Promise.all(names.map((name) => this.describeTopic(name)));
    return infos.filter((info): info is TopicInfo => info !== undefined);
  }

  async getTopic(name: string): Promise<TopicInfo | undefined> {
    validateTopicName(name);
    return this.describeTopic(name);
  }

  async validateTopic(name: string, create: CreateTopicOptions = {}): Promise<TopicInfo> {
    const info = checkTopicSpec(name, create, this.cluster);
    if (await this.exists(name)) throw new PipelineError('TOPIC_EXISTS', `topic '${name}' already exists`);
    return info;
  }

  async createTopic(name: string, create: CreateTopicOptions = {}): Promise<TopicInfo> {
    const spec = await this.validateTopic(name, create);
    await call(`creating ${name}`, () =>
      this.admin.createTopics({
        topics: [name],
        partitions: spec.partitions,
        replicas: spec.replicationFactor,
        configs: Object.entries(spec.configs).map(([key, value]) => ({ name: key, value })),
      }),
    );
    return (await this.describeTopic(name)) ?? spec;
  }

  async ensureTopic(name: string): Promise<TopicInfo> {
    const found = await this.describeTopic(name);
    if (found) return found;
    try {
      return await this.createTopic(name);
    } catch (error) {
      if (!hasErrorCode(error, 'TOPIC_EXISTS')) throw error;
      const raced = await this.describeTopic(name);
      if (!raced) throw error;
      return raced;
    }
  }

  async deleteTopic(name: string): Promise<void> {
    if (!(await this.exists(name))) throw new PipelineError('TOPIC_NOT_FOUND', `topic '${name}' does not exist`);
    await call(`deleting ${name}`, () => this.admin.deleteTopics({ topics: [name] }));
  }

  append(topic: string, partition: number, records: AppendRecord[]): Promise<number[]> {
    if (records.length === 0) return Promise.resolve([]);
    const key = `${topic}\u0000${partition}`;
    let queue = this.queues.get(key);
    if (!queue) {
      queue = { topic, partition, waiting: [], sending: false };
      this.queues.set(key, queue);
    }
    const current = queue;
    return new Promise<number[]>((resolve, reject) => {
      current.waiting.push({ records, resolve, reject });
      if (!current.sending) {
        current.sending = true;
        void this.send(current);
      }
    });
  }

  async endOffset(topic: string, partition: number): Promise<number> {
    const [listed] = await call(`reading the end offset of ${topic}-${partition}`, () =>
      this.admin.listOffsets({
        topics: [{ name: topic, partitions: [{ partitionIndex: partition, timestamp: -1n }] }],
      }),
    );
    const offset = listed?.partitions.find((p) => p.partitionIndex === partition)?.offset;
    if (offset === undefined)
      throw new PipelineError('PARTITION_NOT_FOUND', `partition ${partition} of '${topic}' does not exist`);
    return Number(offset);
  }

  async close(): Promise<void> {
    await Promise.allSettled([this.producer.close(), this.admin.close()]);
  }

  private async exists(name: string): Promise<boolean> {
    return (await call('listing topics', () => this.admin.listTopics())).includes(name);
  }

  /** A topic as the REST proxy shows it (its partitions, replicas and the configs set on it), or undefined. */
  private async describeTopic(name: string): Promise<TopicInfo | undefined> {
    if (!(await this.exists(name))) return undefined;
    const metadata = await call(`describing ${name}`, () => this.admin.metadata({ topics: [name], forceUpdate: true }));
    const topic = metadata.topics.get(name);
    if (!topic) return undefined;
    const { ConfigResourceTypes, ConfigSources } = this.kafka;
    const [description] = await call(`reading the configs of ${name}`, () =>
      this.admin.describeConfigs({ resources: [{ resourceType: ConfigResourceTypes.TOPIC, resourceName: name }] }),
    );
    const configs: Record<string, string> = {};
    for (const config of description?.configs ?? []) {
      if (config.configSource === ConfigSources.TOPIC_CONFIG && typeof config.value === 'string')
        configs[config.name] = config.value;
    }
    return {
      name,
      partitions: topic.partitionsCount,
      replicationFactor: topic.partitions[0]?.replicas.length ?? 1,
      configs,
      topicId: topic.id,
      replicas: topic.partitions.map((p) => [p.leader, ...p.replicas.filter((r) => r !== p.leader)]),
    };
  }

  /** Sends what waits for one partition, a batch at a time, resolving each append with its offsets. */
  private async send(queue: PartitionQueue): Promise<void> {
    while (queue.waiting.length > 0) {
      const batch = queue.waiting.splice(0);
      const messages = batch.flatMap((pending) =>
        pending.records.map((record) => toMessage(queue.topic, queue.partition, record)),
      );
      try {
        const result = await this.producer.send({ messages });
        const base = result.offsets?.find((o) => o.topic === queue.topic && o.partition === queue.partition)?.offset;
        if (base === undefined)
          throw new PipelineError(
            'KAFKA_REQUEST_FAILED',
            `Kafka acknowledged ${queue.topic}-${queue.partition} without an offset`,
            { retriable: true },
          );
        let next = Number(base);
        for (const pending of batch) {
          pending.resolve(pending.records.map(() => next++));
        }
      } catch (error) {
        const failure = kafkaError(error, `producing to ${queue.topic}-${queue.partition}`);
        for (const pending of batch) pending.reject(failure);
      }
    }
    queue.sending = false;
  }
}

interface PendingAppend {
  records: AppendRecord[];
  resolve(offsets: number[]): void;
  reject(error: unknown): void;
}

interface PartitionQueue {
  topic: string;
  partition: number;
  waiting: PendingAppend[];
  sending: boolean;
}

/** A record as Kafka bytes: JSON values as their JSON text, byte values as they are. */
function toMessage(
  topic: string,
  partition: number,
  record: AppendRecord,
): { topic: string; partition: number; value: Buffer; key?: Buffer } {
  const value = toBytes(record.value);
  return record.key === undefined || record.key === null
    ? { topic, partition, value }
    : { topic, partition, value, key: toBytes(record.key) };
}

function toBytes(value: unknown): Buffer {
  if (value instanceof Uint8Array) return Buffer.from(value.buffer, value.byteOffset, value.byteLength);
  return Buffer.from(JSON.stringify(value ?? null) ?? 'null', 'utf8');
}

/** Runs an admin call, turning Kafka's failure into a coded error. */
async function call<T>(what: string, run: () => Promise<T>): Promise<T> {
  try {
    return await run();
  } catch (error) {
    throw kafkaError(error, what);
  }
}

const PROTOCOL_CODES: Record<string, ErrorCode> = {
  TOPIC_ALREADY_EXISTS: 'TOPIC_EXISTS',
  UNKNOWN_TOPIC_OR_PARTITION: 'TOPIC_NOT_FOUND',
  UNKNOWN_TOPIC_ID: 'TOPIC_NOT_FOUND',
  INVALID_TOPIC_EXCEPTION: 'TOPIC_NAME_INVALID',
  INVALID_PARTITIONS: 'TOPIC_CONFIG_INVALID',
  INVALID_REPLICATION_FACTOR: 'TOPIC_CONFIG_INVALID',
  INVALID_CONFIG: 'TOPIC_CONFIG_INVALID',
};

/**
 * Kafka's failure as a `PipelineError`, classified where it enters: Kafka's own retriable flag
 * (`canRetry`, on the error or on the protocol errors inside it) becomes `retriable`.
 */
export function kafkaError(error: unknown, what: string): PipelineError {
  if (error instanceof PipelineError) return error;
  const inner = flatten(error);
  const protocol = inner.find((e) => typeof e.apiId === 'string');
  const code = protocol ? PROTOCOL_CODES[protocol.apiId as string] : undefined;
  const retriable =
    inner.some((e) => e.canRetry === true) && !inner.some((e) => e.canRetry === false && typeof e.apiId === 'string');
  const detail = protocol
    ? `${String(protocol.apiId)}: ${String(protocol.serverErrorMessage ?? protocol.message)}`
    : describeError(error);
  return new PipelineError(code ?? 'KAFKA_REQUEST_FAILED', `${what} failed: ${detail}`, {
    retriable: code ? false : retriable,
    cause: error,
  });
}

type Flat = { apiId?: unknown; canRetry?: unknown; serverErrorMessage?: unknown; message?: string };

function flatten(error: unknown, seen = new Set<unknown>()): Flat[] {
  if (!error || typeof error !== 'object' || seen.has(error)) return [];
  seen.add(error);
  const e = error as Flat & { errors?: unknown[]; cause?: unknown };
  return [e, ...(Array.isArray(e.errors) ? e.errors.flatMap((x) => flatten(x, seen)) : []), ...flatten(e.cause, seen)];
}
