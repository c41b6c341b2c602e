/**
 * Shard lineage (PIPELINE_SPEC.md §8): a stream split and merged before the consumer starts and
 * again while it runs. Every record is stored once; per partition key the records are handled in
 * the order they were put (a parent's before its children's); the reshard during the run is
 * followed without a restart and logged in one line each.
 */
import assert from 'node:assert/strict';
import path from 'node:path';
import { after, test } from 'node:test';
import { CreateStreamCommand, PutRecordsCommand } from '@aws-sdk/client-kinesis';
import { ensureStreams, type LocalStack } from '../../src/local-stack/start-local-stack';
import { createLogger } from '../../src/log';
import { startStreamConsumer } from '../../src/streaming/consume-streams';
import { readStreamTable } from '../../src/streaming/stream-tables';
import { listShards, mergeShards, shardId as id, splitShard, stackPool } from './helpers';

const pool = stackPool();
after(() => pool.cleanup());

const KEYS = 20;

/** Puts the stream's records in order, 50 a call, and remembers each one's put position and partition key by sequence number. */
class Producer {
  readonly putOrder = new Map<string, { position: number; key: string }>();
  private next = 0;

  constructor(
    private readonly stack: LocalStack,
    private readonly stream: string,
  ) {}

  async put(count: number): Promise<void> {
    for (let done = 0; done < count; done += 50) {
      const rows = Array.from({ length: Math.min(50, count - done) }, () => this.next++);
      const entries = rows.map((ind) => ({ ind, key: `key-${ind % KEYS}` }));
      const output = await this.stack.kinesis.send(
        new PutRecordsCommand({
          StreamName: this.stream,
          Records: entries.map(({ ind, key }) => ({
            PartitionKey: key,
            Data: Buffer.from(
              JSON.stringify({
                ind,
                first_name: 'A',
                last_name: `B${ind}`,
                age: 30,
                date_joined: '2016-01-01 00:00:00',
              }),
            ),
          })),
        }),
      );
      assert.equal(output.FailedRecordCount ?? 0, 0);
      output.Records?.forEach((r, i) =>
        this.putOrder.set(r.SequenceNumber as string, { position: entries[i].ind, key: entries[i].key }),
      );
    }
  }

  get count(): number {
    return this.next;
  }
}

test(
  'splits and merges before and during a run: every record once, each partition key in put order, the reshard followed without a restart',
  { timeout: 120_000 },
  async () => {
    const stack = await pool.start({ provision: false });
    const stream = stack.names.streams.user;
    await stack.kinesis.send(new CreateStreamCommand({ StreamName: stream, ShardCount: 2 }));
    await ensureStreams(stack.kinesis, [stream]);
    const producer = new Producer(stack, stream);

    // Before the run: shard 0 split into 2 and 3, then 3 merged with 1 into 4.
    await producer.put(400);
    await splitShard(stack.kinesis, stream, id(0));
    await producer.put(400);
    await mergeShards(stack.kinesis, stream, id(3), id(1));
    await producer.put(400);
    assert.deepEqual(
      (await listShards(stack.kinesis, stream)).map((s) => s.ShardId),
      [0, 1, 2, 3, 4].map(id),
    );

    const database = path.join(pool.tempDir(), 'streaming.duckdb');
    const handled: { sequenceNumber: string; shardId: string }[] = [];
    const lines: string[] = [];
    const consumer = startStreamConsumer({
      kinesis: stack.kinesis,
      database,
      names: stack.names,
      tables: ['user'],
      relistMs: 300,
      maxRecordsPerCall: 100,
      log: createLogger('stream', (line) => lines.push(line)),
      onBatch: (event) =>
        handled.push(...event.arrivals.map((a) => ({ sequenceNumber: a.sequenceNumber, shardId: event.shardId }))),
    });
    const deadline = Date.now() + 30_000;
    while (handled.length === 0 && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 10));
    assert.ok(
      handled.length > 0 && handled.length < producer.count,
      'the consumer is reading when the stream is resharded again',
    );

    // During the run: 4 split into 5 and 6, then 2 merged with 5 into 7.
    await producer.put(400);
    await splitShard(stack.kinesis, stream, id(4));
    await producer.put(400);
    await mergeShards(stack.kinesis, stream, id(2), id(5));
    await producer.put(400);
    const summary = await consumer.finishWhenIdle(1_000);

    assert.equal(summary.stoppedBy, 'idle');
    assert.equal(summary.tables.user.shards, 8, 'every shard, the ones made during the run too, was listed');
    assert.equal(summary.tables.user.records, producer.count);
    assert.equal(summary.tables.user.millisBehindLatest, 0, 'closed shards count for nothing behind');
    assert.equal(handled.length, producer.count, 'each record handled once');
    assert.equal(new Set(handled.map((h) => h.sequenceNumber)).size, producer.count);
    const stored = (await readStreamTable(database, stack.names.streamTables.user, 'user'))
      .map((r) => r.ind)
      .sort((a, b) => a - b);
    assert.deepEqual(
      stored,
      Array.from({ length: producer.count }, (_, i) => i),
      'every record stored once',
    );

    const lastPosition = new Map<string, number>();
    for (const { sequenceNumber, shardId } of handled) {
      const put = producer.putOrder.get(sequenceNumber);
      assert.ok(put, `${sequenceNumber} was put`);
      const before = lastPosition.get(put.key) ?? -1;
      assert.ok(
        put.position > before,
        `${put.key}: record ${put.position} (${shardId}) handled after record ${before}`,
      );
      lastPosition.set(put.key, put.position);
    }
    const reshards = lines.filter((l) => l.includes('reshard'));
    assert.deepEqual(reshards, [
      `[stream] ${stream}: reshard: ${id(4)} split into ${id(5)} and ${id(6)}; reading them after it`,
      `[stream] ${stream}: reshard: ${id(2)} and ${id(5)} merged into ${id(7)}; reading it after both`,
    ]);
  },
);
