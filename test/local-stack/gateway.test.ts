import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { once } from 'node:events';
import { mkdtemp, rm } from 'node:fs/promises';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { GetRecordsCommand, GetShardIteratorCommand, type KinesisClient } from '@aws-sdk/client-kinesis';
import { createKinesisClient } from '../../src/clients';
import { startGateway, type Gateway } from '../../src/local-stack/gateway';
import { startKinesisServer, type KinesisServer } from '../../src/local-stack/kinesis-server';
import { startRestProxy, type RestProxy } from '../../src/local-stack/rest-proxy';
import { TopicStore } from '../../src/local-stack/topic-store';

interface Answer {
  status: number;
  headers: Headers;
  text: string;
  json: any; // eslint-disable-line @typescript-eslint/no-explicit-any -- response bodies are checked field by field
}

async function call(
  method: string,
  url: string,
  body?: unknown,
  headers: Record<string, string> = {},
): Promise<Answer> {
  const init: RequestInit = {
    method,
    headers: { ...(body === undefined ? {} : { 'Content-Type': 'application/json' }), ...headers },
  };
  if (body !== undefined) init.body = typeof body === 'string' ? body : JSON.stringify(body);
  const response = await fetch(url, init);
  const text = await response.text();
  let json: unknown;
  try {
    json = text ? JSON.parse(text) : undefined;
  } catch (error) {
    json = { unparsable: text, error: String(error) };
  }
  return { status: response.status, headers: response.headers, text, json };
}

/** Reads back the record a PutRecord/PutRecords answer points at, as UTF-8 text. */
async function readBack(
  kinesis: KinesisClient,
  stream: string,
  shardId: string,
  sequenceNumber: string,
): Promise<string> {
  const { ShardIterator } = await kinesis.send(
    new GetShardIteratorCommand({
      StreamName: stream,
      ShardId: shardId,
      ShardIteratorType: 'AT_SEQUENCE_NUMBER',
      StartingSequenceNumber: sequenceNumber,
    }),
  );
  const { Records } = await kinesis.send(new GetRecordsCommand({ ShardIterator, Limit: 1 }));
  assert.equal(Records?.length, 1);
  assert.equal(Records[0].SequenceNumber, sequenceNumber);
  return Buffer.from(Records[0].Data ?? []).toString('utf8');
}

const uniqueStream = (label: string) => `gw-${label}-${randomUUID().slice(0, 8)}`;

