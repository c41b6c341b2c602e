/**
 * The emulation against the embedded local stack (started here on free ports, in a temp folder,
 * with a unique user id): acceptance 1 (10,000 posts on each path, reconciled against S3 and
 * Kinesis), 2 (injected faults and a stack restart mid-run lose nothing) and 4 (unsendable rows
 * are quarantined while the run goes on).
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, describe, test } from 'node:test';
import {
  PutRecordsCommand,
  type KinesisClient,
  type PutRecordsCommandOutput,
  type PutRecordsResultEntry,
} from '@aws-sdk/client-kinesis';
import { createKinesisClient } from '../../src/clients';
import { createQuarantine, emulateBatch, emulateStream, type AckedRecord } from '../../src/emulation/emulate-posts';
import { createHttpClient } from '../../src/http-client';
import { createGatewayStreamTransport, createSdkStreamTransport } from '../../src/emulation/kinesis-transport';
import { readSinkRecords, readStreamRecords } from '../../src/emulation/landed-records';
import { formatSummary, type EmulationSummary } from '../../src/emulation/ledger';
import { createRestProxyTransport } from '../../src/emulation/rest-proxy-transport';
import { seededRandom } from '../../src/emulation/select-positions';
import { startLocalStack, type LocalStack, type LocalStackOptions } from '../../src/local-stack/start-local-stack';
import { EmbeddedRowSource } from '../../src/source/embedded-source';
import { generatePost } from '../../src/source/generate';
import { TABLES, type Post } from '../../src/contract/tables';
import { fakeSource } from './helpers';
import { classifyAwsError } from '../../src/clients';

const dirs: string[] = [];
const stacks: LocalStack[] = [];
after(async () => {
  for (const stack of stacks) await stack.stop();
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

function uniqueUser(): string {
  return `em-${randomBytes(4).toString('hex')}`;
}

async function startStack(options: Partial<LocalStackOptions> = {}): Promise<LocalStack> {
  const dataDir = options.dataDir ?? mkdtempSync(path.join(tmpdir(), 'pp-emulation-'));
  if (!options.dataDir) dirs.push(dataDir);
  const stack = await startLocalStack({
    dataDir,
    userId: options.userId ?? uniqueUser(),
    ports: { gateway: 0, restProxy: 0, s3: 0, kinesis: 0 },
    sink: { flushSize: 1_000, rotateIntervalMs: 200 },
    provision: true,
    ...options,
  });
  stacks.push(stack);
  return stack;
}

async function stopStack(stack: LocalStack): Promise<void> {
  await stack.stop();
  stacks.splice(stacks.indexOf(stack), 1);
}

const sortKeys = (keys: string[]) => [...keys].sort();

/** Checks the S3 sink holds exactly the acknowledged batch records: same (topic, partition, offset) and values. */
async function assertSinkHoldsExactly(stack: LocalStack, acks: AckedRecord[]): Promise<void> {
  await stack.sink.drain(60_000);
  for (const table of TABLES) {
    const topic = stack.names.topics[table];
    const landed = await readSinkRecords(stack.s3, stack.bucket, table, topic);
    const acked = acks.filter((a) => a.destination === topic);
    assert.equal(landed.length, acked.length, `${topic}: ${landed.length} records in S3, ${acked.length} acknowledged`);
    assert.deepEqual(
      sortKeys(landed.map((r) => `${r.partition}:${r.offset}:${r.json}`)),
      sortKeys(acked.map((a) => `${a.partition}:${a.offset}:${a.json}`)),
    );
  }
}

/** Checks each stream holds exactly the acknowledged records: same sequence numbers, keys and data. */
async function assertStreamsHoldExactly(kinesis: KinesisClient, stack: LocalStack, acks: AckedRecord[]): Promise<void> {
  for (const table of TABLES) {
    const stream = stack.names.streams[table];
    const landed = await readStreamRecords(kinesis, stream);
    const acked = acks.filter((a) => a.destination === stream);
    assert.equal(landed.length, acked.length, `${stream}: ${landed.length} records, ${acked.length} acknowledged`);
    assert.deepEqual(
      sortKeys(landed.map((r) => `${r.sequenceNumber}:${r.partitionKey}:${r.data}`)),
      sortKeys(acked.map((a) => `${a.sequenceNumber}:${a.id}:${a.json}`)),
    );
  }
}

