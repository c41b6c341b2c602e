import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { after, before, describe, test } from 'node:test';
import { cleanTables } from '../../src/batch/clean-tables';
import { batchQuarantineFile, type BatchQuarantineEntry } from '../../src/batch/quarantine';
import { compareSinkKeys, readSinkTables, splitLines, type ReadCounts } from '../../src/batch/read-sink';
import { putSinkObject, samplePosts, writeSinkObjects } from '../../src/batch/sink-fixture';
import { namesFor } from '../../src/config/load-config';
import { PipelineError } from '../../src/errors';
import { TABLES } from '../../src/tables';
import { badRecordCorpus, startTestS3, type TestS3 } from './helpers';

function assertReconciles(counts: ReadCounts): void {
  for (const table of TABLES) {
    const t = counts.tables[table];
    assert.equal(t.records, t.parsed + t.quarantined, `${table}: records = parsed + quarantined`);
  }
  assert.equal(counts.records, counts.parsed + counts.quarantined);
}

describe('reading the S3 sink', () => {
  let local: TestS3;
  before(async () => { local = await startTestS3(); });
  after(async () => { await local.close(); });

  test('splitLines: "\\n" separates records, "\\r\\n" too, no empty record after the last newline', () => {
    const text = (body: string) => splitLines(Buffer.from(body)).map((b) => Buffer.from(b).toString());
    assert.deepEqual(text('a\nb\n'), ['a', 'b']);
    assert.deepEqual(text('a\r\nb'), ['a', 'b']);
    assert.deepEqual(text('a\n\nb\n'), ['a', '', 'b']);
    assert.deepEqual(text(''), []);
  });

  test('keys sort by partition and numeric offset', () => {
    const keys = ['topics/t/partition=1/t+1+0000000000.json', 'topics/t/partition=0/t+0+0000000010.json', 'topics/t/partition=0/t+0+0000000002.json'];
    assert.deepEqual([...keys].sort(compareSinkKeys), [keys[2], keys[1], keys[0]]);
  });

  test('a corpus of bad records is quarantined with reasons, the run completes and the counts reconcile', async (t) => {
    const { s3, bucket } = local;
    const topics = namesFor('bad-corpus').topics;
    const quarantineDir = `${local.dir}/quarantine`;
    for (const object of badRecordCorpus(topics)) await putSinkObject(s3, bucket, object.topic, object.partition, object.startOffset, object.body);
    const progress: number[] = [];
    const result = await readSinkTables({ s3, bucket, topics, concurrency: 4, quarantineDir, onProgress: (p) => progress.push(p.objectsRead) });
    const { counts } = result;
    assertReconciles(counts);
    assert.deepEqual(
      TABLES.map((table) => [table, counts.tables[table].objects, counts.tables[table].records, counts.tables[table].parsed, counts.tables[table].quarantined]),
      [['pin', 5, 15, 7, 8], ['geo', 4, 4, 3, 1], ['user', 3, 4, 3, 1]],
    );
    assert.equal(counts.tables.pin.blankLines, 1);
    assert.deepEqual(counts.tables.pin.unknownFields, { extra_field: 1 });
    assert.equal(progress.at(-1), 12);

    await t.test('rows come back in sink order, unknown fields dropped, text ids read as numbers', () => {
      assert.deepEqual(result.rows.pin.map((r) => r.index), [1, 2, 3, 4, 9, 11, 12]);
      assert.ok(!('extra_field' in result.rows.pin[3]));
      assert.deepEqual(result.rows.geo.map((r) => r.ind), [1, 3, 4]);
      assert.deepEqual(result.rows.user.map((r) => r.ind), [2, 3, 4]);
    });

    await t.test('each quarantined record has its reason, S3 key and line', () => {
      const entries = readFileSync(batchQuarantineFile(quarantineDir, 'pin'), 'utf8').trim().split('\n').map((l) => JSON.parse(l) as BatchQuarantineEntry);
      assert.equal(entries.length, 8);
      const reasons = entries.map((e) => e.reason);
      for (const expected of [/^not JSON/, /^not a JSON object \(got an array\)/, /^missing id: no "index"/, /^"follower_count" is an object, expected text/,
        /^"index" is "abc", expected a whole number/, /^"index" is 1\.5/, /bytes, more than the 1048576 a Kafka record may hold/, /^not valid UTF-8/]) {
        assert.ok(reasons.some((r) => expected.test(r)), `a reason matching ${expected} in ${JSON.stringify(reasons)}`);
      }
      const big = entries.find((e) => /Kafka record/.test(e.reason)) as BatchQuarantineEntry;
      assert.equal(big.key, `topics/${topics.pin}/partition=0/${topics.pin}+0+0000000010.json`);
      assert.equal(big.line, 1);
      assert.ok(big.bytes > 2 * 1024 * 1024);
      assert.equal(big.truncated, true);
      assert.equal(big.record.length, 2_000);
      const badJson = entries.find((e) => /^not JSON/.test(e.reason)) as BatchQuarantineEntry;
      assert.deepEqual([badJson.key.endsWith('+0000000003.json'), badJson.line, badJson.record], [true, 2, '{"index": 5, "title": ']);
      const geoEntries = readFileSync(batchQuarantineFile(quarantineDir, 'geo'), 'utf8').trim().split('\n');
      assert.match(geoEntries[0], /"latitude\\" is \\"north\\", expected a number/);
      assert.equal(result.quarantine.count(), 10);
    });

    await t.test('the parsed rows clean without trouble', () => {
      const cleaned = cleanTables(result.rows);
      assert.deepEqual(cleaned.frames.pin.shape, [7, 11]);
      assert.deepEqual(cleaned.frames.geo.column('timestamp').values, ['2020-01-01 00:00:00', '2020-01-01 00:00:00', '2020-01-01 00:00:00']);
    });
  });

  test('the same posts read back identically whatever flush.size was, across paged listings', async () => {
    const { s3, bucket } = local;
    const posts = [...samplePosts({ rows: 20, seed: 7, duplicateEvery: 6 })];
    const one = namesFor('flush-one').topics;
    const seven = namesFor('flush-seven').topics;
    const written1 = await writeSinkObjects({ s3, bucket, topics: one, posts, flushSize: 1 });
    const written7 = await writeSinkObjects({ s3, bucket, topics: seven, posts, flushSize: 7 });
    assert.deepEqual([written1.objects, written7.objects], [69, 12]);
    const a = await readSinkTables({ s3, bucket, topics: one, concurrency: 8, pageSize: 10 });
    const b = await readSinkTables({ s3, bucket, topics: seven, concurrency: 3 });
    assertReconciles(a.counts);
    assert.deepEqual(a.rows, b.rows);
    assert.deepEqual(a.rows.pin.map((r) => r.index), posts.map((p) => p.pin.index));
    assert.deepEqual([a.counts.records, a.counts.quarantined, b.counts.objects], [69, 0, 12]);
    const cleaned = cleanTables(a.rows);
    assert.deepEqual(TABLES.map((table) => cleaned.counts[table].duplicates), [3, 3, 3]);
  });

  test('no objects yet: empty tables; a missing bucket: a clear error', async () => {
    const empty = await readSinkTables({ s3: local.s3, bucket: local.bucket, topics: namesFor('nobody-yet').topics });
    assert.deepEqual([empty.rows.pin, empty.counts.objects], [[], 0]);
    await assert.rejects(readSinkTables({ s3: local.s3, bucket: 'no-such-bucket-here', topics: namesFor('x-y-z').topics }), (error: unknown) => {
      assert.ok(error instanceof PipelineError);
      assert.equal(error.code, 'BUCKET_NOT_FOUND');
      return true;
    });
  });
});
