/**
 * The local stack with Apache Kafka under it (`kafka: 'apache'`, issue 21): one broker shared by the
 * tests of this file. The REST proxy must answer exactly as on the embedded log; Kafka's own tools
 * read what the REST proxy acknowledged; the S3 sink is the consumer group `connect-<name>`.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import net from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { after, before, describe, test } from 'node:test';
import { GetObjectCommand, ListObjectsV2Command } from '@aws-sdk/client-s3';
import { PipelineError } from '../../src/errors';
import { residentMiB, startKafkaBroker } from '../../src/local-stack/kafka/broker';
import { runCourseTool } from '../../src/local-stack/kafka/kafka-tools';
import { DEFAULT_CLUSTER_ID, startRestProxy, type RestProxy } from '../../src/local-stack/rest-proxy';
import {
  EPHEMERAL_PORTS,
  removeStackData,
  startLocalStack,
  type LocalStack,
} from '../../src/local-stack/start-local-stack';
import { isProcessAlive } from '../../src/local-stack/running-stack';
import { TopicStore } from '../../src/local-stack/topic-store';
import { apacheKafkaSkip } from './apache-kafka';

const JSON_V2 = 'application/vnd.kafka.json.v2+json';
const BINARY_V2 = 'application/vnd.kafka.binary.v2+json';
const quiet = { info: () => undefined, warn: () => undefined, error: () => undefined };
const ROOT = path.join(__dirname, '..', '..');

interface Step {
  method: string;
  path: string;
  body?: unknown;
  contentType?: string;
}

/** The answer with every `http://127.0.0.1:<port>` made `BASE`, so two servers' answers compare. */
async function answer(base: string, step: Step): Promise<{ status: number; body: string }> {
  const response = await fetch(`${base}${step.path}`, {
    method: step.method,
    headers: step.contentType ? { 'Content-Type': step.contentType } : {},
    ...(step.body === undefined ? {} : { body: typeof step.body === 'string' ? step.body : JSON.stringify(step.body) }),
  });
  return { status: response.status, body: (await response.text()).replaceAll(base, 'BASE') };
}

async function produce(
  base: string,
  topic: string,
  values: unknown[],
): Promise<{ partition: number; offset: number | null; error_code: number | null }[]> {
  const response = await fetch(`${base}/topics/${topic}`, {
    method: 'POST',
    headers: { 'Content-Type': JSON_V2 },
    body: JSON.stringify({ records: values.map((value) => ({ value })) }),
  });
  assert.equal(response.status, 200);
  return (
    (await response.json()) as { offsets: { partition: number; offset: number | null; error_code: number | null }[] }
  ).offsets;
}

