import type { KafkaKind } from './defaults';
import type { AppendRecord, CreateTopicOptions, TopicInfo, TopicStore } from './topic-store';

/**
 * What the REST proxy and the stack need from "Kafka": one interface, two implementations. The
 * embedded one is the TypeScript log (`TopicStore`, no Java needed); the Apache one talks to a
 * real KRaft broker (`src/local-stack/kafka/kafka-topics.ts`). Both throw `PipelineError`s with the
 * same codes (`TOPIC_NOT_FOUND`, `TOPIC_EXISTS`, `TOPIC_CONFIG_INVALID`, ...), so the REST proxy
 * answers the same on the wire whichever runs.
 */
export interface TopicBackend {
  /** `embedded` (the TypeScript log) or `apache` (Apache Kafka). */
  readonly kind: KafkaKind;
  /** A produce to a missing topic creates it (`auto.create.topics.enable`). */
  readonly autoCreateTopics: boolean;
  /** Brokers of the cluster: a topic's replication factor cannot exceed it. */
  readonly brokers: number;
  listTopics(): Promise<TopicInfo[]>;
  getTopic(name: string): Promise<TopicInfo | undefined>;
  /** Checks a create as Kafka does, creating nothing (`validate_only`). */
  validateTopic(name: string, options?: CreateTopicOptions): Promise<TopicInfo>;
  createTopic(name: string, options?: CreateTopicOptions): Promise<TopicInfo>;
  /** The topic, created with the defaults when missing. */
  ensureTopic(name: string): Promise<TopicInfo>;
  deleteTopic(name: string): Promise<void>;
  /** Appends to one partition; resolves with the records' offsets once they are durable (acks=all). */
  append(topic: string, partition: number, records: AppendRecord[]): Promise<number[]>;
  /** The offset the next record of the partition will get (the high watermark). */
  endOffset(topic: string, partition: number): Promise<number>;
  close(): Promise<void>;
}

export { KAFKA_KINDS, type KafkaKind } from './defaults';

/** The embedded log as a `TopicBackend`. `close` leaves the store open: its opener closes it. */
export function embeddedTopics(store: TopicStore): TopicBackend {
  return {
    kind: 'embedded',
    get autoCreateTopics() {
      return store.autoCreateTopics;
    },
    get brokers() {
      return store.brokers;
    },
    listTopics: async () => store.listTopics(),
    getTopic: async (name) => store.getTopic(name),
    validateTopic: async (name, options) => store.validateTopic(name, options),
    createTopic: (name, options) => store.createTopic(name, options),
    ensureTopic: (name) => store.ensureTopic(name),
    deleteTopic: (name) => store.deleteTopic(name),
    // Looked up at each call, so a test can replace the store's `append`.
    append: (topic, partition, records) => store.append(topic, partition, records),
    endOffset: async (topic, partition) => store.endOffset(topic, partition),
    close: async () => undefined,
  };
}
