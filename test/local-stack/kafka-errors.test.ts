/**
 * Kafka's failures classified where they enter (`kafkaError`): Kafka's own retriable flag decides
 * whether the REST proxy answers a record's failure with 50003 (retriable) or 50002.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { loadKafka } from '../../src/local-stack/kafka/client';
import { kafkaError } from '../../src/local-stack/kafka/kafka-topics';
import { isRetriableRecordCode } from '../../src/emulation/rest-proxy-transport';
import { KAFKA_ERROR, KAFKA_RETRIABLE_ERROR } from '../../src/local-stack/rest-proxy';

test("Kafka's retriable flag becomes the error's, and so 50003 or 50002", async () => {
  const { NetworkError, ProtocolError, ResponseError } = await loadKafka();
  const cases = [
    { error: new ProtocolError('MESSAGE_TOO_LARGE'), retriable: false, code: 'KAFKA_REQUEST_FAILED' },
    { error: new ProtocolError('NOT_ENOUGH_REPLICAS'), retriable: true, code: 'KAFKA_REQUEST_FAILED' },
    {
      error: new ResponseError(0, 9, { '/topics/0/partitions/0': [10, 'too large'] }, {}),
      retriable: false,
      code: 'KAFKA_REQUEST_FAILED',
    },
    {
      error: new ResponseError(0, 9, { '/topics/0/partitions/0': [7, null] }, {}),
      retriable: true,
      code: 'KAFKA_REQUEST_FAILED',
    },
    { error: new NetworkError('Connection closed'), retriable: true, code: 'KAFKA_REQUEST_FAILED' },
    { error: new ProtocolError('TOPIC_ALREADY_EXISTS'), retriable: false, code: 'TOPIC_EXISTS' },
    { error: new ProtocolError('INVALID_REPLICATION_FACTOR'), retriable: false, code: 'TOPIC_CONFIG_INVALID' },
  ];
  for (const { error, retriable, code } of cases) {
    const classified = kafkaError(error, 'producing to t-0');
    assert.equal(classified.retriable, retriable, `${error.message}: retriable`);
    assert.equal(classified.code, code, error.message);
    assert.match(classified.message, /^producing to t-0 failed: /);
    const recordCode = classified.retriable ? KAFKA_RETRIABLE_ERROR : KAFKA_ERROR;
    assert.equal(isRetriableRecordCode(recordCode), retriable, 'the emulation retries exactly the retriable ones');
  }
});
