/**
 * Kinesis limits and faults the consumer must handle (PIPELINE_SPEC.md §8): at most 5 GetRecords
 * calls a second per shard, an expired iterator renewed from the last sequence number handled,
 * and back-off on ProvisionedThroughputExceededException; nothing lost or repeated.
 */
import assert from 'node:assert/strict';
import path from 'node:path';
import { after, test } from 'node:test';
import {
  GetRecordsCommand,
  GetShardIteratorCommand,
  PutRecordsCommand,
  type GetShardIteratorCommandInput,
  type KinesisClient,
} from '@aws-sdk/client-kinesis';
import { consumeStreamsUntilIdle } from '../../src/streaming/consume-streams';
import { readStreamTable } from '../../src/streaming/stream-tables';
import { stackPool } from './helpers';
import { classifyAwsError } from '../../src/clients';

const pool = stackPool();
after(() => pool.cleanup());

const user = (ind: number) => ({
  ind,
  first_name: 'Abigail',
  last_name: `Ali${ind}`,
  age: 20,
  date_joined: '2015-10-24 11:23:51',
});

/** What a client of createKinesisClient throws: the error classified by its middleware. */
function kinesisError(name: string): unknown {
  return classifyAwsError(Object.assign(new Error(`${name} (injected)`), { name, $metadata: { httpStatusCode: 400 } }));
}

test(
  'rate limit per shard, expired iterators renewed, throttling backed off and logged once per burst: every row stored once',
  { timeout: 60_000 },
  async () => {
    const stack = await pool.start({ provision: true });
    const stream = stack.names.streams.user;
    const put = (from: number) =>
      stack.kinesis.send(
        new PutRecordsCommand({
          StreamName: stream,
          Records: Array.from({ length: 50 }, (_, i) => ({
            Data: Buffer.from(JSON.stringify(user(from + i))),
            PartitionKey: String(from + i),
          })),
        }),
      );
    await put(0);

    const getRecordsAt: number[] = [];
    const iteratorRequests: GetShardIteratorCommandInput[] = [];
    let getRecordsCalls = 0;
    const faulty: Pick<KinesisClient, 'send'> = {
      send: (async (command: unknown) => {
        if (command instanceof GetShardIteratorCommand) iteratorRequests.push(command.input);
        if (command instanceof GetRecordsCommand) {
          getRecordsAt.push(Date.now());
          getRecordsCalls += 1;
          if (getRecordsCalls === 2) {
            await put(50);
            throw kinesisError('ExpiredIteratorException');
          }
          if (getRecordsCalls === 4 || getRecordsCalls === 5)
            throw kinesisError('ProvisionedThroughputExceededException');
        }
        return stack.kinesis.send(command as never);
      }) as KinesisClient['send'],
    };
    const retries: string[] = [];
    const infos: string[] = [];
    const database = path.join(pool.tempDir(), 'streaming.duckdb');
    const summary = await consumeStreamsUntilIdle({
      kinesis: faulty,
      database,
      names: stack.names,
      tables: ['user'],
      idleMs: 1_000,
      maxRecordsPerCall: 20,
      retry: { baseDelayMs: 50, maxDelayMs: 200 },
      log: { info: (m) => infos.push(m), warn: (m) => retries.push(m), error: () => {} },
    });
    assert.equal(summary.tables.user.records, 100);
    assert.equal(summary.tables.user.rowsWritten, 100);
    const rows = await readStreamTable(database, stack.names.streamTables.user, 'user');
    assert.deepEqual(
      rows.map((r) => r.ind).sort((a, b) => a - b),
      Array.from({ length: 100 }, (_, i) => i),
    );

    assert.equal(iteratorRequests[0].ShardIteratorType, 'TRIM_HORIZON');
    assert.equal(
      iteratorRequests[1].ShardIteratorType,
      'AFTER_SEQUENCE_NUMBER',
      'the expired iterator is renewed after the last record handled',
    );
    assert.deepEqual(
      retries.map((m) => m.replace(/shardId-\d+/, 'SHARD')),
      [
        `GetRecords ${stream} SHARD: ProvisionedThroughputExceededException (injected); retrying with back-off (up to 10 times a call)`,
      ],
      'two retries in a row: one line, with the error',
    );
    assert.ok(
      infos.some((m) => /succeed again after 2 retries in [0-9.]+ s$/.test(m)),
      infos.join('\n'),
    );
    const gaps = getRecordsAt.slice(1).map((t, i) => t - getRecordsAt[i]);
    assert.ok(Math.min(...gaps) >= 195, `GetRecords calls ${Math.min(...gaps)} ms apart; at most 5 a second`);
  },
);
