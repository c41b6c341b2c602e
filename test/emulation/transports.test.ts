import assert from 'node:assert/strict';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, test } from 'node:test';
import type { KinesisClient } from '@aws-sdk/client-kinesis';
import { createSdkStreamAdmin, createStreams, type StreamAdmin } from '../../src/emulation/create-streams';
import { createTopics } from '../../src/emulation/create-topics';
import { classifyStatus, createHttpClient, type HttpClient } from '../../src/http-client';
import {
  createGatewayStreamTransport,
  createSdkStreamTransport,
  kinesisRecordBytes,
} from '../../src/emulation/kinesis-transport';
import { createRestProxyTransport, isRetriableRecordCode } from '../../src/emulation/rest-proxy-transport';
import { isRecordRejection } from '../../src/emulation/transport';
import { PipelineError } from '../../src/errors';
// Fake clients throw what a client of createKinesisClient throws: errors classified by its middleware.
import { classifyAwsError } from '../../src/clients';

type Handler = (req: http.IncomingMessage, body: string) => { status: number; body: unknown };

/** An HTTP server whose answer the test sets per case. */
async function startServer(): Promise<{ url: string; handle: (h: Handler) => void; close(): Promise<void> }> {
  let handler: Handler = () => ({ status: 404, body: {} });
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const answer = handler(req, Buffer.concat(chunks).toString('utf8'));
      const text = typeof answer.body === 'string' ? answer.body : JSON.stringify(answer.body);
      res.writeHead(answer.status, { 'Content-Type': 'application/json' });
      res.end(text);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    handle: (h) => {
      handler = h;
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

const records = [
  { json: '{"a":1}', key: '1' },
  { json: '{"a":2}', key: '2' },
];

describe('REST Proxy transport', () => {
  let server: Awaited<ReturnType<typeof startServer>>;
  let client: HttpClient;
  before(async () => {
    server = await startServer();
    client = createHttpClient({ baseUrl: server.url, timeoutMs: 500 });
  });
  after(async () => {
    client.close();
    await server.close();
  });

  test('reads one outcome per offset; entries with an error_code failed', async () => {
    server.handle(() => ({
      status: 200,
      body: {
        offsets: [
          { partition: 0, offset: 41, error_code: null, error: null },
          { partition: null, offset: null, error_code: 50003, error: 'Leader not available' },
        ],
        key_schema_id: null,
        value_schema_id: null,
      },
    }));
    const outcomes = await createRestProxyTransport({ http: client, via: 'rest-proxy' }).send('t.pin', records);
    assert.deepEqual(outcomes, [
      { ok: true, partition: 0, offset: 41 },
      { ok: false, retriable: true, reason: 'error_code 50003: Leader not available' },
    ]);
  });

  test('per-record error codes: 5xxxx and 2 are retriable, 4xxxx and 1 are not', () => {
    // rest-utils KafkaExceptionMapper: 50002 a Kafka error (for good), 50003 a retriable one.
    assert.deepEqual([50002, 50003, 50001, 2, 1, 40005, 42206].map(isRetriableRecordCode), [
      false,
      true,
      true,
      true,
      false,
      false,
      false,
    ]);
  });

  test('HTTP statuses: 429/5xx retriable, 400/413/422 refuse the records, others stop the run', async () => {
    assert.deepEqual([429, 500, 502, 503, 504, 408, 400, 413, 422, 401, 403, 404, 415].map(classifyStatus), [
      'retriable',
      'retriable',
      'retriable',
      'retriable',
      'retriable',
      'retriable',
      'rejected',
      'rejected',
      'rejected',
      'fatal',
      'fatal',
      'fatal',
      'fatal',
    ]);
    const transport = createRestProxyTransport({ http: client, via: 'gateway' });
    server.handle(() => ({ status: 429, body: { message: 'Too Many Requests' } }));
    await assert.rejects(
      transport.send('t.pin', records),
      (e: PipelineError) => e.retriable && /HTTP 429 Too Many Requests/.test(e.message),
    );
    server.handle(() => ({ status: 422, body: { error_code: 42206, message: 'bad' } }));
    await assert.rejects(
      transport.send('t.pin', records),
      (e: unknown) => isRecordRejection(e) && /\(42206\) bad/.test((e as Error).message),
    );
    server.handle(() => ({ status: 404, body: { error_code: 40401, message: 'Topic not found.' } }));
    await assert.rejects(
      transport.send('t.pin', records),
      (e: PipelineError) =>
        !e.retriable && !isRecordRejection(e) && /Topic not found\.; create the topics first/.test(e.message),
    );
  });

  test('an answer with the wrong number of offsets is a protocol error', async () => {
    server.handle(() => ({ status: 200, body: { offsets: [{ partition: 0, offset: 1 }] } }));
    await assert.rejects(
      createRestProxyTransport({ http: client, via: 'gateway' }).send('t.pin', records),
      (e: PipelineError) => e.code === 'PROTOCOL' && !e.retriable,
    );
    server.handle(() => ({ status: 200, body: '<html>' }));
    await assert.rejects(createRestProxyTransport({ http: client, via: 'gateway' }).send('t.pin', records), /not JSON/);
  });

  test('no server and timeouts are retriable network errors', async () => {
    const dead = createHttpClient({ baseUrl: 'http://127.0.0.1:1' });
    await assert.rejects(
      createRestProxyTransport({ http: dead, via: 'gateway' }).send('t.pin', records),
      (e: PipelineError) =>
        e.retriable && e.code === 'NETWORK_ERROR' && (e.cause as NodeJS.ErrnoException).code === 'ECONNREFUSED',
    );
    const never = http.createServer(() => {
      /* never answers */
    });
    await new Promise<void>((resolve) => never.listen(0, '127.0.0.1', resolve));
    const timeoutClient = createHttpClient({
      baseUrl: `http://127.0.0.1:${(never.address() as AddressInfo).port}`,
      timeoutMs: 100,
    });
    await assert.rejects(
      createRestProxyTransport({ http: timeoutClient, via: 'gateway' }).send('t.pin', records),
      (e: PipelineError) => e.retriable && e.code === 'HTTP_TIMEOUT',
    );
    timeoutClient.close();
    never.closeAllConnections();
    never.close();
  });
});

describe('Kinesis transports', () => {
  test('SDK: FailedRecordCount entries come back as failed outcomes, classified', async () => {
    const sent: unknown[] = [];
    const client = {
      send: async (command: { input: unknown }) => {
        sent.push(command.input);
        return {
          FailedRecordCount: 2,
          Records: [
            { SequenceNumber: '1', ShardId: 'shardId-0' },
            { ErrorCode: 'ProvisionedThroughputExceededException', ErrorMessage: 'Rate exceeded for shard' },
            { ErrorCode: 'KMSAccessDeniedException', ErrorMessage: 'no key' },
          ],
        };
      },
    } as unknown as KinesisClient;
    const transport = createSdkStreamTransport({ client });
    const outcomes = await transport.send('s', [...records, { json: '{"a":3}', key: '3' }]);
    assert.deepEqual(outcomes, [
      { ok: true, shardId: 'shardId-0', sequenceNumber: '1' },
      { ok: false, retriable: true, reason: 'ProvisionedThroughputExceededException: Rate exceeded for shard' },
      { ok: false, retriable: false, reason: 'KMSAccessDeniedException: no key' },
    ]);
    const input = sent[0] as { StreamName: string; Records: { Data: Uint8Array; PartitionKey: string }[] };
    assert.equal(input.StreamName, 's');
    assert.equal(Buffer.from(input.Records[0].Data).toString('utf8'), '{"a":1}');
    assert.equal(input.Records[0].PartitionKey, '1');
    assert.equal(kinesisRecordBytes({ json: '{"a":1}', key: '12' }), 9);
  });

  test('SDK: call errors are retriable, refusing or fatal by name', async () => {
    const failing = (error: Error) =>
      createSdkStreamTransport({
        client: {
          send: async () => {
            throw classifyAwsError(error);
          },
        } as unknown as KinesisClient,
      });
    const named = (name: string, extra: object = {}) =>
      Object.assign(new Error(`${name} happened`), { name, ...extra });
    await assert.rejects(
      failing(named('ProvisionedThroughputExceededException')).send('s', records),
      (e: PipelineError) => e.retriable,
    );
    await assert.rejects(
      failing(named('InternalFailureException', { $metadata: { httpStatusCode: 500 } })).send('s', records),
      (e: PipelineError) => e.retriable,
    );
    await assert.rejects(
      failing(Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' })).send('s', records),
      (e: PipelineError) => e.retriable,
    );
    await assert.rejects(failing(named('ValidationException')).send('s', records), (e: unknown) =>
      isRecordRejection(e),
    );
    await assert.rejects(
      failing(named('ResourceNotFoundException')).send('s', records),
      (e: PipelineError) => !e.retriable && /create the streams first/.test(e.message),
    );
  });

  test('gateway: Kinesis errors in the body are classified, even inside a 200', async () => {
    const server = await startServer();
    const client = createHttpClient({ baseUrl: `${server.url}/prod` });
    const transport = createGatewayStreamTransport({ http: client });
    server.handle(() => ({
      status: 200,
      body: { __type: 'ProvisionedThroughputExceededException', message: 'Rate exceeded' },
    }));
    await assert.rejects(transport.send('s', records), (e: PipelineError) => e.retriable);
    server.handle(() => ({
      status: 404,
      body: { __type: 'ResourceNotFoundException', message: 'Stream s not found' },
    }));
    await assert.rejects(
      transport.send('s', records),
      (e: PipelineError) => !e.retriable && /create the streams first/.test(e.message),
    );
    server.handle(() => ({
      status: 200,
      body: {
        FailedRecordCount: 1,
        Records: [
          { SequenceNumber: '9', ShardId: 'shardId-0' },
          { ErrorCode: 'InternalFailure', ErrorMessage: 'oops' },
        ],
      },
    }));
    const outcomes = await transport.send('s', records);
    assert.deepEqual(
      outcomes.map((o) => o.ok),
      [true, false],
    );
    assert.equal((outcomes[1] as { retriable: boolean }).retriable, true);
    client.close();
    await server.close();
  });
});

describe('setup', () => {
  test('createTopics uses the v3 API and is idempotent', async () => {
    const server = await startServer();
    const topics = new Set<string>(['u.geo']);
    const bodies: unknown[] = [];
    server.handle((req, body) => {
      if (req.method === 'GET' && req.url === '/v3/clusters')
        return { status: 200, body: { data: [{ cluster_id: 'c1' }] } };
      if (
        req.method === 'POST' &&
        req.url === '/v3/clusters/c1/topics' &&
        req.headers['content-type'] === 'application/json'
      ) {
        const spec = JSON.parse(body) as { topic_name: string };
        bodies.push(spec);
        if (topics.has(spec.topic_name)) return { status: 400, body: { error_code: 40002, message: 'exists' } };
        topics.add(spec.topic_name);
        return { status: 201, body: {} };
      }
      return { status: 404, body: { error_code: 404, message: 'no' } };
    });
    const client = createHttpClient({ baseUrl: server.url });
    const results = await createTopics(client, ['u.pin', 'u.geo', 'u.user'], { replicationFactor: 3 });
    assert.deepEqual(
      results.map((r) => `${r.name}:${r.outcome}`),
      ['u.pin:created', 'u.geo:exists', 'u.user:created'],
    );
    assert.deepEqual(bodies[0], { topic_name: 'u.pin', partitions_count: 1, replication_factor: 3, configs: [] });
    assert.deepEqual(
      (await createTopics(client, ['u.pin'])).map((r) => r.outcome),
      ['exists'],
    );
    client.close();
    await server.close();
  });

  test('createStreams waits until ACTIVE and reports existing streams', async () => {
    const polls = new Map<string, number>();
    const admin: StreamAdmin = {
      description: 'fake',
      create: async (stream) => (stream === 'old' ? 'exists' : 'created'),
      status: async (stream) => {
        const n = (polls.get(stream) ?? 0) + 1;
        polls.set(stream, n);
        return n < 3 && stream !== 'old' ? 'CREATING' : 'ACTIVE';
      },
    };
    const results = await createStreams(admin, ['new', 'old'], { pollMs: 5 });
    assert.deepEqual(results, [
      { kind: 'stream', name: 'new', outcome: 'created', status: 'ACTIVE' },
      { kind: 'stream', name: 'old', outcome: 'exists', status: 'ACTIVE' },
    ]);
    assert.equal(polls.get('new'), 3);
  });

  test('the SDK admin maps ResourceInUseException to exists', async () => {
    const client = {
      send: async () => {
        throw classifyAwsError(Object.assign(new Error('in use'), { name: 'ResourceInUseException' }));
      },
    } as unknown as KinesisClient;
    assert.equal(await createSdkStreamAdmin(client).create('s', 1), 'exists');
  });
});