describe('gateway: Kinesis routes against kinesalite', () => {
  let dir: string;
  let kinesisServer: KinesisServer;
  let kinesis: KinesisClient;
  let gateway: Gateway;
  let invokeUrl: string;

  before(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'pp-gateway-'));
    kinesisServer = await startKinesisServer({ dir: path.join(dir, 'kinesis') });
    kinesis = createKinesisClient({ region: 'us-east-1', endpoint: kinesisServer.endpoint });
    // The REST proxy side is not used here: an address where nothing listens.
    gateway = await startGateway({ restProxyUrl: 'http://127.0.0.1:9', kinesis });
    invokeUrl = gateway.invokeUrl;
  });

  after(async () => {
    await gateway?.close();
    kinesis?.destroy();
    await kinesisServer?.close();
    await rm(dir, { recursive: true, force: true });
  });

  test('invoke URL is loopback with the default stage', () => {
    assert.match(invokeUrl, /^http:\/\/127\.0\.0\.1:\d+\/prod$/);
  });

  test('POST /streams/{s} creates (ShardCount optional, default 1), GET /streams lists, GET /streams/{s} describes', async () => {
    const one = uniqueStream('one');
    const two = uniqueStream('two');
    const created = await call('POST', `${invokeUrl}/streams/${one}`);
    assert.equal(created.status, 200, created.text);
    assert.deepEqual(created.json, {});
    assert.equal((await call('POST', `${invokeUrl}/streams/${two}`, { ShardCount: 2 })).status, 200);

    const list = await call('GET', `${invokeUrl}/streams`);
    assert.equal(list.status, 200);
    assert.equal(list.headers.get('content-type'), 'application/json');
    assert.ok(list.json.StreamNames.includes(one) && list.json.StreamNames.includes(two), list.text);
    assert.equal(list.json.HasMoreStreams, false);
    assert.equal(list.json.$metadata, undefined);

    const described = await call('GET', `${invokeUrl}/streams/${two}`);
    assert.equal(described.status, 200, described.text);
    const description = described.json.StreamDescription;
    assert.equal(description.StreamName, two);
    assert.equal(description.StreamStatus, 'ACTIVE');
    assert.equal(description.Shards.length, 2);
    assert.equal(
      typeof description.StreamCreationTimestamp,
      'number',
      'timestamps are epoch seconds, as Kinesis sends them',
    );
    assert.equal((await call('GET', `${invokeUrl}/streams/${one}`)).json.StreamDescription.Shards.length, 1);
  });

  test('PUT /streams/{s}/record puts JSON.stringify(Data) bytes, or a string Data as is', async () => {
    const stream = uniqueStream('record');
    await call('POST', `${invokeUrl}/streams/${stream}`);
    const row = { index: 7528, title: 'Ünïcode ✓', follower_count: '124k', downloaded: 1 };
    const put = await call('PUT', `${invokeUrl}/streams/${stream}/record`, {
      StreamName: stream,
      Data: row,
      PartitionKey: 'partition-1',
    });
    assert.equal(put.status, 200, put.text);
    assert.deepEqual(Object.keys(put.json).sort(), ['SequenceNumber', 'ShardId']);
    assert.equal(await readBack(kinesis, stream, put.json.ShardId, put.json.SequenceNumber), JSON.stringify(row));

    const already = '{"ind":1,"country":"Chad"}';
    const putString = await call('PUT', `${invokeUrl}/streams/${stream}/record`, { Data: already, PartitionKey: 7 });
    assert.equal(putString.status, 200, putString.text);
    assert.equal(await readBack(kinesis, stream, putString.json.ShardId, putString.json.SequenceNumber), already);
  });

  test('PUT /streams/{s}/records takes the course shape and the Kinesis shape', async () => {
    const stream = uniqueStream('records');
    await call('POST', `${invokeUrl}/streams/${stream}`, { ShardCount: 2 });
    const course = await call('PUT', `${invokeUrl}/streams/${stream}/records`, {
      records: [
        { data: { ind: 1 }, 'partition-key': 'a' },
        { data: 'plain text', 'partition-key': 'b' },
      ],
    });
    assert.equal(course.status, 200, course.text);
    assert.equal(course.json.FailedRecordCount, 0);
    assert.equal(course.json.Records.length, 2);
    assert.equal(
      await readBack(kinesis, stream, course.json.Records[0].ShardId, course.json.Records[0].SequenceNumber),
      '{"ind":1}',
    );
    assert.equal(
      await readBack(kinesis, stream, course.json.Records[1].ShardId, course.json.Records[1].SequenceNumber),
      'plain text',
    );

    const aws = await call('PUT', `${invokeUrl}/streams/${stream}/records`, {
      Records: [{ Data: [1, 2], PartitionKey: 'c' }],
    });
    assert.equal(aws.status, 200, aws.text);
    assert.equal(aws.json.FailedRecordCount, 0);
    assert.equal(
      await readBack(kinesis, stream, aws.json.Records[0].ShardId, aws.json.Records[0].SequenceNumber),
      '[1,2]',
    );
  });

  test('DELETE /streams/{s} deletes; afterwards the stream is 404', async () => {
    const stream = uniqueStream('delete');
    await call('POST', `${invokeUrl}/streams/${stream}`);
    const deleted = await call('DELETE', `${invokeUrl}/streams/${stream}`);
    assert.equal(deleted.status, 200, deleted.text);
    const gone = await call('GET', `${invokeUrl}/streams/${stream}`);
    assert.equal(gone.status, 404);
  });

  test('an unknown stream is 404 with the Kinesis __type on every route', async () => {
    const missing = uniqueStream('missing');
    for (const [method, suffix, body] of [
      ['GET', '', undefined],
      ['DELETE', '', undefined],
      ['PUT', '/record', { Data: { a: 1 }, PartitionKey: 'k' }],
      ['PUT', '/records', { records: [{ data: { a: 1 }, 'partition-key': 'k' }] }],
    ] as const) {
      const answer = await call(method, `${invokeUrl}/streams/${missing}${suffix}`, body);
      assert.equal(answer.status, 404, `${method} ${suffix}: ${answer.text}`);
      assert.equal(answer.json.__type, 'ResourceNotFoundException');
      assert.equal(typeof answer.json.message, 'string');
    }
  });

  test('malformed bodies and invalid values are 4xx JSON, never 500', async () => {
    const stream = uniqueStream('bad');
    await call('POST', `${invokeUrl}/streams/${stream}`);
    const recordUrl = `${invokeUrl}/streams/${stream}/record`;
    const recordsUrl = `${invokeUrl}/streams/${stream}/records`;
    const cases: [string, string, unknown, number][] = [
      ['PUT', recordUrl, '{"Data": {', 400],
      ['PUT', recordUrl, '', 400],
      ['PUT', recordUrl, '[1,2]', 400],
      ['PUT', recordUrl, 'null', 400],
      ['PUT', recordUrl, { PartitionKey: 'k' }, 400],
      ['PUT', recordUrl, { Data: { a: 1 } }, 400],
      ['PUT', recordUrl, { Data: { a: 1 }, PartitionKey: '' }, 400],
      ['PUT', recordUrl, { Data: { a: 1 }, PartitionKey: 'x'.repeat(257) }, 400],
      ['PUT', recordUrl, { Data: { a: 1 }, PartitionKey: { nested: true } }, 400],
      ['PUT', recordUrl, { Data: 'x'.repeat(1024 * 1024), PartitionKey: 'k' }, 413],
      ['PUT', recordsUrl, '{oops', 400],
      ['PUT', recordsUrl, { records: 'no' }, 400],
      ['PUT', recordsUrl, { records: [] }, 400],
      ['PUT', recordsUrl, { records: [null] }, 400],
      ['PUT', recordsUrl, { records: [{ data: 1 }] }, 400],
      ['PUT', recordsUrl, { records: Array.from({ length: 501 }, (_, i) => ({ data: i, 'partition-key': 'k' })) }, 400],
      [
        'PUT',
        recordsUrl,
        { records: Array.from({ length: 6 }, () => ({ data: 'y'.repeat(1000 * 1000), 'partition-key': 'k' })) },
        413,
      ],
      ['POST', `${invokeUrl}/streams/${uniqueStream('shards')}`, { ShardCount: 'two' }, 400],
      ['POST', `${invokeUrl}/streams/${uniqueStream('shards')}`, { ShardCount: 0 }, 400],
      ['POST', `${invokeUrl}/streams/${uniqueStream('shards')}`, '{"ShardCount":', 400],
      ['POST', `${invokeUrl}/streams/bad%20name!`, undefined, 400],
      ['POST', `${invokeUrl}/streams/${stream}`, undefined, 400],
      ['GET', `${invokeUrl}/streams/%E0%A4%A`, undefined, 400],
      // Regression: JSON.stringify of a deeply nested Data overflowed the stack (a 500); the REST proxy answers 422.
      ['PUT', recordUrl, `{"Data":${'['.repeat(100_000)}${']'.repeat(100_000)},"PartitionKey":"k"}`, 400],
      ['PUT', recordUrl, `{"Data":${'{"a":'.repeat(50_000)}1${'}'.repeat(50_000)},"PartitionKey":"k"}`, 400],
      [
        'PUT',
        recordsUrl,
        `{"records":[{"data":${'['.repeat(100_000)}${']'.repeat(100_000)},"partition-key":"k"}]}`,
        400,
      ],
      ['PUT', recordUrl, `{"Data":1,"PartitionKey":${'['.repeat(100_000)}${']'.repeat(100_000)}}`, 400],
    ];
    for (const [method, url, body, status] of cases) {
      const answer = await call(method, url, body);
      const label = `${method} ${url.slice(invokeUrl.length)} ${typeof body === 'string' ? body : JSON.stringify(body)?.slice(0, 60)}`;
      assert.equal(answer.status, status, `${label}: ${answer.text.slice(0, 200)}`);
      assert.equal(answer.headers.get('content-type'), 'application/json', label);
      assert.equal(typeof answer.json.message, 'string', label);
    }
    const inUse = await call('POST', `${invokeUrl}/streams/${stream}`);
    assert.equal(inUse.json.__type, 'ResourceInUseException');
    // The gateway is still fine.
    assert.equal((await call('GET', `${invokeUrl}/streams/${stream}`)).status, 200);
  });

  test('routes that do not exist answer 403 Missing Authentication Token, like API Gateway', async () => {
    const origin = invokeUrl.replace(/\/prod$/, '');
    for (const [method, url] of [
      ['GET', `${origin}/`],
      ['GET', `${origin}/dev/streams`],
      ['GET', `${invokeUrl}`],
      ['GET', `${invokeUrl}/`],
      ['PATCH', `${invokeUrl}/streams`],
      ['GET', `${invokeUrl}/streams/s/record`],
      ['PUT', `${invokeUrl}/streams/s/other`],
    ]) {
      const answer = await call(method, url);
      assert.equal(answer.status, 403, `${method} ${url}`);
      assert.deepEqual(answer.json, { message: 'Missing Authentication Token' });
    }
  });

  test('the REST proxy being down is a 502 JSON answer', async () => {
    const answer = await call('GET', `${invokeUrl}/topics`);
    assert.equal(answer.status, 502);
    assert.match(answer.json.message, /REST proxy/);
  });

  test('Kinesis being down is a 502 JSON answer', async () => {
    const deadKinesis = createKinesisClient({ region: 'us-east-1', endpoint: 'http://127.0.0.1:9' });
    const lonely = await startGateway({ restProxyUrl: 'http://127.0.0.1:9', kinesis: deadKinesis });
    try {
      const answer = await call('GET', `${lonely.invokeUrl}/streams`);
      assert.equal(answer.status, 502, answer.text);
      assert.match(answer.json.message, /Kinesis did not answer/);
    } finally {
      await lonely.close();
      deadKinesis.destroy();
    }
  });

  test("a body over API Gateway's 10 MB is 413 on every route", async () => {
    const big = 'x'.repeat(10 * 1024 * 1024 + 1);
    for (const url of [`${invokeUrl}/topics/t`, `${invokeUrl}/streams/s/record`]) {
      const answer = await call('PUT', url, big);
      assert.equal(answer.status, 413, url);
      assert.deepEqual(answer.json, { message: 'Request Too Long' });
    }
  });

  test('a custom stage moves every route', async () => {
    const staged = await startGateway({ restProxyUrl: 'http://127.0.0.1:9', kinesis, stage: 'dev-1' });
    try {
      assert.match(staged.invokeUrl, /\/dev-1$/);
      assert.equal((await call('GET', `${staged.invokeUrl}/streams`)).status, 200);
      assert.equal((await call('GET', `${staged.invokeUrl.replace(/dev-1$/, 'prod')}/streams`)).status, 403);
    } finally {
      await staged.close();
    }
    await assert.rejects(startGateway({ restProxyUrl: 'http://127.0.0.1:9', kinesis, stage: 'no/slash' }), /stage/);
  });
});

