/**
 * Crash safety: the consumer runs in a child process, the streams are resharded (each one's shard
 * split) while it reads, it is killed with SIGKILL while posts are still arriving, then restarted; the tables end with every distinct cleaned row sent, none lost,
 * none twice.
 */
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import { after, test } from 'node:test';
import { PutRecordsCommand } from '@aws-sdk/client-kinesis';
import { emulateStream, type AckedRecord } from '../../src/emulation/emulate-posts';
import { createSdkStreamTransport } from '../../src/emulation/kinesis-transport';
import { EmbeddedRowSource } from '../../src/source/embedded-source';
import { openStreamTables, readStreamTable } from '../../src/streaming/stream-tables';
import { consumeStreamsUntilIdle, type ConsumeSummary } from '../../src/streaming/consume-streams';
import { TABLES } from '../../src/contract/tables';
import { expectedTables, rowLines, shardId, splitShard, stackPool } from './helpers';

const pool = stackPool();
after(() => pool.cleanup());

const FIXTURE = path.join(__dirname, 'fixtures', 'consume.ts');

function spawnConsumer(args: object): {
  child: ChildProcess;
  batches: () => number;
  ready: () => boolean;
  exit: Promise<{ code: number | null; signal: NodeJS.Signals | null; summary?: ConsumeSummary; stderr: string }>;
} {
  const child = spawn(process.execPath, ['--import', 'tsx', FIXTURE, JSON.stringify(args)], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let batches = 0;
  let stdout = '';
  let stderr = '';
  child.stdout?.on('data', (chunk: Buffer) => {
    stdout += chunk.toString();
    batches = stdout.split('\n').filter((line) => line.startsWith('batch ')).length;
  });
  child.stderr?.on('data', (chunk: Buffer) => {
    stderr += chunk.toString();
  });
  const exit = new Promise<{
    code: number | null;
    signal: NodeJS.Signals | null;
    summary?: ConsumeSummary;
    stderr: string;
  }>((resolve) => {
    child.on('exit', (code, signal) => {
      const line = stdout.split('\n').find((l) => l.startsWith('summary '));
      resolve({
        code,
        signal,
        stderr,
        ...(line ? { summary: JSON.parse(line.slice('summary '.length)) as ConsumeSummary } : {}),
      });
    });
  });
  return { child, batches: () => batches, ready: () => stdout.includes('ready\n'), exit };
}

test(
  'a consumer resharded under it, killed with SIGKILL mid-run and restarted, loses no row and duplicates none',
  { timeout: 180_000 },
  async () => {
    const stack = await pool.start({ provision: true });
    const database = path.join(pool.tempDir(), 'streaming.duckdb');
    const args = {
      region: stack.region,
      kinesis: stack.endpoints.kinesis,
      database,
      userId: stack.userId,
      idleMs: 1_500,
    };
    const first = spawnConsumer({ ...args, untilIdle: false });
    const deadline = Date.now() + 60_000;
    while (!first.ready() && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 20));
    const acks: AckedRecord[] = [];
    const emulation = emulateStream({
      source: new EmbeddedRowSource({ rows: 11_153, seed: 42 }),
      transport: createSdkStreamTransport({ client: stack.kinesis }),
      names: stack.names,
      count: 4_000,
      rate: 800,
      batchSize: 100,
      onAck: (a) => acks.push(a),
    });
    while (first.batches() < 6 && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 20));
    for (const table of TABLES) await splitShard(stack.kinesis, stack.names.streams[table], shardId(0));
    while (first.batches() < 15 && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 20));
    assert.ok(first.batches() >= 15, 'the first consumer stored batches before the kill');
    assert.ok(acks.length < 12_000, 'the kill came while posts were still arriving');
    first.child.kill('SIGKILL');
    const killed = await first.exit;
    assert.equal(killed.signal, 'SIGKILL');
    console.log(`killed after ${first.batches()} batches, ${acks.length} records acknowledged so far`);

    await emulation;
    assert.equal(acks.length, 12_000);
    const second = spawnConsumer({ ...args, untilIdle: true });
    const finished = await second.exit;
    assert.equal(finished.code, 0, finished.stderr);
    assert.equal(finished.summary?.stoppedBy, 'idle');
    for (const table of TABLES)
      assert.equal(finished.summary?.tables[table].shards, 3, `${table}: the split shard and its two children`);
    console.log(
      `restarted: ${JSON.stringify(Object.values(finished.summary?.tables ?? {}).map((t) => ({ table: t.table, records: t.records, rowsWritten: t.rowsWritten, duplicates: t.duplicates })))}`,
    );

    const expected = await expectedTables(acks);
    for (const table of TABLES) {
      const stored = rowLines(await readStreamTable(database, stack.names.streamTables[table], table));
      assert.equal(
        stored.length,
        expected[table].length,
        `${table}: ${stored.length} rows stored, ${expected[table].length} distinct rows sent`,
      );
      assert.deepEqual(stored, expected[table]);
    }
  },
);

test(
  'checkpoints lost (a stream read again from the start): the replay, with the same or other batch boundaries, stores no row twice',
  { timeout: 60_000 },
  async () => {
    const stack = await pool.start({ provision: true });
    const stream = stack.names.streams.user;
    const user = (ind: number) => ({
      ind,
      first_name: 'A',
      last_name: `B${ind}`,
      age: 30,
      date_joined: '2016-01-01 00:00:00',
    });
    // 100 distinct rows, then exact repeats of the first 20 (dropped by the cleaning's deduplication).
    const datas = [...Array.from({ length: 100 }, (_, i) => user(i)), ...Array.from({ length: 20 }, (_, i) => user(i))];
    await stack.kinesis.send(
      new PutRecordsCommand({
        StreamName: stream,
        Records: datas.map((d, i) => ({ Data: Buffer.from(JSON.stringify(d)), PartitionKey: String(i) })),
      }),
    );
    const database = path.join(pool.tempDir(), 'streaming.duckdb');
    const consume = (maxRecordsPerCall: number) =>
      consumeStreamsUntilIdle({
        kinesis: stack.kinesis,
        database,
        names: stack.names,
        tables: ['user'],
        idleMs: 400,
        maxRecordsPerCall,
      });
    const forgetCheckpoints = async () => {
      const tables = await openStreamTables(database, stack.names.streamTables);
      try {
        await tables.forgetCheckpoints(stream);
      } finally {
        tables.close();
      }
    };
    const storedInds = async () =>
      (await readStreamTable(database, stack.names.streamTables.user, 'user')).map((r) => r.ind).sort((a, b) => a - b);
    const all = Array.from({ length: 100 }, (_, i) => i);

    const first = await consume(30);
    assert.equal(first.tables.user.rowsWritten, 100);
    assert.deepEqual(await storedInds(), all);

    await forgetCheckpoints();
    const sameBoundaries = await consume(30);
    assert.equal(sameBoundaries.tables.user.records, 120, 'everything is replayed');
    assert.equal(sameBoundaries.tables.user.rowsWritten, 0, 'same ranges: every row is recognised as stored');
    assert.deepEqual(await storedInds(), all);

    await forgetCheckpoints();
    const otherBoundaries = await consume(7);
    assert.equal(otherBoundaries.tables.user.records, 120);
    assert.equal(otherBoundaries.tables.user.rowsWritten, 0, 'every row is recognised as stored');
    assert.deepEqual(await storedInds(), all);
  },
);
