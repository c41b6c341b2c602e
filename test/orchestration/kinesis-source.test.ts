/**
 * The local Kinesis source of Spark (src/orchestration/kinesis_source.py), driven micro-batch by
 * micro-batch as Spark's engine calls it, against the local stack's Kinesis with a split shard:
 * the parent's records come in a micro-batch before any of its children's; a micro-batch replayed
 * from its offsets by a new reader (after a crash) reads the very same records from Kinesis; with
 * Trigger.AvailableNow, records put after the query started are left for later.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { after, test } from 'node:test';
import { CreateStreamCommand, PutRecordsCommand } from '@aws-sdk/client-kinesis';
import { ensureStreams, type LocalStack } from '../../src/local-stack/start-local-stack';
import { shardId, splitShard, stackPool } from '../streaming/helpers';
import { pythonSkip, VENV_PYTHON } from './python-env';

const pool = stackPool();
after(() => pool.cleanup());

type Offset = { shards: Record<string, { after: string; ended: boolean }> };
interface Steps {
  batches: { start: Offset; end: Offset; cached: boolean[]; rows: [string, string, string][] }[];
  replay: { cached: boolean[]; rows: [string, string, string][] };
}

async function put(stack: LocalStack, stream: string, label: string, count: number): Promise<void> {
  await stack.kinesis.send(
    new PutRecordsCommand({
      StreamName: stream,
      Records: Array.from({ length: count }, (_, i) => ({
        PartitionKey: `${label}-${i}`,
        Data: Buffer.from(`{"n":${i}}`),
      })),
    }),
  );
}

test(
  'local Kinesis source: parent before children, replay by offsets, AvailableNow stops at its start',
  { skip: pythonSkip(), timeout: 60_000 },
  async () => {
    const stack = await pool.start({ provision: false });
    const stream = stack.names.streams.pin;
    await stack.kinesis.send(new CreateStreamCommand({ StreamName: stream, ShardCount: 1 }));
    await ensureStreams(stack.kinesis, [stream]);
    await put(stack, stream, 'parent', 30);
    await splitShard(stack.kinesis, stream, shardId(0));
    const splitAt = Date.now();
    await put(stack, stream, 'child', 40);

    const child = spawn(
      VENV_PYTHON,
      [path.join(__dirname, 'kinesis_source_steps.py'), stack.endpoints.kinesis, stack.region, stream],
      { stdio: ['pipe', 'pipe', 'pipe'] },
    );
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => {
      stderr += chunk.toString();
    });
    const lines = createInterface({ input: child.stdout })[Symbol.asyncIterator]();
    const nextLine = async () => {
      const line = await lines.next();
      assert.ok(!line.done, `the steps script ended early:\n${stderr.slice(-3000)}`);
      return line.value;
    };
    try {
      const steps = JSON.parse(await nextLine()) as Steps;
      const [first, second, third] = steps.batches;
      assert.deepEqual(
        first.rows.map((r) => r[0]),
        Array(30).fill(shardId(0)),
        'micro-batch 0: the parent only, read to its end',
      );
      assert.deepEqual(first.end.shards[shardId(0)].ended, true);
      assert.deepEqual(
        first.end.shards[shardId(1)],
        { after: '', ended: false },
        'the children wait for the next micro-batch',
      );
      assert.deepEqual(first.cached, [true], 'the records read while planning go to the task');
      assert.equal(second.rows.length, 40);
      assert.deepEqual(
        new Set(second.rows.map((r) => r[0])),
        new Set([shardId(1), shardId(2)]),
        'micro-batch 1: both children',
      );
      assert.equal(third.rows.length, 0, 'nothing new: an empty micro-batch');
      assert.deepEqual(third.end, third.start);
      assert.deepEqual(steps.replay.cached, [false, false], 'a new reader reads a replayed micro-batch from Kinesis');
      assert.deepEqual(steps.replay.rows, second.rows, 'the same records, in the same order');

      // kinesalite stamps a child shard's records with the shard's creation time, 1 s after the split
      // (Kinesis stamps their arrival): put the records that AvailableNow must read after that second.
      const sinceSplit = Date.now() - splitAt;
      if (sinceSplit < 1_100) await new Promise((resolve) => setTimeout(resolve, 1_100 - sinceSplit));
      await put(stack, stream, 'before', 10);
      await new Promise((resolve) => setTimeout(resolve, 50));
      child.stdin.write('go\n');
      assert.equal(await nextLine(), 'prepared');
      await new Promise((resolve) => setTimeout(resolve, 50));
      await put(stack, stream, 'later', 10);
      child.stdin.write('go\n');
      const drained = JSON.parse(await nextLine()) as { availableNow: [string, string, string][] };
      assert.deepEqual(
        drained.availableNow.map((r) => r[1].split('-')[0]).sort(),
        Array(10).fill('before'),
        'AvailableNow reads what arrived before it started',
      );
    } finally {
      child.kill();
    }
  },
);
