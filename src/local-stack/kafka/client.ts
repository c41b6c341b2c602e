// @platformatic/kafka: maintained, pure JavaScript (no native build, no binary download at install), typed, with Admin,
// an idempotent Producer and group Consumers. It is an ES module: this CommonJS workspace loads it with import().

/** The Kafka client library (loaded by Node once, then cached). */
export function loadKafka() {
  return import('@platformatic/kafka');
}

export type KafkaModule = Awaited<ReturnType<typeof loadKafka>>;
