import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import net from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import {
  keyPartition,
  murmur2,
  startRestProxy,
  type FaultInjector,
  type RestProxy,
} from '../../src/local-stack/rest-proxy';
import { DEFAULT_MAX_MESSAGE_BYTES, TopicStore } from '../../src/local-stack/topic-store';
import { isRetriableRecordCode } from '../../src/emulation/rest-proxy-transport';
import { PipelineError } from '../../src/errors';

const JSON_V2 = 'application/vnd.kafka.json.v2+json';
const BINARY_V2 = 'application/vnd.kafka.binary.v2+json';
const silent = { info: () => undefined, warn: () => undefined, error: () => undefined };

interface Answer {
  status: number;
  contentType: string | null;
  text: string;
  json: any; // eslint-disable-line @typescript-eslint/no-explicit-any -- response bodies are checked field by field
}

async function call(
  method: string,
  url: string,
  body?: string | Buffer | object,
  headers: Record<string, string> = {},
): Promise<Answer> {
  const payload = body === undefined || typeof body === 'string' || Buffer.isBuffer(body) ? body : JSON.stringify(body);
  const response = await fetch(url, { method, headers, ...(payload === undefined ? {} : { body: payload }) });
  const text = await response.text();
  let json: unknown;
  try {
    json = text === '' ? undefined : JSON.parse(text);
  } catch (error) {
    assert.fail(
      `${method} ${url} answered ${response.status} with a body that is not JSON: ${text.slice(0, 200)} (${String(error)})`,
    );
  }
  return { status: response.status, contentType: response.headers.get('content-type'), text, json };
}

/** Sends raw bytes on a socket and returns what comes back (the server closes the connection). */
function rawRequest(port: number, bytes: string | Buffer): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = net.connect(port, '127.0.0.1');
    const chunks: Buffer[] = [];
    socket.on('data', (chunk) => chunks.push(chunk));
    socket.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    socket.on('error', reject);
    socket.setTimeout(5_000, () => socket.destroy(new Error('raw request timed out')));
    socket.write(bytes);
  });
}

function assertError(answer: Answer, status: number, errorCode: number): void {
  assert.equal(answer.status, status, answer.text);
  assert.equal(answer.json.error_code, errorCode, answer.text);
  assert.equal(typeof answer.json.message, 'string');
}