function assertAllAcked(summary: EmulationSummary, posts: number): void {
  assert.ok(summary.ok, formatSummary(summary));
  for (const t of summary.tables) {
    assert.equal(t.read, posts, formatSummary(summary));
    assert.equal(t.acked, posts, formatSummary(summary));
  }
}

const source = () => new EmbeddedRowSource({ rows: 11_153, seed: 42 });

describe('acceptance 1: 10,000 posts on each path of the local stack', { timeout: 180_000 }, () => {
  test('batch path through the gateway: the REST proxy acknowledges 30,000 records and the S3 sink holds exactly those', async () => {
    const stack = await startStack();
    const http = createHttpClient({ baseUrl: stack.endpoints.invokeUrl });
    const acks: AckedRecord[] = [];
    const started = Date.now();
    const summary = await emulateBatch({
      source: source(),
      transport: createRestProxyTransport({ http, via: 'gateway' }),
      names: stack.names,
      count: 10_000,
      batchSize: 500,
      concurrency: 4,
      onAck: (a) => acks.push(a),
    });
    http.close();
    console.log(`${formatSummary(summary)}\n(${Date.now() - started} ms)`);
    assertAllAcked(summary, 10_000);
    assert.equal(acks.length, 30_000);
    await assertSinkHoldsExactly(stack, acks);
  });

  test('streaming path through the SDK: the three streams hold the 30,000 acknowledged records', async () => {
    const stack = await startStack();
    const acks: AckedRecord[] = [];
    const started = Date.now();
    const summary = await emulateStream({
      source: source(),
      transport: createSdkStreamTransport({ client: stack.kinesis }),
      names: stack.names,
      count: 10_000,
      batchSize: 500,
      concurrency: 4,
      onAck: (a) => acks.push(a),
    });
    console.log(`${formatSummary(summary)}\n(${Date.now() - started} ms)`);
    assertAllAcked(summary, 10_000);
    assert.equal(acks.length, 30_000);
    await assertStreamsHoldExactly(stack.kinesis, stack, acks);
  });

  test('streaming path through the gateway routes lands the same bytes', async () => {
    const stack = await startStack();
    const http = createHttpClient({ baseUrl: stack.endpoints.invokeUrl });
    const acks: AckedRecord[] = [];
    const summary = await emulateStream({
      source: source(),
      transport: createGatewayStreamTransport({ http }),
      names: stack.names,
      count: 2_000,
      onAck: (a) => acks.push(a),
    });
    http.close();
    assertAllAcked(summary, 2_000);
    await assertStreamsHoldExactly(stack.kinesis, stack, acks);
  });
});

/** Wraps a Kinesis client so PutRecords sometimes fails whole (500) or fails some entries, as throttled Kinesis does. */
function faultyKinesis(
  client: KinesisClient,
  random: () => number,
  counts: { calls: number; failedCalls: number; failedEntries: number },
): KinesisClient {
  return {
    send: async (command: PutRecordsCommand, options?: unknown) => {
      if (!(command instanceof PutRecordsCommand)) return client.send(command as never, options as never);
      counts.calls += 1;
      if (random() < 0.15) {
        counts.failedCalls += 1;
        throw classifyAwsError(
          Object.assign(new Error('We encountered an internal error. Please try again.'), {
            name: 'InternalFailureException',
            $metadata: { httpStatusCode: 500 },
          }),
        );
      }
      const entries = command.input.Records ?? [];
      const fail = entries.map(() => random() < 0.1);
      const passed = entries.filter((_, i) => !fail[i]);
      const real: PutRecordsResultEntry[] = passed.length
        ? ((
            (await client.send(
              new PutRecordsCommand({ StreamName: command.input.StreamName, Records: passed }),
              options as never,
            )) as PutRecordsCommandOutput
          ).Records ?? [])
        : [];
      let next = 0;
      const records = entries.map((_, i): PutRecordsResultEntry =>
        fail[i]
          ? {
              ErrorCode: 'ProvisionedThroughputExceededException',
              ErrorMessage: 'Rate exceeded for shard shardId-000000000000',
            }
          : real[next++],
      );
      counts.failedEntries += fail.filter(Boolean).length;
      return { FailedRecordCount: fail.filter(Boolean).length, Records: records, $metadata: {} };
    },
  } as unknown as KinesisClient;
}

