import assert from 'node:assert/strict';
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { once } from 'node:events';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { after, before, describe, test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { CreateBucketCommand, type S3Client } from '@aws-sdk/client-s3';
import { startRestProxy, type RestProxy } from '../../src/local-stack/rest-proxy';
import { sinkObjectKey } from '../../src/contract/sink-object';
import { formatSinkValue, startS3Sink, type S3Sink, type S3SinkOptions } from '../../src/local-stack/s3-sink';
import { SAMPLE_POST } from '../../src/local-stack/sample-roundtrip';
import { TopicStore } from '../../src/local-stack/topic-store';
import { parseSinkKey, readObjects, startLocalS3, type LocalS3 } from './fixtures/local-s3';
import { apacheKafkaSkip } from './apache-kafka';
import { classifyAwsError } from '../../src/clients';

const JSON_V2 = 'application/vnd.kafka.json.v2+json';
const silent = { info: () => undefined, warn: () => undefined, error: () => undefined };
const BUCKET = 'user-test-bucket';

/** A course-shaped pin row (PIPELINE_SPEC.md §1), placeholders included. */
const PIN_ROW = SAMPLE_POST.pin;

function produce(url: string, topic: string, values: unknown[]): Promise<Response> {
  return fetch(`${url}/topics/${topic}`, {
    method: 'POST',
    headers: { 'Content-Type': JSON_V2 },
    body: JSON.stringify({ records: values.map((value) => ({ value })) }),
  });
}

/** Objects of one topic-partition as [startOffset, parsed lines], checked to be contiguous from 0. */
async function partitionObjects(s3: S3Client, topic: string, partition = 0): Promise<[number, unknown[]][]> {
  const objects = await readObjects(s3, BUCKET, `topics/${topic}/partition=${partition}/`);
  const out: [number, unknown[]][] = [];
  let expected = 0;
  for (const [key, body] of objects) {
    const { startOffset } = parseSinkKey(key);
    assert.equal(key, sinkObjectKey(topic, partition, startOffset));
    assert.equal(
      startOffset,
      expected,
      `objects of ${topic}-${partition} are contiguous: ${[...objects.keys()].join(', ')}`,
    );
    assert.ok(body.endsWith('\n'), 'every line ends with \\n');
    const lines = body
      .slice(0, -1)
      .split('\n')
      .map((line) => JSON.parse(line) as unknown);
    out.push([startOffset, lines]);
    expected += lines.length;
  }
  return out;
}

describe('S3 sink', () => {
  let dir: string;
  let local: LocalS3;
  let store: TopicStore;
  let proxy: RestProxy;
  let n = 0;
  const sinks: S3Sink[] = [];

  const startSink = async (options: Partial<S3SinkOptions> & { topicsRegex: string }): Promise<S3Sink> => {
    const sink = await startS3Sink({
      store,
      s3: local.s3,
      bucket: BUCKET,
      stateDir: path.join(dir, `sink-${++n}`),
      rotateIntervalMs: 200,
      pollIntervalMs: 50,
      logger: silent,
      ...options,
    });
    sinks.push(sink);
    return sink;
  };

  before(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'pp-s3-sink-'));
    local = await startLocalS3(path.join(dir, 's3'), [BUCKET]);
    store = await TopicStore.open({ dir: path.join(dir, 'topics'), logger: silent });
    proxy = await startRestProxy(store, { port: 0, logger: silent });
  });

  after(async () => {
    for (const sink of sinks) await sink.stop();
    await proxy?.close();
    await store?.close();
    await local?.close();
    await rm(dir, { recursive: true, force: true });
  });

  test('formats values as Confluent JsonFormat does (compact JSON; JSON bytes as JSON, other bytes base64)', () => {
    assert.equal(formatSinkValue({ a: 1, b: [true, null], c: 'x"y' }), '{"a":1,"b":[true,null],"c":"x\\"y"}');
    assert.equal(formatSinkValue('text'), '"text"');
    assert.equal(formatSinkValue(null), 'null');
    assert.equal(formatSinkValue(Buffer.from(' { "a" : 1 } ')), '{"a":1}');
    assert.equal(formatSinkValue(Buffer.from([0xff, 0x00])), '"/wA="');
    assert.equal(sinkObjectKey('0a1b.pin', 0, 42), 'topics/0a1b.pin/partition=0/0a1b.pin+0+0000000042.json');
  });

  test("a row posted with curl, as the course's Python client sends it, lands in S3 under the exact key with the exact content", async () => {
    const topic = 'curl1a2b.pin';
    const sink = await startSink({ topicsRegex: 'curl1a2b\\..*', flushSize: 1 });
    const body = JSON.stringify({ records: [{ value: PIN_ROW }] });
    const curl = spawn('curl', [
      '-s',
      '-X',
      'POST',
      `${proxy.url}/topics/${topic}`,
      '-H',
      'Content-Type: application/vnd.kafka.json.v2+json',
      '--data',
      body,
    ]);
    let output = '';
    curl.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
    const [code] = (await once(curl, 'close')) as [number];
    assert.equal(code, 0);
    assert.deepEqual(JSON.parse(output), {
      offsets: [{ partition: 0, offset: 0, error_code: null, error: null }],
      key_schema_id: null,
      value_schema_id: null,
    });
    await sink.drain(10_000);
    const objects = await readObjects(local.s3, BUCKET, `topics/${topic}/`);
    assert.deepEqual([...objects.keys()], [`topics/${topic}/partition=0/${topic}+0+0000000000.json`]);
    assert.equal(objects.get(`topics/${topic}/partition=0/${topic}+0+0000000000.json`), `${JSON.stringify(PIN_ROW)}\n`);
    assert.deepEqual(sink.stats(), { objectsWritten: 1, recordsWritten: 1, lag: 0, committed: { [`${topic}-0`]: 1 } });
  });

  test('flush.size=1: one object per record, keyed by its offset', async () => {
    const topic = 'fs1.geo';
    const sink = await startSink({ topicsRegex: 'fs1\\..*', flushSize: 1 });
    const values = Array.from({ length: 12 }, (_, i) => ({ ind: i, country: `c${i}` }));
    assert.equal((await produce(proxy.url, topic, values.slice(0, 5))).status, 200);
    assert.equal((await produce(proxy.url, topic, values.slice(5))).status, 200);
    await sink.drain(10_000);
    const objects = await partitionObjects(local.s3, topic);
    assert.deepEqual(
      objects,
      values.map((value, i) => [i, [value]]),
    );
    assert.equal(sink.stats().objectsWritten, 12);
  });

  test('flush.size=500: whole objects of 500 at offsets 0, 500, 1000, then the rest as a partial object after the rotate interval', async () => {
    const topic = 'fs500.pin';
    const sink = await startSink({ topicsRegex: 'fs500\\..*', flushSize: 500, rotateIntervalMs: 400 });
    const values = Array.from({ length: 1234 }, (_, i) => ({ index: i, title: `t${i}` }));
    for (let i = 0; i < values.length; i += 137)
      assert.equal((await produce(proxy.url, topic, values.slice(i, i + 137))).status, 200);
    await sink.drain(15_000);
    const objects = await partitionObjects(local.s3, topic);
    assert.deepEqual(
      objects.map(([start, lines]) => [start, lines.length]),
      [
        [0, 500],
        [500, 500],
        [1000, 234],
      ],
    );
    assert.deepEqual(
      objects.flatMap(([, lines]) => lines),
      values,
    );
    const keys = [...(await readObjects(local.s3, BUCKET, `topics/${topic}/`)).keys()];
    assert.deepEqual(
      keys,
      ['0000000000', '0000000500', '0000001000'].map((o) => `topics/${topic}/partition=0/${topic}+0+${o}.json`),
    );
  });

  test('rotate interval: a partial batch waits for rotateIntervalMs, then is written; later records start the next object', async () => {
    const topic = 'rot.user';
    const sink = await startSink({ topicsRegex: 'rot\\..*', flushSize: 500, rotateIntervalMs: 600 });
    const started = Date.now();
    await produce(proxy.url, topic, [{ ind: 1 }, { ind: 2 }, { ind: 3 }]);
    await sleep(250);
    assert.equal(sink.stats().objectsWritten, 0, 'not before the interval');
    assert.equal(sink.stats().lag, 3);
    await sink.drain(5_000);
    assert.ok(Date.now() - started >= 550, 'written once the oldest record is rotateIntervalMs old');
    await produce(proxy.url, topic, [{ ind: 4 }, { ind: 5 }]);
    await sink.drain(5_000);
    assert.deepEqual(await partitionObjects(local.s3, topic), [
      [0, [{ ind: 1 }, { ind: 2 }, { ind: 3 }]],
      [3, [{ ind: 4 }, { ind: 5 }]],
    ]);
  });

  test('topics.regex is a whole-name match and picks up topics created later; all partitions are copied', async () => {
    const sink = await startSink({ topicsRegex: 'rx1\\..*', flushSize: 2 });
    await store.createTopic('rx1.multi', { partitions: 3 });
    for (let p = 0; p < 3; p++) {
      const answer = await fetch(`${proxy.url}/topics/rx1.multi/partitions/${p}`, {
        method: 'POST',
        headers: { 'Content-Type': JSON_V2 },
        body: JSON.stringify({ records: [{ value: { p, i: 0 } }, { value: { p, i: 1 } }] }),
      });
      assert.equal(answer.status, 200);
    }
    await produce(proxy.url, 'xrx1.other', [{ no: 1 }]);
    await produce(proxy.url, 'rx1', [{ no: 2 }]);
    await sink.drain(10_000);
    for (let p = 0; p < 3; p++) {
      assert.deepEqual(await partitionObjects(local.s3, 'rx1.multi', p), [
        [
          0,
          [
            { p, i: 0 },
            { p, i: 1 },
          ],
        ],
      ]);
    }
    assert.equal((await readObjects(local.s3, BUCKET, 'topics/xrx1.other/')).size, 0);
    assert.equal((await readObjects(local.s3, BUCKET, 'topics/rx1/')).size, 0);
  });

  test('restart resumes from the committed offsets without writing anything twice', async () => {
    const topic = 'resume.pin';
    const stateDir = path.join(dir, 'resume-state');
    const first = await startS3Sink({
      store,
      s3: local.s3,
      bucket: BUCKET,
      topicsRegex: 'resume\\..*',
      flushSize: 3,
      rotateIntervalMs: 150,
      pollIntervalMs: 50,
      stateDir,
      logger: silent,
    });
    await produce(proxy.url, topic, [1, 2, 3, 4, 5, 6, 7]);
    await first.drain(5_000);
    await first.stop();
    assert.deepEqual(first.stats().committed, { [`${topic}-0`]: 7 });
    const state = JSON.parse(await readFile(path.join(stateDir, `s3-sink-${BUCKET}.json`), 'utf8')) as {
      topics: Record<string, { partitions: Record<string, number> }>;
    };
    assert.equal(state.topics[topic].partitions['0'], 7);

    await produce(proxy.url, topic, [8, 9, 10]);
    const second = await startS3Sink({
      store,
      s3: local.s3,
      bucket: BUCKET,
      topicsRegex: 'resume\\..*',
      flushSize: 3,
      rotateIntervalMs: 150,
      pollIntervalMs: 50,
      stateDir,
      logger: silent,
    });
    sinks.push(second);
    await second.drain(5_000);
    assert.deepEqual(second.stats(), {
      objectsWritten: 1,
      recordsWritten: 3,
      lag: 0,
      committed: { [`${topic}-0`]: 10 },
    });
    assert.deepEqual(await partitionObjects(local.s3, topic), [
      [0, [1, 2, 3]],
      [3, [4, 5, 6]],
      [6, [7]],
      [7, [8, 9, 10]],
    ]);
  });

  test('objects written but not committed before a crash are adopted (HeadObject), not written again', async () => {
    const topic = 'adopt.pin';
    const stateDir = path.join(dir, 'adopt-state');
    const options = {
      store,
      s3: local.s3,
      bucket: BUCKET,
      topicsRegex: 'adopt\\..*',
      flushSize: 2,
      rotateIntervalMs: 100,
      pollIntervalMs: 50,
      stateDir,
      logger: silent,
    };
    const first = await startS3Sink(options);
    await produce(proxy.url, topic, [1, 2, 3, 4, 5]);
    await first.drain(5_000);
    await first.stop();
    // As if the process died after the uploads but before saving the offsets.
    const stateFile = path.join(stateDir, `s3-sink-${BUCKET}.json`);
    const state = JSON.parse(await readFile(stateFile, 'utf8')) as {
      topics: Record<string, { partitions: Record<string, number> }>;
    };
    state.topics[topic].partitions['0'] = 2;
    await writeFile(stateFile, JSON.stringify(state));

    const second = await startS3Sink(options);
    sinks.push(second);
    await second.drain(5_000);
    assert.deepEqual(second.stats(), {
      objectsWritten: 0,
      recordsWritten: 0,
      lag: 0,
      committed: { [`${topic}-0`]: 5 },
    });
    assert.deepEqual(await partitionObjects(local.s3, topic), [
      [0, [1, 2]],
      [2, [3, 4]],
      [4, [5]],
    ]);
  });

  test('S3 errors are retried with back-off and never stop the sink', async () => {
    const topic = 'flaky.pin';
    let failuresLeft = 7;
    let calls = 0;
    const flaky = {
      send: (command: unknown, options?: unknown) => {
        calls++;
        // Only uploads fail, so that at least one upload spends all 3 attempts (7 > 3 uploads x 2).
        if ((command as object).constructor.name === 'PutObjectCommand' && failuresLeft-- > 0)
          return Promise.reject(
            classifyAwsError(
              Object.assign(new Error('We encountered an internal error. Please try again.'), {
                name: 'InternalError',
                $metadata: { httpStatusCode: 500 },
              }),
            ),
          );
        return (local.s3.send as (c: unknown, o?: unknown) => Promise<unknown>)(command, options);
      },
    } as unknown as S3Client;
    const logged: string[] = [];
    const logger = { info: () => undefined, warn: (m: string) => logged.push(m), error: (m: string) => logged.push(m) };
    const sink = await startSink({
      topicsRegex: 'flaky\\..*',
      flushSize: 1,
      s3: flaky,
      retry: { retries: 2, baseDelayMs: 5, maxDelayMs: 20 },
      pauseAfterFailureMs: 100,
      logger,
    });
    await produce(proxy.url, topic, [{ a: 1 }, { a: 2 }, { a: 3 }]);
    await sink.drain(10_000);
    assert.deepEqual(
      (await partitionObjects(local.s3, topic)).map(([start, lines]) => [start, lines]),
      [
        [0, [{ a: 1 }]],
        [1, [{ a: 2 }]],
        [2, [{ a: 3 }]],
      ],
    );
    assert.ok(calls > 3 + 7 - 1, `failed calls were retried (${calls} calls)`);
    assert.ok(
      logged.some((m) => /retry 1/.test(m)),
      'retries are logged',
    );
    assert.ok(
      logged.some((m) => /retrying in 100 ms/.test(m)),
      `a spent retry budget pauses the partition instead of failing: ${logged.join(' / ')}`,
    );
  });

  test('a missing bucket only delays: drain times out with a clear error, and copying resumes once it exists', async () => {
    const bucket = 'late-bucket';
    const logged: string[] = [];
    const sink = await startS3Sink({
      store,
      s3: local.s3,
      bucket,
      topicsRegex: 'late\\..*',
      stateDir: path.join(dir, 'late-state'),
      flushSize: 1,
      pollIntervalMs: 50,
      retry: { retries: 1, baseDelayMs: 5, maxDelayMs: 10 },
      pauseAfterFailureMs: 100,
      logger: { info: () => undefined, warn: (m) => logged.push(m), error: (m) => logged.push(m) },
    });
    sinks.push(sink);
    await produce(proxy.url, 'late.pin', [{ a: 1 }]);
    await assert.rejects(
      sink.drain(400),
      (error: Error & { code?: string }) =>
        error.code === 'SINK_DRAIN_TIMEOUT' && /1 records behind/.test(error.message),
    );
    assert.ok(logged.some((m) => m.includes('is the bucket there')));
    await local.s3.send(new CreateBucketCommand({ Bucket: bucket }));
    await sink.drain(5_000);
    assert.equal((await readObjects(local.s3, bucket, 'topics/late.pin/')).size, 1);
  });
});