describe('REST proxy conformance over HTTP', () => {
  let dir: string;
  let store: TopicStore;
  let proxy: RestProxy;
  let url: string;
  const faults: { next?: { status: number; body?: unknown }; failIndexes?: Set<number> } = {};
  const injector: FaultInjector = {
    beforeRequest: () => {
      const injected = faults.next;
      faults.next = undefined;
      return injected;
    },
    failRecord: (topic, index) =>
      topic === 'faulty' && faults.failIndexes?.has(index)
        ? { error_code: 50003, error: 'Injected retriable failure' }
        : undefined,
  };

  before(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'pp-rest-proxy-'));
    store = await TopicStore.open({ dir: path.join(dir, 'topics'), logger: silent });
    proxy = await startRestProxy(store, { port: 0, clusterId: 'test-cluster', faults: injector, logger: silent });
    url = proxy.url;
  });

  after(async () => {
    await proxy?.close();
    await store?.close();
    await rm(dir, { recursive: true, force: true });
  });

  test('binds 127.0.0.1 and reports its URL and cluster', () => {
    assert.match(url, /^http:\/\/127\.0\.0\.1:\d+$/);
    assert.equal(proxy.clusterId, 'test-cluster');
    assert.equal(url, `http://127.0.0.1:${proxy.port}`);
  });

  test('v2 produce: offsets per record, in order, increasing across requests; the v2 content type', async () => {
    const first = await call(
      'POST',
      `${url}/topics/u1.pin`,
      { records: [{ value: { index: 1 } }, { value: { index: 2 } }, { value: { index: 3 } }] },
      { 'Content-Type': JSON_V2 },
    );
    assert.equal(first.status, 200, first.text);
    assert.equal(first.contentType, 'application/vnd.kafka.v2+json');
    assert.deepEqual(first.json, {
      offsets: [0, 1, 2].map((offset) => ({ partition: 0, offset, error_code: null, error: null })),
      key_schema_id: null,
      value_schema_id: null,
    });
    const second = await call(
      'POST',
      `${url}/topics/u1.pin`,
      { value_schema: '{"type":"record"}', records: [{ value: { index: 4 } }, { value: 'five', partition: 0 }] },
      { 'Content-Type': `${JSON_V2}; charset=utf-8` },
    );
    assert.deepEqual(
      second.json.offsets.map((o: { offset: number }) => o.offset),
      [3, 4],
    );
    assert.deepEqual(
      (await store.read('u1.pin', 0, 0, 10)).map((r) => r.value),
      [{ index: 1 }, { index: 2 }, { index: 3 }, { index: 4 }, 'five'],
    );
    const viaPartition = await call(
      'POST',
      `${url}/topics/u1.pin/partitions/0`,
      { records: [{ value: 6 }] },
      { 'Content-Type': JSON_V2 },
    );
    assert.deepEqual(viaPartition.json.offsets, [{ partition: 0, offset: 5, error_code: null, error: null }]);
  });

  test('v2 binary produce: base64 values and keys are stored as bytes', async () => {
    const value = Buffer.from('{"index":7}');
    const answer = await call(
      'POST',
      `${url}/topics/u1.bin`,
      { records: [{ value: value.toString('base64'), key: Buffer.from('k').toString('base64') }, { value: null }] },
      { 'Content-Type': BINARY_V2 },
    );
    assert.equal(answer.status, 200, answer.text);
    const stored = await store.read('u1.bin', 0, 0, 10);
    assert.deepEqual(
      stored.map((r) => [r.value, r.key]),
      [
        [value, Buffer.from('k')],
        [null, undefined],
      ],
    );
    assertError(
      await call(
        'POST',
        `${url}/topics/u1.bin`,
        { records: [{ value: 'not base64!' }] },
        { 'Content-Type': BINARY_V2 },
      ),
      422,
      42206,
    );
    assertError(
      await call('POST', `${url}/topics/u1.bin`, { records: [{ value: { a: 1 } }] }, { 'Content-Type': BINARY_V2 }),
      422,
      42206,
    );
  });

  test('415 for any other content type, with a JSON error body', async () => {
    const body = JSON.stringify({ records: [{ value: 1 }] });
    for (const contentType of [
      'application/json',
      'text/plain',
      'application/vnd.kafka.avro.v2+json',
      'application/vnd.kafka.json.v1+json',
      'application/x-www-form-urlencoded',
    ]) {
      const answer = await call('POST', `${url}/topics/u1.pin`, body, { 'Content-Type': contentType });
      assertError(answer, 415, 415);
      assert.equal(answer.contentType, 'application/vnd.kafka.v2+json');
    }
    const none = await fetch(`${url}/topics/u1.pin`, { method: 'POST', body: new Uint8Array(Buffer.from(body)) });
    assert.equal(none.status, 415);
    assert.equal(((await none.json()) as { error_code: number }).error_code, 415);
  });

  test('v2 topic metadata; 40401 for an unknown topic, 40402 for an unknown partition', async () => {
    const list = await call('GET', `${url}/topics`);
    assert.equal(list.status, 200);
    assert.ok(Array.isArray(list.json) && list.json.includes('u1.pin'));
    const topic = await call('GET', `${url}/topics/u1.pin`);
    assert.deepEqual(topic.json, {
      name: 'u1.pin',
      configs: {},
      partitions: [{ partition: 0, leader: 1, replicas: [{ broker: 1, leader: true, in_sync: true }] }],
    });
    assert.deepEqual((await call('GET', `${url}/topics/u1.pin/partitions`)).json, topic.json.partitions);
    assert.deepEqual((await call('GET', `${url}/topics/u1.pin/partitions/0`)).json, topic.json.partitions[0]);

    const unknown = await call('GET', `${url}/topics/no.such.topic`);
    assert.equal(unknown.status, 404);
    assert.deepEqual(unknown.json, { error_code: 40401, message: 'Topic not found.' });
    assertError(await call('GET', `${url}/topics/u1.pin/partitions/3`), 404, 40402);
    assertError(await call('GET', `${url}/topics/u1.pin/partitions/x`), 404, 40402);
    assertError(
      await call('POST', `${url}/topics/u1.pin/partitions/1`, { records: [{ value: 1 }] }, { 'Content-Type': JSON_V2 }),
      404,
      40402,
    );
    assertError(
      await call(
        'POST',
        `${url}/topics/u1.pin`,
        { records: [{ value: 1 }, { value: 2, partition: 4 }] },
        { 'Content-Type': JSON_V2 },
      ),
      404,
      40402,
    );
    assert.equal(store.endOffset('u1.pin', 0), 6, 'a request with a bad partition stores nothing');
  });

  test('produce to a missing topic creates it (auto.create.topics.enable), or 40401 when that is off', async () => {
    const created = await call(
      'POST',
      `${url}/topics/u1.user`,
      { records: [{ value: { ind: 1 } }] },
      { 'Content-Type': JSON_V2 },
    );
    assert.equal(created.status, 200);
    assert.equal(store.getTopic('u1.user')?.partitions, 1);

    const strictDir = path.join(dir, 'strict');
    const strictStore = await TopicStore.open({ dir: strictDir, autoCreateTopics: false, logger: silent });
    const strict = await startRestProxy(strictStore, { port: 0, logger: silent });
    try {
      const answer = await call(
        'POST',
        `${strict.url}/topics/u1.pin`,
        { records: [{ value: 1 }] },
        { 'Content-Type': JSON_V2 },
      );
      assert.deepEqual([answer.status, answer.json], [404, { error_code: 40401, message: 'Topic not found.' }]);
      assert.deepEqual(strictStore.listTopics(), []);
    } finally {
      await strict.close();
      await strictStore.close();
    }
  });

  test('422 42206 for malformed JSON and wrong shapes, never 500; nothing stored', async () => {
    const before = store.endOffset('u1.pin', 0);
    const bodies = [
      '',
      '{',
      '{"records":[{"value":1}]',
      'null',
      '[]',
      '"records"',
      '{}',
      '{"records":null}',
      '{"records":{}}',
      '{"records":"x"}',
      '{"records":[]}',
      '{"records":[1]}',
      '{"records":[null]}',
      '{"records":[[{"value":1}]]}',
      '{"records":[{"foo":1}]}',
      '{"records":[{"value":1,"partition":"0"}]}',
      '{"records":[{"value":1,"partition":-1}]}',
      '{"records":[{"value":1,"partition":1.5}]}',
      '{"records":[{"value":1,"partition":1e400}]}',
      '{"records":[{"value":1},{"value":2,"partition":99999999999999999999}]}',
      // Nested deeper than JSON.stringify recurses: the value, and the key (hashed for its partition).
      `{"records":[{"value":${'['.repeat(100_000)}${']'.repeat(100_000)}}]}`,
      `{"records":[{"value":1,"key":${'['.repeat(100_000)}${']'.repeat(100_000)}}]}`,
    ];
    for (const body of bodies) {
      const answer = await call('POST', `${url}/topics/u1.pin`, body, { 'Content-Type': JSON_V2 });
      assertError(answer, 422, 42206);
    }
    assert.equal(store.endOffset('u1.pin', 0), before);
  });

  test('404 for unknown routes, 405 for wrong methods, JSON bodies', async () => {
    for (const route of [
      '/nope',
      '/topics/a/b',
      '/topics/a/partitions/0/x',
      '/v3',
      '/v3/nope',
      '/v3/clusters/test-cluster/nope',
      '/topics/%E0%A4%A',
    ]) {
      assertError(await call('GET', `${url}${route}`), 404, 404);
    }
    assertError(await call('DELETE', `${url}/topics`), 405, 405);
    assertError(await call('PUT', `${url}/topics/u1.pin`, '{}', { 'Content-Type': JSON_V2 }), 405, 405);
    assertError(await call('DELETE', `${url}/topics/u1.pin`), 405, 405);
    assertError(await call('POST', `${url}/v3/clusters`, '{}', { 'Content-Type': 'application/json' }), 405, 405);
    const root = await call('GET', `${url}/`);
    assert.equal(root.status, 200);
  });

  test('413 with a JSON body past the 20 MiB limit', async () => {
    const big = `{"records":[{"value":"${'x'.repeat(21 * 1024 * 1024)}"}]}`;
    const answer = await call('POST', `${url}/topics/u1.pin`, big, { 'Content-Type': JSON_V2 });
    assertError(answer, 413, 413);
    // The connection pool still works afterwards.
    assert.equal((await call('GET', `${url}/topics`)).status, 200);
  });

  test('v3 clusters and topics: list, create (201), duplicate (40002), get, delete (204), unknown (404)', async () => {
    const clusters = await call('GET', `${url}/v3/clusters`);
    assert.equal(clusters.status, 200);
    assert.equal(clusters.contentType, 'application/json');
    assert.equal(clusters.json.kind, 'KafkaClusterList');
    assert.equal(clusters.json.data.length, 1);
    assert.equal(clusters.json.data[0].kind, 'KafkaCluster');
    assert.equal(clusters.json.data[0].cluster_id, 'test-cluster');
    assert.equal(clusters.json.data[0].metadata.self, `${url}/v3/clusters/test-cluster`);
    assert.equal((await call('GET', `${url}/v3/clusters/test-cluster`)).json.cluster_id, 'test-cluster');
    assertError(await call('GET', `${url}/v3/clusters/other`), 404, 404);
    assertError(await call('GET', `${url}/v3/clusters/other/topics`), 404, 404);

    const base = `${url}/v3/clusters/test-cluster/topics`;
    const createBody = {
      topic_name: 'v3.topic',
      partitions_count: 3,
      replication_factor: 3,
      configs: [{ name: 'cleanup.policy', value: 'delete' }],
    };
    const created = await call('POST', base, createBody, { 'Content-Type': 'application/json' });
    assert.equal(created.status, 201, created.text);
    assert.equal(created.contentType, 'application/json');
    assert.deepEqual(
      {
        kind: created.json.kind,
        cluster_id: created.json.cluster_id,
        topic_name: created.json.topic_name,
        is_internal: created.json.is_internal,
        partitions_count: created.json.partitions_count,
        replication_factor: created.json.replication_factor,
      },
      {
        kind: 'KafkaTopic',
        cluster_id: 'test-cluster',
        topic_name: 'v3.topic',
        is_internal: false,
        partitions_count: 3,
        replication_factor: 3,
      },
    );
    assert.equal(created.json.metadata.self, `${base}/v3.topic`);
    assert.deepEqual(store.getTopic('v3.topic')?.configs, { 'cleanup.policy': 'delete' });

    const duplicate = await call('POST', base, createBody, { 'Content-Type': 'application/json' });
    assert.deepEqual(
      [duplicate.status, duplicate.json],
      [400, { error_code: 40002, message: "Topic 'v3.topic' already exists." }],
    );

    const list = await call('GET', base);
    assert.equal(list.json.kind, 'KafkaTopicList');
    assert.ok(list.json.data.some((t: { topic_name: string }) => t.topic_name === 'v3.topic'));
    const got = await call('GET', `${base}/v3.topic`);
    assert.deepEqual(got.json, created.json);
    const partitions = await call('GET', `${base}/v3.topic/partitions`);
    assert.deepEqual(
      partitions.json.data.map((p: { partition_id: number }) => p.partition_id),
      [0, 1, 2],
    );
    // v2 sees the replicas too.
    assert.deepEqual(
      (await call('GET', `${url}/topics/v3.topic/partitions/1`)).json.replicas.map((r: { broker: number }) => r.broker),
      [2, 3, 1],
    );

    const deleted = await fetch(`${base}/v3.topic`, { method: 'DELETE' });
    assert.equal(deleted.status, 204);
    assert.equal(await deleted.text(), '');
    assertError(await call('GET', `${base}/v3.topic`), 404, 40403);
    assertError(await call('DELETE', `${base}/v3.topic`), 404, 40403);
    assertError(await call('GET', `${url}/topics/v3.topic`), 404, 40401);

    // The defaults, and bad requests.
    const minimal = await call('POST', base, { topic_name: 'v3.min' }, { 'Content-Type': 'application/json' });
    assert.deepEqual([minimal.status, minimal.json.partitions_count, minimal.json.replication_factor], [201, 1, 1]);
    assertError(
      await call('POST', base, { topic_name: 'bad name!' }, { 'Content-Type': 'application/json' }),
      400,
      40002,
    );
    assertError(
      await call('POST', base, { topic_name: 'v3.zero', partitions_count: 0 }, { 'Content-Type': 'application/json' }),
      400,
      40002,
    );
    assertError(await call('POST', base, { topic_name: 'x' }, { 'Content-Type': 'text/plain' }), 415, 415);
    for (const body of [
      '{',
      '[]',
      '{}',
      '{"topic_name":7}',
      '{"topic_name":"v3.x","partitions_count":"3"}',
      '{"topic_name":"v3.x","configs":{"a":"b"}}',
      '{"topic_name":"v3.x","configs":[{"name":1}]}',
    ]) {
      assertError(await call('POST', base, body, { 'Content-Type': 'application/json' }), 422, 42206);
    }
    assert.equal(store.getTopic('v3.x'), undefined);
  });

  test('fault injection: a whole-request status, and per-record failures inside a 200 that are not stored', async () => {
    faults.next = { status: 500, body: { error_code: 50001, message: 'Injected.' } };
    const failed = await call('POST', `${url}/topics/faulty`, { records: [{ value: 1 }] }, { 'Content-Type': JSON_V2 });
    assert.deepEqual([failed.status, failed.json], [500, { error_code: 50001, message: 'Injected.' }]);
    faults.next = { status: 429 };
    assertError(await call('GET', `${url}/topics`), 429, 429);
    assert.equal(store.getTopic('faulty'), undefined, 'an injected failure handles nothing');

    faults.failIndexes = new Set([1, 3]);
    const partial = await call(
      'POST',
      `${url}/topics/faulty`,
      { records: [0, 1, 2, 3, 4].map((i) => ({ value: { i } })) },
      { 'Content-Type': JSON_V2 },
    );
    faults.failIndexes = undefined;
    assert.equal(partial.status, 200);
    assert.deepEqual(partial.json.offsets, [
      { partition: 0, offset: 0, error_code: null, error: null },
      { partition: null, offset: null, error_code: 50003, error: 'Injected retriable failure' },
      { partition: 0, offset: 1, error_code: null, error: null },
      { partition: null, offset: null, error_code: 50003, error: 'Injected retriable failure' },
      { partition: 0, offset: 2, error_code: null, error: null },
    ]);
    assert.deepEqual(
      (await store.read('faulty', 0, 0, 10)).map((r) => r.value),
      [{ i: 0 }, { i: 2 }, { i: 4 }],
    );
  });

  test('keyed records go to the murmur2 partition, like Kafka', async () => {
    // Reference values of Kafka's UtilsTest.testMurmur2.
    const reference: [string, number][] = [
      ['21', -973932308],
      ['foobar', -790332482],
      ['a-little-bit-long-string', -985981536],
      ['a-little-bit-longer-string', -1486304829],
      ['lkjh234lh9fiuh90y23oiuhsafujhadof229phr9h19h89h8', -58897971],
      ['abc', 479470107],
    ];
    for (const [text, hash] of reference) assert.equal(murmur2(Buffer.from(text)), hash, text);
    await store.createTopic('keyed', { partitions: 4 });
    const keys = ['a', 'b', 'c', 'd', 'e', 'f'];
    const answer = await call(
      'POST',
      `${url}/topics/keyed`,
      { records: keys.map((key) => ({ key, value: key })) },
      { 'Content-Type': JSON_V2 },
    );
    assert.deepEqual(
      answer.json.offsets.map((o: { partition: number }) => o.partition),
      keys.map((key) => keyPartition(key, 4)),
    );
  });

  test('a store failure inside a produce: 50003 when retriable, 50002 when not (rest-utils KafkaExceptionMapper)', async () => {
    await store.createTopic('store.fail');
    const append = store.append.bind(store);
    try {
      for (const [retriable, code] of [
        [true, 50003],
        [false, 50002],
      ] as const) {
        store.append = async () => {
          throw new PipelineError('STORE_IO', `disk trouble (retriable ${retriable})`, { retriable });
        };
        const answer = await call(
          'POST',
          `${url}/topics/store.fail`,
          { records: [{ value: 1 }, { value: 2 }] },
          { 'Content-Type': JSON_V2 },
        );
        assert.equal(answer.status, 200, answer.text);
        assert.deepEqual(
          answer.json.offsets.map((o: { error_code: number }) => o.error_code),
          [code, code],
        );
        assert.match(answer.json.offsets[0].error, /disk trouble/);
      }
    } finally {
      store.append = append;
    }
  });

  test('a record over max.message.bytes (about 1 MB, as on MSK) fails alone, for good, inside the 200', async () => {
    const big = 'x'.repeat(DEFAULT_MAX_MESSAGE_BYTES);
    const answer = await call(
      'POST',
      `${url}/topics/u1.big`,
      { records: [{ value: { index: 1 } }, { value: big }, { value: { index: 3 } }] },
      { 'Content-Type': JSON_V2 },
    );
    assert.equal(answer.status, 200, answer.text.slice(0, 300));
    assert.deepEqual(
      answer.json.offsets.map((o: { offset: number | null; error_code: number | null }) => [o.offset, o.error_code]),
      [
        [0, null],
        [null, 50002],
        [1, null],
      ],
    );
    assert.match(
      answer.json.offsets[1].error,
      /RecordTooLargeException: the message is 1048590 bytes when serialized, larger than the 1048588 bytes/,
    );
    assert.deepEqual(
      (await store.read('u1.big', 0, 0, 10)).map((r) => r.value),
      [{ index: 1 }, { index: 3 }],
    );
    // A topic's max.message.bytes sets its own limit; a record just under it is taken.
    const base = `${url}/v3/clusters/test-cluster/topics`;
    assert.equal(
      (
        await call(
          'POST',
          base,
          { topic_name: 'u1.small', configs: [{ name: 'max.message.bytes', value: '100' }] },
          { 'Content-Type': 'application/json' },
        )
      ).status,
      201,
    );
    const small = await call(
      'POST',
      `${url}/topics/u1.small`,
      { records: [{ value: 'y'.repeat(98) }, { value: 'y'.repeat(99) }] },
      { 'Content-Type': JSON_V2 },
    );
    assert.deepEqual(
      small.json.offsets.map((o: { error_code: number | null }) => o.error_code),
      [null, 50002],
    );
    // The emulation reads 50002 as refused for good (quarantine), 50003 as worth a retry.
    assert.equal(isRetriableRecordCode(answer.json.offsets[1].error_code), false);
    assert.equal(isRetriableRecordCode(50003), true);
  });

  test('v3 create-topic: validate_only creates nothing (200); replication factor above the brokers and unknown configs are 40002', async () => {
    const base = `${url}/v3/clusters/test-cluster/topics`;
    const json = { 'Content-Type': 'application/json' };
    const checked = await call(
      'POST',
      base,
      { topic_name: 'v3.validate', partitions_count: 2, replication_factor: 3, validate_only: true },
      json,
    );
    assert.equal(checked.status, 200, checked.text);
    assert.deepEqual(
      [checked.json.kind, checked.json.topic_name, checked.json.partitions_count, checked.json.replication_factor],
      ['KafkaTopic', 'v3.validate', 2, 3],
    );
    assert.equal(store.getTopic('v3.validate'), undefined);
    assertError(await call('GET', `${base}/v3.validate`), 404, 40403);
    // validate_only reports what a create would: the same refusals, nothing created either way.
    assertError(
      await call('POST', base, { topic_name: 'v3.validate', partitions_count: 0, validate_only: true }, json),
      400,
      40002,
    );
    assertError(await call('POST', base, { topic_name: 'u1.pin', validate_only: true }, json), 400, 40002);
    assertError(await call('POST', base, { topic_name: 'v3.validate', validate_only: 'yes' }, json), 422, 42206);
    assert.equal((await call('POST', base, { topic_name: 'v3.validate', validate_only: false }, json)).status, 201);

    const tooMany = await call('POST', base, { topic_name: 'v3.rf', replication_factor: 4 }, json);
    assert.deepEqual(
      [tooMany.status, tooMany.json],
      [400, { error_code: 40002, message: 'Replication factor: 4 larger than available brokers: 3.' }],
    );
    assertError(
      await call('POST', base, { topic_name: 'v3.rf', replication_factor: 4, validate_only: true }, json),
      400,
      40002,
    );
    const unknown = await call(
      'POST',
      base,
      { topic_name: 'v3.cfg', configs: [{ name: 'retention.msec', value: '1000' }] },
      json,
    );
    assert.deepEqual(
      [unknown.status, unknown.json],
      [400, { error_code: 40002, message: 'Unknown topic config name: retention.msec' }],
    );
    assertError(
      await call('POST', base, { topic_name: 'v3.cfg', configs: [{ name: 'max.message.bytes', value: 'lots' }] }, json),
      400,
      40002,
    );
    assert.equal(store.getTopic('v3.rf'), undefined);
    assert.equal(store.getTopic('v3.cfg'), undefined);
    const known = await call(
      'POST',
      base,
      {
        topic_name: 'v3.cfg',
        configs: [
          { name: 'retention.ms', value: '604800000' },
          { name: 'cleanup.policy', value: 'delete' },
        ],
      },
      json,
    );
    assert.equal(known.status, 201, known.text);
  });

  test('v3 GET .../topics/{t}/partitions/{p}: one partition, 404 40402 past the last', async () => {
    const base = `${url}/v3/clusters/test-cluster/topics`;
    await store.createTopic('v3.parts', { partitions: 2, replicationFactor: 2 });
    const one = await call('GET', `${base}/v3.parts/partitions/1`);
    assert.equal(one.status, 200, one.text);
    assert.equal(one.contentType, 'application/json');
    assert.deepEqual(
      {
        kind: one.json.kind,
        cluster_id: one.json.cluster_id,
        topic_name: one.json.topic_name,
        partition_id: one.json.partition_id,
        self: one.json.metadata.self,
      },
      {
        kind: 'KafkaPartition',
        cluster_id: 'test-cluster',
        topic_name: 'v3.parts',
        partition_id: 1,
        self: `${base}/v3.parts/partitions/1`,
      },
    );
    assert.match(one.json.leader.related, /\/partitions\/1\/replicas\/\d+$/);
    assert.deepEqual(one.json, (await call('GET', `${base}/v3.parts/partitions`)).json.data[1]);
    for (const p of ['2', '-1', 'x', '99999999999999999999'])
      assertError(await call('GET', `${base}/v3.parts/partitions/${p}`), 404, 40402);
    assertError(await call('GET', `${base}/nope/partitions/0`), 404, 40403);
    assertError(await call('DELETE', `${base}/v3.parts/partitions/0`), 405, 405);
  });

  test('HEAD, OPTIONS and any method a route does not serve: 405 with an Allow header', async () => {
    for (const [route, allow] of [
      ['/topics', 'GET'],
      ['/topics/u1.pin', 'GET, POST'],
      ['/v3/clusters/test-cluster/topics', 'GET, POST'],
      ['/v3/clusters/test-cluster/topics/u1.pin', 'GET, DELETE'],
    ] as const) {
      for (const method of ['HEAD', 'OPTIONS', 'PATCH']) {
        const response = await fetch(`${url}${route}`, { method });
        assert.equal(response.status, 405, `${method} ${route}`);
        assert.equal(response.headers.get('allow'), allow, `${method} ${route}`);
        const text = await response.text();
        if (method !== 'HEAD') assert.equal(JSON.parse(text).error_code, 405);
      }
    }
  });

  test('HTTP-level garbage gets a JSON 400 from the server itself', async () => {
    for (const bytes of [
      'GET / HTTP/1.1\r\nHost: x\r\nContent-Length: abc\r\n\r\n',
      'NOT HTTP AT ALL\r\n\r\n',
      `GET / HTTP/1.1\r\nHost: x\r\nX-Big: ${'y'.repeat(70_000)}\r\n\r\n`,
    ]) {
      const response = await rawRequest(proxy.port, bytes);
      const [head = '', body = ''] = response.split('\r\n\r\n');
      assert.match(head, /^HTTP\/1\.1 4\d\d /);
      assert.equal(typeof (JSON.parse(body) as { error_code: number }).error_code, 'number');
    }
  });

  test('fuzz: 200 malformed requests never answer 500 and always answer a JSON error body', async () => {
    let seed = 42;
    const random = () => {
      seed = (seed * 1103515245 + 12345) & 0x7fffffff;
      return seed / 0x7fffffff;
    };
    const pick = <T>(items: T[]): T => items[Math.floor(random() * items.length)];
    const valid = JSON.stringify({ records: [{ value: { index: 1, title: 'ok' } }, { value: { index: 2 } }] });
    const generators: (() => {
      method: string;
      path: string;
      body?: string | Buffer;
      headers: Record<string, string>;
    })[] = [
      () => ({
        method: 'POST',
        path: '/topics/fuzz.pin',
        body: randomBytes(1 + Math.floor(random() * 300)),
        headers: { 'Content-Type': JSON_V2 },
      }),
      () => ({
        method: 'POST',
        path: '/topics/fuzz.pin',
        body: valid.slice(0, Math.floor(random() * (valid.length - 1))),
        headers: { 'Content-Type': JSON_V2 },
      }),
      () => ({
        method: 'POST',
        path: '/topics/fuzz.pin',
        body: pick([
          '{"records":[{"value":{"a":1}}]}'.replace('[{', '{'),
          '{"records":[[[[]]]]}',
          '{"records":[{"value":1}],"records":5}',
          '{"record":[{"value":1}]}',
          '{"records":[{"value":1}]}}',
        ]),
        headers: { 'Content-Type': JSON_V2 },
      }),
      () => ({
        method: 'POST',
        path: '/topics/fuzz.pin',
        body: `{"records":[{"value":1,"partition":${pick(['1e308', '-0.5', '9007199254740993', '"1"', 'true', '[]', '{}'])}}]}`,
        headers: { 'Content-Type': JSON_V2 },
      }),
      () => ({
        method: 'POST',
        path: '/topics/fuzz.pin',
        body: valid,
        headers: pick([
          {},
          { 'Content-Type': 'application/json' },
          { 'Content-Type': 'garbage' },
          { 'Content-Type': ';;;' },
          { 'Content-Type': BINARY_V2 },
        ]),
      }),
      () => ({
        method: 'POST',
        path: '/v3/clusters/test-cluster/topics',
        body: randomBytes(1 + Math.floor(random() * 100)),
        headers: { 'Content-Type': 'application/json' },
      }),
      () => ({
        method: 'POST',
        path: '/v3/clusters/test-cluster/topics',
        body: pick([
          '{"topic_name":"' + 'x'.repeat(300) + '"}',
          '{"topic_name":"ok.fz","partitions_count":1e400}',
          '{"topic_name":"ok.fz","replication_factor":-3}',
          '{"topic_name":null}',
        ]),
        headers: { 'Content-Type': 'application/json' },
      }),
      () => ({
        method: pick(['PATCH', 'PUT', 'DELETE', 'OPTIONS']),
        path: pick(['/topics', '/topics/fuzz.pin', '/v3/clusters', '/v3/clusters/test-cluster/topics']),
        body: '{}',
        headers: { 'Content-Type': JSON_V2 },
      }),
      () => ({
        method: 'GET',
        path: pick([
          '/topics/%ZZ',
          '/topics/a%2Fb',
          '/topics/' + 'a'.repeat(300),
          '/v3/clusters/test-cluster/topics/%00',
          '/topics/fuzz.pin/partitions/99999999999999999999',
        ]),
        headers: {},
      }),
    ];
    const statuses = new Map<number, number>();
    for (let i = 0; i < 200; i++) {
      const request = pick(generators)();
      const answer = await call(request.method, `${url}${request.path}`, request.body, request.headers);
      statuses.set(answer.status, (statuses.get(answer.status) ?? 0) + 1);
      assert.notEqual(
        answer.status,
        500,
        `${request.method} ${request.path} ${String(request.body).slice(0, 80)} -> ${answer.text}`,
      );
      assert.ok(
        answer.status >= 400 && answer.status < 500,
        `${request.method} ${request.path} ${String(request.body).slice(0, 80)} -> ${answer.status}`,
      );
      assert.equal(typeof answer.json?.error_code, 'number', answer.text);
      assert.equal(typeof answer.json?.message, 'string', answer.text);
    }
    assert.ok(statuses.size >= 4, `varied answers: ${JSON.stringify([...statuses])}`);
  });
});