describe('acceptance 2: faults lose nothing', { timeout: 180_000 }, () => {
  test('batch path: injected 500s, 429s and per-record failures inside 200s are retried; S3 holds exactly the acknowledged records', async () => {
    const random = seededRandom(7);
    const injected = { status500: 0, status429: 0, records: 0 };
    const stack = await startStack({
      faults: {
        beforeRequest: ({ method, path: requestPath }) => {
          if (method !== 'POST' || !requestPath.startsWith('/topics/')) return undefined;
          const roll = random();
          if (roll < 0.1) {
            injected.status500 += 1;
            return { status: 500, body: { error_code: 50001, message: 'Injected broker failure' } };
          }
          if (roll < 0.2) {
            injected.status429 += 1;
            return { status: 429, body: { error_code: 42901, message: 'Too Many Requests' } };
          }
          return undefined;
        },
        failRecord: () => {
          if (random() >= 0.05) return undefined;
          injected.records += 1;
          return { error_code: 50003, error: 'Injected: leader not available' };
        },
      },
    });
    const http = createHttpClient({ baseUrl: stack.endpoints.invokeUrl });
    const acks: AckedRecord[] = [];
    const summary = await emulateBatch({
      source: source(),
      transport: createRestProxyTransport({ http, via: 'gateway' }),
      names: stack.names,
      count: 3_000,
      batchSize: 100,
      concurrency: 4,
      retry: { baseDelayMs: 5, maxDelayMs: 50, retries: 20 },
      onAck: (a) => acks.push(a),
    });
    http.close();
    console.log(`${formatSummary(summary)}\ninjected: ${JSON.stringify(injected)}`);
    assertAllAcked(summary, 3_000);
    assert.ok(injected.status500 > 0 && injected.status429 > 0 && injected.records > 0);
    assert.ok(summary.tables.every((t) => t.retried > 0));
    await assertSinkHoldsExactly(stack, acks);
  });

  test('streaming path: InternalFailure calls and ProvisionedThroughputExceeded entries are retried; streams hold exactly the acknowledged records', async () => {
    const stack = await startStack();
    const counts = { calls: 0, failedCalls: 0, failedEntries: 0 };
    const kinesis = faultyKinesis(stack.kinesis, seededRandom(11), counts);
    const acks: AckedRecord[] = [];
    const summary = await emulateStream({
      source: source(),
      transport: createSdkStreamTransport({ client: kinesis }),
      names: stack.names,
      count: 3_000,
      batchSize: 200,
      retry: { baseDelayMs: 5, maxDelayMs: 50, retries: 20 },
      onAck: (a) => acks.push(a),
    });
    console.log(`${formatSummary(summary)}\ninjected: ${JSON.stringify(counts)}`);
    assertAllAcked(summary, 3_000);
    assert.ok(counts.failedCalls > 0 && counts.failedEntries > 0);
    await assertStreamsHoldExactly(stack.kinesis, stack, acks);
  });

  test('the stack stopped and restarted mid-run: both paths end with every record acknowledged and landed', async () => {
    const dataDir = mkdtempSync(path.join(tmpdir(), 'pp-emulation-restart-'));
    dirs.push(dataDir);
    const userId = uniqueUser();
    const first = await startStack({ dataDir, userId });
    const ports = {
      gateway: Number(new URL(first.endpoints.invokeUrl).port),
      restProxy: Number(new URL(first.endpoints.restProxy).port),
      s3: Number(new URL(first.endpoints.s3).port),
      kinesis: Number(new URL(first.endpoints.kinesis).port),
    };
    // Clients of our own: the stack's clients end with it.
    const http = createHttpClient({ baseUrl: first.endpoints.invokeUrl, timeoutMs: 5_000 });
    const kinesis = createKinesisClient({ region: first.region, endpoint: first.endpoints.kinesis });
    const batchAcks: AckedRecord[] = [];
    const streamAcks: AckedRecord[] = [];
    const retry = { baseDelayMs: 50, maxDelayMs: 1_000, retries: 30 };
    const runs = Promise.all([
      emulateBatch({
        source: source(),
        transport: createRestProxyTransport({ http, via: 'gateway' }),
        names: first.names,
        count: 3_000,
        rate: 1_000,
        batchSize: 50,
        retry,
        onAck: (a) => batchAcks.push(a),
      }),
      emulateStream({
        source: source(),
        transport: createSdkStreamTransport({ client: kinesis }),
        names: first.names,
        count: 3_000,
        rate: 1_000,
        batchSize: 50,
        retry,
        onAck: (a) => streamAcks.push(a),
      }),
    ]);
    await new Promise((resolve) => setTimeout(resolve, 1_000));
    await stopStack(first);
    await new Promise((resolve) => setTimeout(resolve, 1_000));
    const second = await startStack({ dataDir, userId, ports });
    const [batch, stream] = await runs;
    http.close();
    console.log(`${formatSummary(batch)}\n${formatSummary(stream)}`);
    assertAllAcked(batch, 3_000);
    assertAllAcked(stream, 3_000);
    assert.ok(
      batch.tables.some((t) => t.retried > 0) && stream.tables.some((t) => t.retried > 0),
      'the restart made requests fail',
    );

    // At least once: a request cut off by the stop may have been stored before its answer was lost,
    // so a resend can store a record twice. Every acknowledged record is there; none is lost.
    await second.sink.drain(60_000);
    for (const table of TABLES) {
      const topic = second.names.topics[table];
      const landed = new Map(
        (await readSinkRecords(second.s3, second.bucket, table, topic)).map((r) => [
          `${r.partition}:${r.offset}`,
          r.json,
        ]),
      );
      for (const ack of batchAcks.filter((a) => a.destination === topic))
        assert.equal(landed.get(`${ack.partition}:${ack.offset}`), ack.json);
      const stream = second.names.streams[table];
      const records = new Map((await readStreamRecords(kinesis, stream)).map((r) => [r.sequenceNumber, r.data]));
      for (const ack of streamAcks.filter((a) => a.destination === stream))
        assert.equal(records.get(ack.sequenceNumber as string), ack.json);
      assert.ok(landed.size >= 3_000 && records.size >= 3_000);
    }
    kinesis.destroy();
  });
});