/** Starts the crash-test child and resolves with its REST proxy URL. */
async function startChild(args: string[]): Promise<{
  child: ChildProcessWithoutNullStreams;
  url: string;
  brokerPid?: number;
  lines: AsyncIterableIterator<string>;
}> {
  const child = spawn(
    process.execPath,
    ['--import', 'tsx', path.join(__dirname, 'fixtures', 'sink-child.ts'), ...args],
    { cwd: path.join(__dirname, '..', '..'), stdio: 'pipe' },
  );
  let stderr = '';
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const lines = createInterface({ input: child.stdout })[Symbol.asyncIterator]();
  const first = await Promise.race([lines.next(), once(child, 'exit').then(() => ({ done: true, value: '' }))]);
  if (first.done) throw new Error(`sink-child exited before it was ready: ${stderr}`);
  const ready = JSON.parse(first.value) as { url: string; brokerPid?: number };
  return { child, url: ready.url, brokerPid: ready.brokerPid, lines };
}

for (const kafka of ['embedded', 'apache'] as const)
  describe(
    `crash test (${kafka} Kafka): kill -9 of ${kafka === 'apache' ? 'broker + ' : ''}proxy + sink while producing`,
    { skip: kafka === 'apache' && apacheKafkaSkip() },
    () => {
      let dir: string;
      let local: LocalS3;

      before(async () => {
        dir = await mkdtemp(path.join(tmpdir(), 'pp-s3-sink-crash-'));
        local = await startLocalS3(path.join(dir, 's3'), [BUCKET]);
      });

      after(async () => {
        await local?.close();
        await rm(dir, { recursive: true, force: true });
      });

      for (const flushSize of [1, 25]) {
        test(
          `flush.size=${flushSize}: every acknowledged record is in S3 exactly once`,
          { timeout: 180_000 },
          async (t) => {
            const topic = `crash${flushSize}${kafka}.pin`;
            const dataDir = path.join(dir, `data-${flushSize}-${kafka}`);
            const args = [dataDir, local.endpoint, BUCKET, `crash${flushSize}${kafka}\\..*`, String(flushSize), kafka];
            const batch = flushSize === 1 ? 4 : 10;
            const acked = new Map<string, number>();
            let sent = 0;
            let failedRequests = 0;
            let running = await startChild(args);
            let producing = true;

            const producer = async (id: number): Promise<void> => {
              for (let seq = 0; producing; seq += batch) {
                const values = Array.from({ length: batch }, (_, i) => ({
                  id: `${id}-${seq + i}`,
                  pad: 'x'.repeat(50),
                }));
                sent += batch;
                try {
                  const answer = await produce(running.url, topic, values);
                  const body = (await answer.json()) as { offsets: { offset: number | null }[] };
                  body.offsets.forEach((o, i) => {
                    if (o.offset !== null) acked.set(values[i].id, o.offset);
                  });
                } catch {
                  // The child was killed mid-request: this batch is unacknowledged.
                  failedRequests++;
                  await sleep(20);
                }
                await sleep(flushSize === 1 ? 25 : 15);
              }
            };
            const producers = [0, 1, 2, 3].map((id) => producer(id));

            for (let crash = 0; crash < 2; crash++) {
              // Apache Kafka's producer starts slower after a restart (broker, metadata, producer id): a longer window.
              await sleep((kafka === 'apache' ? 1_800 : 900) + crash * 300);
              running.child.kill('SIGKILL');
              // The broker is a process of its own: killed too, as a machine's crash would.
              if (running.brokerPid) process.kill(running.brokerPid, 'SIGKILL');
              await once(running.child, 'exit');
              running = await startChild(args);
            }
            await sleep(700);
            producing = false;
            await Promise.all(producers);

            running.child.stdin.write('drain\n');
            const drained = await running.lines.next();
            assert.match(String(drained.value), /"drained":true/);
            running.child.stdin.end('stop\n');
            await once(running.child, 'exit');

            const objects = await partitionObjects(local.s3, topic);
            const seen = new Map<string, number>();
            for (const [start, lines] of objects) {
              lines.forEach((line, i) => {
                const { id } = line as { id: string };
                assert.ok(!seen.has(id), `record ${id} is in S3 twice (offsets ${seen.get(id)} and ${start + i})`);
                seen.set(id, start + i);
              });
            }
            assert.ok(acked.size > 100, `enough records were acknowledged (${acked.size} of ${sent})`);
            for (const [id, offset] of acked)
              assert.equal(seen.get(id), offset, `acknowledged record ${id} (offset ${offset}) is in S3 at its offset`);
            t.diagnostic(
              `${sent} records sent, ${acked.size} acknowledged, ${seen.size} in S3 in ${objects.length} objects, ${failedRequests} requests failed by the kills`,
            );
          },
        );
      }
    },
  );