describe('Apache Kafka under the local stack', { skip: apacheKafkaSkip(), timeout: 300_000 }, () => {
  let dir: string;
  let stack: LocalStack;
  let embedded: TopicStore;
  let embeddedProxy: RestProxy;
  let startMs: number;

  before(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'pp-kafka-apache-'));
    const started = Date.now();
    stack = await startLocalStack({
      dataDir: path.join(dir, 'data'),
      ports: EPHEMERAL_PORTS,
      userId: 'ak',
      kafka: 'apache',
      provision: true,
      sink: { flushSize: 3, rotateIntervalMs: 300 },
      logger: quiet,
    });
    startMs = Date.now() - started;
    // The embedded log of a one-broker cluster, for answers compared side by side.
    embedded = await TopicStore.open({ dir: path.join(dir, 'embedded'), brokers: 1, logger: quiet });
    embeddedProxy = await startRestProxy(embedded, { port: 0, logger: quiet });
  });

  after(async () => {
    await embeddedProxy?.close();
    await embedded?.close();
    await stack?.stop();
    await rm(dir, { recursive: true, force: true });
  });

  test('the stack runs Apache Kafka 4.4.0 on 127.0.0.1, KRaft storage and log in its data folder', async (t) => {
    assert.equal(stack.kafka.kind, 'apache');
    assert.equal(stack.kafka.version, '4.4.0');
    assert.match(stack.kafka.bootstrap ?? '', /^127\.0\.0\.1:\d+$/);
    assert.equal(stack.kafka.sinkGroup, 'connect-ak-s3-sink');
    assert.ok(
      existsSync(path.join(stack.dataDir, 'kafka', 'data', 'meta.properties')),
      'storage formatted in the data folder',
    );
    assert.ok(existsSync(path.join(stack.dataDir, 'kafka', 'broker.log')), 'the broker log is in the data folder');
    const rss = await residentMiB(stack.kafka.pid ?? 0);
    t.diagnostic(
      `stack with Apache Kafka started in ${startMs} ms (broker ${stack.kafka.startMs} ms), broker resident memory ${rss} MiB`,
    );
  });

  test('REST proxy conformance: every call answers the same on Apache Kafka as on the embedded log', async () => {
    const cluster = `/v3/clusters/${DEFAULT_CLUSTER_ID}`;
    const steps: Step[] = [
      {
        method: 'POST',
        path: '/topics/same.pin',
        body: { records: [{ value: { index: 1 } }, { value: { index: 2 } }, { value: 'three' }] },
        contentType: JSON_V2,
      },
      {
        method: 'POST',
        path: '/topics/same.pin',
        body: { records: [{ value: Buffer.from('{"b":1}').toString('base64') }] },
        contentType: BINARY_V2,
      },
      {
        method: 'POST',
        path: '/topics/same.pin/partitions/0',
        body: { records: [{ value: { index: 4 } }] },
        contentType: JSON_V2,
      },
      {
        method: 'POST',
        path: '/topics/same.pin',
        body: { records: [{ value: { a: 1 } }] },
        contentType: 'application/json',
      },
      { method: 'POST', path: '/topics/same.pin', body: '{"records":[{"value":', contentType: JSON_V2 },
      {
        method: 'POST',
        path: '/topics/same.pin',
        body: { records: [{ value: { big: 'x'.repeat(1_100_000) } }, { value: { small: 1 } }] },
        contentType: JSON_V2,
      },
      { method: 'GET', path: '/topics' },
      { method: 'GET', path: '/topics/same.pin' },
      { method: 'GET', path: '/topics/same.pin/partitions' },
      { method: 'GET', path: '/topics/same.pin/partitions/0' },
      { method: 'GET', path: '/topics/same.pin/partitions/0/offsets' },
      { method: 'GET', path: '/topics/same.pin/partitions/1' },
      { method: 'GET', path: '/topics/same.pin/partitions/1/offsets' },
      { method: 'GET', path: '/topics/no.such.topic' },
      { method: 'GET', path: '/topics/no.such.topic/partitions/0/offsets' },
      { method: 'DELETE', path: '/topics/same.pin' },
      { method: 'GET', path: '/v3/clusters' },
      { method: 'GET', path: cluster },
      {
        method: 'POST',
        path: `${cluster}/topics`,
        body: {
          topic_name: 'same.geo',
          partitions_count: 3,
          replication_factor: 1,
          configs: [{ name: 'retention.ms', value: '86400000' }],
          validate_only: true,
        },
        contentType: 'application/json',
      },
      { method: 'GET', path: '/topics/same.geo' },
      {
        method: 'POST',
        path: `${cluster}/topics`,
        body: {
          topic_name: 'same.geo',
          partitions_count: 3,
          replication_factor: 1,
          configs: [{ name: 'retention.ms', value: '86400000' }],
        },
        contentType: 'application/json',
      },
      {
        method: 'POST',
        path: `${cluster}/topics`,
        body: { topic_name: 'same.geo', partitions_count: 1, replication_factor: 1, configs: [] },
        contentType: 'application/json',
      },
      {
        method: 'POST',
        path: `${cluster}/topics`,
        body: { topic_name: 'same.user', partitions_count: 1, replication_factor: 3, configs: [] },
        contentType: 'application/json',
      },
      {
        method: 'POST',
        path: `${cluster}/topics`,
        body: {
          topic_name: 'same.user',
          partitions_count: 1,
          replication_factor: 1,
          configs: [{ name: 'no.such.config', value: '1' }],
        },
        contentType: 'application/json',
      },
      {
        method: 'POST',
        path: `${cluster}/topics`,
        body: { topic_name: 'bad name!', partitions_count: 1, replication_factor: 1, configs: [] },
        contentType: 'application/json',
      },
      { method: 'GET', path: '/topics/same.geo' },
      { method: 'GET', path: `${cluster}/topics/same.geo` },
      { method: 'GET', path: `${cluster}/topics/same.geo/partitions` },
      { method: 'GET', path: `${cluster}/topics/same.geo/partitions/2` },
      { method: 'GET', path: `${cluster}/topics/same.geo/partitions/3` },
      {
        method: 'POST',
        path: '/topics/same.geo',
        body: {
          records: [
            { key: 'k1', value: 1 },
            { key: 'k2', value: 2 },
            { key: 'k3', value: 3 },
            { key: 'k1', value: 4 },
          ],
        },
        contentType: JSON_V2,
      },
      { method: 'GET', path: `${cluster}/topics/no.such.topic` },
      { method: 'DELETE', path: `${cluster}/topics/same.geo` },
      { method: 'GET', path: '/topics/same.geo' },
      { method: 'DELETE', path: `${cluster}/topics/same.geo` },
    ];
    const differences: string[] = [];
    for (const step of steps) {
      const onEmbedded = await answer(embeddedProxy.url, step);
      const onKafka = await answer(stack.endpoints.restProxy, step);
      // The stack's own topics (ak.*) are not in the embedded log.
      if (step.path === '/topics')
        onKafka.body = JSON.stringify(
          (JSON.parse(onKafka.body) as string[]).filter((name) => name.startsWith('same.')),
        );
      const label = `${step.method} ${step.path}`;
      if (onEmbedded.status !== onKafka.status || onEmbedded.body !== onKafka.body) {
        differences.push(
          `${label}:\n  embedded ${onEmbedded.status} ${onEmbedded.body.slice(0, 400)}\n  apache   ${onKafka.status} ${onKafka.body.slice(0, 400)}`,
        );
      }
      // A deleted topic leaves Kafka's metadata a moment later, as MSK's does.
      if (step.method === 'DELETE') await sleep(500);
    }
    assert.deepEqual(differences, [], differences.join('\n'));
  });

  test('what the REST proxy acknowledged is what kafka-console-consumer reads back', async () => {
    const topic = stack.names.topics.pin;
    const values = Array.from({ length: 25 }, (_, i) => ({ index: i, title: `post ${i}`, text: 'ünïcode ✓' }));
    const offsets = await produce(stack.endpoints.invokeUrl, topic, values);
    assert.ok(offsets.every((o) => o.error_code === null));
    const end = Math.max(...offsets.map((o) => o.offset ?? -1)) + 1;
    const target = { dataDir: stack.dataDir, bootstrap: stack.kafka.bootstrap ?? '' };
    const run = await runCourseTool(
      target,
      'kafka-console-consumer',
      [
        '--topic',
        topic,
        '--from-beginning',
        '--max-messages',
        String(end),
        '--timeout-ms',
        '30000',
        '--property',
        'print.offset=true',
      ],
      { capture: true, timeoutMs: 90_000 },
    );
    assert.match(
      run.command,
      /^kafka-console-consumer\.sh --bootstrap-server 127\.0\.0\.1:\d+ --topic .* --command-config \S+client\.properties$/,
    );
    assert.equal(run.code, 0, run.stderr);
    const read = new Map<number, unknown>();
    for (const line of run.stdout.split('\n')) {
      const match = /^Offset:(\d+)\t(.*)$/.exec(line);
      if (match) read.set(Number(match[1]), JSON.parse(match[2]));
    }
    values.forEach((value, i) =>
      assert.deepEqual(read.get(offsets[i].offset ?? -1), value, `record acknowledged at offset ${offsets[i].offset}`),
    );
  });

  test('kafka-topics lists the topics; kafka-consumer-groups shows the sink group connect-<name> at lag 0 once drained', async () => {
    await produce(
      stack.endpoints.restProxy,
      stack.names.topics.geo,
      Array.from({ length: 7 }, (_, i) => ({ ind: i })),
    );
    await stack.sink.drain(60_000);
    const target = { dataDir: stack.dataDir, bootstrap: stack.kafka.bootstrap ?? '' };
    const listed = await runCourseTool(target, 'kafka-topics', ['--list'], { capture: true, timeoutMs: 60_000 });
    assert.equal(listed.code, 0, listed.stderr);
    for (const topic of Object.values(stack.names.topics))
      assert.ok(listed.stdout.split('\n').includes(topic), `${topic} in ${listed.stdout}`);
    const group = stack.kafka.sinkGroup ?? '';
    const described = await runCourseTool(target, 'kafka-consumer-groups', ['--describe', '--group', group], {
      capture: true,
      timeoutMs: 60_000,
    });
    assert.equal(described.code, 0, described.stderr);
    const rows = described.stdout
      .split('\n')
      .filter((line) => line.startsWith(`${group} `))
      .map((line) => line.trim().split(/\s+/));
    const geo = rows.find((row) => row[1] === stack.names.topics.geo);
    assert.ok(geo, described.stdout);
    assert.equal(geo[3], geo[4], `current offset = log end offset: ${geo.join(' ')}`);
    assert.equal(geo[5], '0', `lag 0: ${geo.join(' ')}`);
    assert.ok(Number(geo[4]) >= 7);
  });

  test("npm run kafka -- kafka-topics --list finds the running stack through stack.json and prints the course's command", async () => {
    const child = spawn(
      process.execPath,
      ['--import', 'tsx', 'scripts/kafka.ts', '--data-dir', stack.dataDir, 'kafka-topics', '--list'],
      { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] },
    );
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const code = await new Promise<number | null>((resolve) => child.once('close', resolve));
    assert.equal(code, 0, stderr);
    assert.match(
      stderr,
      /^\$ kafka-topics\.sh --bootstrap-server 127\.0\.0\.1:\d+ --list --command-config \S+client\.properties$/m,
    );
    for (const topic of Object.values(stack.names.topics))
      assert.ok(stdout.split('\n').includes(topic), `${topic} in ${stdout}`);
  });

  test('topics.regex is a pattern subscription: a topic created after the sink started is copied, keyed by first offset', async () => {
    const late = `${stack.userId}.late${Date.now()}`;
    const created = await fetch(`${stack.endpoints.restProxy}/v3/clusters/${DEFAULT_CLUSTER_ID}/topics`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ topic_name: late, partitions_count: 1, replication_factor: 1, configs: [] }),
    });
    assert.equal(created.status, 201);
    await produce(stack.endpoints.restProxy, late, [{ n: 0 }, { n: 1 }, { n: 2 }, { n: 3 }]);
    for (let i = 0; i < 40 && !(stack.sink.stats().committed[`${late}-0`] >= 4); i++) await sleep(250);
    await stack.sink.drain(30_000);
    const listed = await stack.s3.send(new ListObjectsV2Command({ Bucket: stack.bucket, Prefix: `topics/${late}/` }));
    const keys = (listed.Contents ?? []).map((o) => o.Key).sort();
    assert.deepEqual(keys, [
      `topics/${late}/partition=0/${late}+0+0000000000.json`,
      `topics/${late}/partition=0/${late}+0+0000000003.json`,
    ]);
    const first = await stack.s3.send(new GetObjectCommand({ Bucket: stack.bucket, Key: keys[0] }));
    assert.equal(await first.Body?.transformToString(), '{"n":0}\n{"n":1}\n{"n":2}\n');
  });

  test('a broker left running by a killed stack is stopped before its folder is removed (npm start, --fresh)', async () => {
    const orphanDir = path.join(dir, 'orphan');
    const broker = await startKafkaBroker({ dataDir: orphanDir, logger: quiet });
    assert.ok(isProcessAlive(broker.pid));
    await removeStackData(orphanDir);
    for (let i = 0; i < 100 && isProcessAlive(broker.pid); i++) await sleep(50);
    assert.equal(isProcessAlive(broker.pid), false, 'the broker was stopped');
    assert.equal(existsSync(path.join(orphanDir, 'kafka')), false);
    await broker.stop();
  });

  test("a broker that cannot start fails with one line and the broker log's last error", async () => {
    const blocker = net.createServer();
    await new Promise<void>((resolve) => blocker.listen(0, '127.0.0.1', resolve));
    const port = (blocker.address() as net.AddressInfo).port;
    try {
      await assert.rejects(
        startKafkaBroker({ dataDir: path.join(dir, 'blocked'), port, logger: quiet }),
        (error: unknown) => {
          assert.ok(error instanceof PipelineError && error.code === 'KAFKA_BROKER_FAILED', String(error));
          assert.doesNotMatch(error.message, /\n/);
          assert.match(error.message, /bind|Address already in use/i);
          return true;
        },
      );
    } finally {
      blocker.close();
    }
  });
});