describe('acceptance 4: unsendable rows are quarantined and the run goes on', { timeout: 60_000 }, () => {
  test('oversized and unserialisable rows, on both paths of the local stack', async () => {
    const stack = await startStack();
    const broken = fakeSource(1_000, (position): Post => {
      const post = generatePost(42, position);
      if (position % 100 === 7) post.pin.description = 'x'.repeat(1_100_000);
      if (position % 100 === 9) (post.user as unknown as Record<string, unknown>).age = BigInt(position);
      return post;
    });
    const http = createHttpClient({ baseUrl: stack.endpoints.invokeUrl });
    for (const kind of ['batch', 'stream'] as const) {
      const quarantine = createQuarantine();
      const acks: AckedRecord[] = [];
      const run = {
        source: broken,
        names: stack.names,
        count: 1_000,
        selection: 'sequential' as const,
        quarantine,
        onAck: (a: AckedRecord) => acks.push(a),
      };
      const summary =
        kind === 'batch'
          ? await emulateBatch({ ...run, transport: createRestProxyTransport({ http, via: 'gateway' }) })
          : await emulateStream({ ...run, transport: createSdkStreamTransport({ client: stack.kinesis }) });
      assert.ok(summary.ok, formatSummary(summary));
      const byTable = Object.fromEntries(summary.tables.map((t) => [t.table, t]));
      assert.deepEqual([byTable.pin.acked, byTable.pin.quarantined], [990, 10]);
      assert.deepEqual([byTable.user.acked, byTable.user.quarantined], [990, 10]);
      assert.deepEqual([byTable.geo.acked, byTable.geo.quarantined], [1_000, 0]);
      const idsAt = (remainder: number) =>
        Array.from({ length: 10 }, (_, i) => String(generatePost(42, i * 100 + remainder).pin.index)).sort();
      const pins = quarantine.entries().filter((e) => e.table === 'pin');
      const users = quarantine.entries().filter((e) => e.table === 'user');
      assert.ok(
        pins.every((e) => /^oversized: 1,1\d\d,\d{3} bytes, over the 1,048,576-byte limit per record$/.test(e.reason)),
        pins[0]?.reason,
      );
      assert.ok(
        users.every((e) => /^unserialisable: \$\.age is a BigInt/.test(e.reason)),
        users[0]?.reason,
      );
      assert.deepEqual(pins.map((e) => e.id).sort(), idsAt(7));
      assert.deepEqual(users.map((e) => e.id).sort(), idsAt(9));
      if (kind === 'batch') await assertSinkHoldsExactly(stack, acks);
      else await assertStreamsHoldExactly(stack.kinesis, stack, acks);
    }
    http.close();
  });
});
