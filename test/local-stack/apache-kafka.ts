import { existsSync } from 'node:fs';
import path from 'node:path';
import { KAFKA_VERSION, kafkaLibsDir } from '../../src/local-stack/kafka/broker';

/**
 * Why the Apache Kafka tests cannot run here, or false when they can. Under CI=true they always
 * run (a missing `npm run setup:kafka` is then their failure, not a skip).
 */
export function apacheKafkaSkip(): string | false {
  if (process.env.CI === 'true') return false;
  return existsSync(path.join(kafkaLibsDir(), `kafka_2.13-${KAFKA_VERSION}.jar`))
    ? false
    : 'Apache Kafka is not set up here: run npm run setup:kafka';
}
