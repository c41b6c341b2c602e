/**
 * Decoding the three `Data` shapes real clients send, and the quarantine of everything else, both
 * as a function and through the consumer on the local stack.
 */
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { after, describe, test } from 'node:test';
import { PutRecordsCommand } from '@aws-sdk/client-kinesis';
import { decodeRecordData } from '../../src/streaming/decode-record';
import {
  consumeStreamsUntilIdle,
  createStreamQuarantine,
  type StreamQuarantineEntry,
} from '../../src/streaming/consume-streams';
import { readStreamTable } from '../../src/streaming/stream-tables';
import { stackPool } from './helpers';

const pool = stackPool();
after(() => pool.cleanup());

const user = (ind: number) => ({
  ind,
  first_name: 'Abigail',
  last_name: 'Ali',
  age: 20,
  date_joined: '2015-10-24 11:23:51',
});
const bytes = (text: string) => Buffer.from(text, 'utf8');

describe('decodeRecordData', () => {
  test('bytes of a JSON object (SDK, API Gateway)', () => {
    const decoded = decodeRecordData(bytes(JSON.stringify(user(1))));
    assert.deepEqual(decoded, { ok: true, value: user(1), shape: 'json' });
  });

  test('a JSON string holding JSON', () => {
    const decoded = decodeRecordData(bytes(JSON.stringify(JSON.stringify(user(2)))));
    assert.deepEqual(decoded, { ok: true, value: user(2), shape: 'json-string' });
  });

  test('base64 text of JSON (and of a JSON string of JSON)', () => {
    assert.deepEqual(decodeRecordData(bytes(Buffer.from(JSON.stringify(user(3))).toString('base64'))), {
      ok: true,
      value: user(3),
      shape: 'base64',
    });
    assert.deepEqual(decodeRecordData(bytes(Buffer.from(JSON.stringify(JSON.stringify(user(4)))).toString('base64'))), {
      ok: true,
      value: user(4),
      shape: 'base64',
    });
  });

  test('anything else is refused with a reason', () => {
    for (const data of [
      '',
      'not json',
      '[1,2]',
      '42',
      '"just text"',
      Buffer.from('hello').toString('base64'),
      '{"ind": 1',
    ]) {
      const decoded = decodeRecordData(bytes(data));
      assert.equal(decoded.ok, false, data);
      assert.ok(!decoded.ok && decoded.reason.length > 0);
    }
  });
});

describe('createStreamQuarantine', () => {
  const entry = (sequenceNumber: string): StreamQuarantineEntry => ({
    stream: 's',
    shardId: 'shardId-000000000000',
    sequenceNumber,
    partitionKey: '1',
    reason: 'empty data',
    data: '',
    at: '2024-01-01T00:00:00.000Z',
  });

  test('appends across restarts (never truncates), creates the file at the first entry, keeps the entries in memory', async () => {
    const file = path.join(pool.tempDir(), 'q', 'streaming-quarantine.jsonl');
    const first = createStreamQuarantine(file);
    await first.add([]);
    assert.equal(existsSync(file), false);
    await first.add([entry('1'), entry('2')]);
    const second = createStreamQuarantine(file);
    await second.add([entry('3')]);
    assert.deepEqual(
      readFileSync(file, 'utf8')
        .trim()
        .split('\n')
        .map((line) => (JSON.parse(line) as StreamQuarantineEntry).sequenceNumber),
      ['1', '2', '3'],
    );
    assert.equal(readFileSync(file, 'utf8').split('\n')[0], JSON.stringify(entry('1')));
    assert.deepEqual(
      second.entries.map((e) => e.sequenceNumber),
      ['3'],
    );
    assert.equal(second.file, file);
    const memory = createStreamQuarantine();
    await memory.add([entry('4')]);
    assert.deepEqual([memory.file, memory.entries.length], [undefined, 1]);
  });
});

describe('the consumer quarantines what it cannot decode', { timeout: 60_000 }, () => {
  test('three shapes land as rows; garbage and rows without an id go to the JSON lines quarantine with reason, sequence number and shard', async () => {
    const stack = await pool.start({ provision: true });
    const stream = stack.names.streams.user;
    const datas = [
      JSON.stringify(user(1)),
      JSON.stringify(JSON.stringify(user(2))),
      Buffer.from(JSON.stringify(user(3))).toString('base64'),
      'garbage{',
      JSON.stringify({ first_name: 'No', last_name: 'Id' }),
    ];
    const put = await stack.kinesis.send(
      new PutRecordsCommand({
        StreamName: stream,
        Records: datas.map((d, i) => ({ Data: bytes(d), PartitionKey: String(i) })),
      }),
    );
    assert.equal(put.FailedRecordCount, 0);
    const quarantineFile = path.join(pool.tempDir(), 'out', 'streaming-quarantine.jsonl');
    const database = path.join(pool.tempDir(), 'streaming.duckdb');
    const summary = await consumeStreamsUntilIdle({
      kinesis: stack.kinesis,
      database,
      names: stack.names,
      tables: ['user'],
      quarantineFile,
      idleMs: 500,
    });
    assert.equal(summary.tables.user.records, 5);
    assert.equal(summary.tables.user.rowsWritten, 3);
    assert.equal(summary.tables.user.quarantined, 2);
    const rows = await readStreamTable(database, stack.names.streamTables.user, 'user');
    assert.deepEqual(rows.map((r) => r.ind).sort(), [1, 2, 3]);
    assert.deepEqual(rows[0], { ind: 1, user_name: 'Abigail Ali', age: 20, date_joined: '2015-10-24 11:23:51' });
    const entries = readFileSync(quarantineFile, 'utf8')
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line) as StreamQuarantineEntry);
    assert.equal(entries.length, 2);
    const sequences = put.Records?.map((r) => r.SequenceNumber);
    assert.deepEqual(
      entries.map((e) => e.sequenceNumber),
      [sequences?.[3], sequences?.[4]],
    );
    for (const entry of entries) {
      assert.equal(entry.stream, stream);
      assert.equal(entry.shardId, put.Records?.[0].ShardId);
      assert.ok(entry.reason);
    }
    assert.match(entries[0].reason, /not JSON/);
    assert.match(entries[1].reason, /missing id/);
  });
});