describe('npm start -- --kafka apache', { skip: apacheKafkaSkip(), timeout: 300_000 }, () => {
  test('reconciles every record through Apache Kafka and exits 0', async (t) => {
    const dir = await mkdtemp(path.join(tmpdir(), 'pp-start-apache-'));
    try {
      const child = spawn(
        process.execPath,
        [
          '--import',
          'tsx',
          'scripts/start.ts',
          '--kafka',
          'apache',
          '--posts',
          '300',
          '--no-stream',
          '--progress',
          'plain',
          '--data-dir',
          path.join(dir, 'data'),
          '--out',
          path.join(dir, 'out'),
        ],
        {
          cwd: ROOT,
          stdio: ['ignore', 'pipe', 'pipe'],
          env: {
            ...process.env,
            PP_CREDENTIALS_DIR: await mkdtemp(path.join(dir, 'credentials-')),
            PP_USER_ID: 'startapache',
          },
        },
      );
      let output = '';
      child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
      child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
      const code = await new Promise<number | null>((resolve) => child.once('close', resolve));
      assert.equal(code, 0, output);
      assert.match(output, /every record is accounted for/);
      assert.match(output, /pin\s+300\s+300\s+0\s+300\s+0\s/);
      assert.ok(
        existsSync(path.join(dir, 'data', 'kafka', 'broker.log')),
        'the run went through the Apache Kafka broker',
      );
      t.diagnostic(output.split('\n').find((line) => line.startsWith('done in')) ?? '');
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