describe('gateway: {proxy+} pass-through', () => {
  test('method, path, query, headers and body go to the upstream; status, headers and body come back', async () => {
    const seen: { method?: string; url?: string; headers?: http.IncomingHttpHeaders; body?: string }[] = [];
    const upstream = http.createServer(async (req, res) => {
      const chunks: Buffer[] = [];
      for await (const chunk of req) chunks.push(chunk as Buffer);
      seen.push({ method: req.method, url: req.url, headers: req.headers, body: Buffer.concat(chunks).toString() });
      res.writeHead(418, { 'Content-Type': 'application/vnd.kafka.v2+json', 'X-Upstream': 'yes' });
      res.end('{"error_code":41801,"message":"teapot"}');
    });
    upstream.listen(0, '127.0.0.1');
    await once(upstream, 'listening');
    const gateway = await startGateway({
      restProxyUrl: `http://127.0.0.1:${(upstream.address() as AddressInfo).port}/`,
      kinesis: createKinesisClient({ region: 'us-east-1', endpoint: 'http://127.0.0.1:9' }),
    });
    try {
      const answer = await call(
        'POST',
        `${gateway.invokeUrl}/topics/u.pin?x=1&y=%20`,
        '{"records":[{"value":{"a":1}}]}',
        { 'Content-Type': 'application/vnd.kafka.json.v2+json', 'X-Custom': 'kept' },
      );
      assert.equal(answer.status, 418);
      assert.equal(answer.text, '{"error_code":41801,"message":"teapot"}');
      assert.equal(answer.headers.get('content-type'), 'application/vnd.kafka.v2+json');
      assert.equal(answer.headers.get('x-upstream'), 'yes');
      assert.equal(seen[0].method, 'POST');
      assert.equal(seen[0].url, '/topics/u.pin?x=1&y=%20');
      assert.equal(seen[0].headers?.['content-type'], 'application/vnd.kafka.json.v2+json');
      assert.equal(seen[0].headers?.['x-custom'], 'kept');
      assert.equal(seen[0].body, '{"records":[{"value":{"a":1}}]}');

      const v3 = await call('DELETE', `${gateway.invokeUrl}/v3/clusters/c/topics/t`);
      assert.equal(v3.status, 418);
      assert.equal(seen[1].method, 'DELETE');
      assert.equal(seen[1].url, '/v3/clusters/c/topics/t');
    } finally {
      await gateway.close();
      upstream.close();
    }
  });
});

