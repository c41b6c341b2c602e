/**
 * The streaming consumer against the embedded local stack (free ports, temp folder, unique user):
 * 10,000 posts emulated while it runs end as exactly the distinct cleaned rows in the three tables;
 * a stream of two shards is read on both, and a second run resumes from the checkpoints.
 */
import assert from 'node:assert/strict';
import { after, describe, test } from 'node:test';
import { CreateStreamCommand } from '@aws-sdk/client-kinesis';
import { emulateStream, type AckedRecord } from '../../src/emulation/emulate-posts';
import { createSdkStreamTransport } from '../../src/emulation/kinesis-transport';
import { ensureStreams, type LocalStack } from '../../src/local-stack/start-local-stack';
import { EmbeddedRowSource } from '../../src/source/embedded-source';
import {
  startStreamConsumer,
  consumeStreamsUntilIdle,
  formatStreamStats,
  type ConsumeSummary,
} from '../../src/streaming/consume-streams';
import { openStreamTables, readStreamTable } from '../../src/streaming/stream-tables';
import path from 'node:path';
import { TABLES } from '../../src/contract/tables';
import { expectedTables, rowLines, stackPool } from './helpers';

const pool = stackPool();
after(() => pool.cleanup());

const source = () => new EmbeddedRowSource({ rows: 11_153, seed: 42 });

async function assertTablesHoldExactly(stack: LocalStack, database: string, acks: AckedRecord[]): Promise<void> {
  const expected = await expectedTables(acks);
  for (const table of TABLES) {
    const stored = rowLines(await readStreamTable(database, stack.names.streamTables[table], table));
    assert.equal(
      stored.length,
      expected[table].length,
      `${stack.names.streamTables[table]}: ${stored.length} rows stored, the batch cleaning gives ${expected[table].length}`,
    );
    assert.deepEqual(stored, expected[table]);
  }
}

describe('streaming consumer on the local stack', { timeout: 240_000 }, () => {
  test('10,000 posts emulated while the consumer runs: each table holds exactly the distinct cleaned rows sent', async () => {
    const stack = await pool.start({ provision: true });
    const database = path.join(pool.tempDir(), 'streaming.duckdb');
    const consumer = startStreamConsumer({ kinesis: stack.kinesis, database, names: stack.names });
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
    assert.equal(acks.length, 30_000, `acked ${acks.length}: ${JSON.stringify(summary.tables)}`);
    const result = await consumer.finishWhenIdle(1_500);
    console.log(`${formatStreamStats(result.tables, Date.now() - started).join('\n')}\n(${Date.now() - started} ms)`);
    assert.equal(result.stoppedBy, 'idle');
    for (const table of TABLES) assert.equal(result.tables[table].records, 10_000);
    assert.ok(result.tables.pin.duplicates > 0, 'random rows repeat posts, so the cleaning must have dropped some');
    await assertTablesHoldExactly(stack, database, acks);
  });

  test('a stream with two shards is read on both, and a second run resumes from the checkpoints', async () => {
    const stack = await pool.start({ provision: false });
    for (const table of TABLES)
      await stack.kinesis.send(new CreateStreamCommand({ StreamName: stack.names.streams[table], ShardCount: 2 }));
    await ensureStreams(
      stack.kinesis,
      TABLES.map((t) => stack.names.streams[t]),
    );
    const acks: AckedRecord[] = [];
    const emulate = (count: number, seed: number) =>
      emulateStream({
        source: source(),
        transport: createSdkStreamTransport({ client: stack.kinesis }),
        names: stack.names,
        count,
        seed,
        onAck: (a) => acks.push(a),
      });
    const database = path.join(pool.tempDir(), 'streaming.duckdb');
    const consume = (): Promise<ConsumeSummary> =>
      consumeStreamsUntilIdle({ kinesis: stack.kinesis, database, names: stack.names, idleMs: 800 });

    await emulate(1_000, 1);
    const first = await consume();
    const shardsUsed = new Set(acks.filter((a) => a.table === 'pin').map((a) => a.shardId));
    assert.equal(shardsUsed.size, 2, 'records landed on both shards');
    for (const table of TABLES) {
      assert.equal(first.tables[table].shards, 2);
      assert.equal(first.tables[table].records, 1_000);
    }
    const tables = await openStreamTables(database, stack.names.streamTables);
    try {
      for (const table of TABLES) {
        for (const shardId of shardsUsed)
          assert.ok(
            await tables.readCheckpoint(stack.names.streams[table], shardId as string),
            `checkpoint of ${table} ${shardId}`,
          );
      }
    } finally {
      tables.close();
    }
    await assertTablesHoldExactly(stack, database, acks);

    await emulate(500, 2);
    const second = await consume();
    for (const table of TABLES) {
      assert.equal(second.tables[table].records, 500, `${table}: the resumed run reads only the new records`);
      assert.equal(second.tables[table].tableRows, (await expectedTables(acks))[table].length);
    }
    await assertTablesHoldExactly(stack, database, acks);
  });
});