describe('gateway: {proxy+} in front of the REST proxy', () => {
  let dir: string;
  let store: TopicStore;
  let restProxy: RestProxy;
  let gateway: Gateway;
  let kinesis: KinesisClient;
  const topic = `gw${randomUUID().slice(0, 6)}.pin`;

  before(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'pp-gateway-rp-'));
    store = await TopicStore.open({ dir: path.join(dir, 'topics'), autoCreateTopics: false });
    await store.createTopic(topic, { partitions: 1 });
    restProxy = await startRestProxy(store, { port: 0 });
    kinesis = createKinesisClient({ region: 'us-east-1', endpoint: 'http://127.0.0.1:9' });
    gateway = await startGateway({ restProxyUrl: restProxy.url, kinesis });
  });

  after(async () => {
    await gateway?.close();
    kinesis?.destroy();
    await restProxy?.close();
    await store?.close();
    await rm(dir, { recursive: true, force: true });
  });

  /** The same request straight to the REST proxy and through the gateway must answer the same. */
  async function both(method: string, suffix: string, body?: string, contentType?: string): Promise<[Answer, Answer]> {
    const headers: Record<string, string> = contentType ? { 'Content-Type': contentType } : {};
    const direct = await call(method, `${restProxy.url}${suffix}`, body, headers);
    const viaGateway = await call(method, `${gateway.invokeUrl}${suffix}`, body, headers);
    assert.equal(viaGateway.status, direct.status);
    assert.equal(viaGateway.headers.get('content-type'), direct.headers.get('content-type'));
    return [direct, viaGateway];
  }

  test('415 for a wrong Content-Type comes back unchanged', async () => {
    const [direct, viaGateway] = await both(
      'POST',
      `/topics/${topic}`,
      '{"records":[{"value":{"a":1}}]}',
      'application/json',
    );
    assert.equal(viaGateway.status, 415);
    assert.equal(viaGateway.text, direct.text);
    assert.equal(viaGateway.json.error_code, 415);
  });

  test("every other path under the stage reaches the REST proxy, as the course's root {proxy+}: its 404, not the gateway's 403", async () => {
    for (const path of ['nothing', 'v2/topics', 'topicsx/a', 'consumers/g']) {
      const answer = await call('GET', `${gateway.invokeUrl}/${path}`);
      assert.equal(answer.status, 404, `${path}: ${answer.text}`);
      assert.equal(answer.json.error_code, 404, path);
    }
  });

  test('404 40401 for an unknown topic comes back unchanged', async () => {
    const [direct, viaGateway] = await both('GET', '/topics/no.such.topic');
    assert.equal(viaGateway.status, 404);
    assert.equal(viaGateway.text, direct.text);
    assert.equal(viaGateway.json.error_code, 40401);
  });

  test('200 with offsets for a course-shaped produce', async () => {
    const answer = await call(
      'POST',
      `${gateway.invokeUrl}/topics/${topic}`,
      { records: [{ value: { index: 1 } }, { value: { index: 2 } }] },
      { 'Content-Type': 'application/vnd.kafka.json.v2+json' },
    );
    assert.equal(answer.status, 200, answer.text);
    assert.deepEqual(
      answer.json.offsets.map((o: { partition: number; offset: number }) => [o.partition, o.offset]),
      [
        [0, 0],
        [0, 1],
      ],
    );
    assert.equal(store.endOffset(topic, 0), 2);
  });

  test('v3 cluster and topic listings come back unchanged', async () => {
    const [direct, viaGateway] = await both('GET', '/v3/clusters');
    assert.equal(viaGateway.status, 200);
    assert.deepEqual(viaGateway.json, direct.json);
    const [, topics] = await both('GET', '/topics');
    assert.ok(topics.json.includes(topic));
  });
});
