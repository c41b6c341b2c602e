/**
 * The batch step's reader (src/batch/load-sink.ts) and the batch step (run-batch.ts): the sink's
 * objects from S3 or a folder into DuckDB, quarantined with reasons, the offsets checked, and the
 * fast path (DuckDB reading spool files) equal to the definition (every record checked by
 * `validateRecord`).
 */
import { DeleteObjectCommand, PutObjectCommand } from '@aws-sdk/client-s3';
import assert from 'node:assert/strict';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { answerQuestions } from '../../src/analysis/analyse';
import { openDatabase, queryRows } from '../../src/duckdb';
import { cleanColumns, SQL_TABLES } from '../../src/contract/clean-schema';
import { LineScanner, scanLines } from '../../src/batch/load-sink';
import { compareSinkKeys, sinkObjectKey } from '../../src/contract/sink-object';
import {
  batchQuarantineFile,
  s3SinkStore,
  splitLines,
  type BatchQuarantineEntry,
  type ReadCounts,
  type SinkStore,
} from '../../src/batch/read-sink';
import { cleanBatch, type CleanBatchOptions, type CleanBatchResult } from '../../src/batch/run-batch';
import { samplePosts, writeSinkObjects } from '../../src/batch/sample-bucket';
import { putSinkObject } from '../support/sink-fixture';
import { folderSinkStore, sinkFolderFile } from '../../src/batch/sink-folder';
import { namesFor } from '../../src/config';
import { PipelineError } from '../../src/errors';
import { TABLES, type TableKey } from '../../src/contract/tables';
import { badRecordCorpus, geo, lines, pin, startTestS3, user, type TestS3 } from './helpers';

function assertReconciles(counts: ReadCounts): void {
  for (const table of TABLES) {
    const t = counts.tables[table];
    assert.equal(t.records, t.parsed + t.quarantined, `${table}: records = parsed + quarantined`);
  }
  assert.equal(counts.records, counts.parsed + counts.quarantined);
}

/** Everything a batch step left: read counts, quarantine lines, cleaned rows, answers. */
interface Outcome {
  result: CleanBatchResult;
  quarantine: Record<TableKey, string[]>;
  tables: Record<TableKey, unknown[]>;
  answers: unknown[][];
}

let runs = 0;

/** Runs the batch step in a fresh database and gathers what it left. */
async function runBatch(
  store: SinkStore,
  topics: Record<TableKey, string>,
  extra: Partial<CleanBatchOptions> = {},
): Promise<Outcome> {
  const quarantineDir = path.join(tmpdir(), `pp-load-sink-q-${process.pid}-${++runs}`);
  const db = await openDatabase();
  try {
    const result = await cleanBatch({
      connection: db.connection,
      store,
      topics,
      quarantineDir,
      concurrency: 4,
      ...extra,
    });
    const quarantine = {} as Record<TableKey, string[]>;
    const tables = {} as Record<TableKey, unknown[]>;
    for (const table of TABLES) {
      const text = await readFile(batchQuarantineFile(quarantineDir, table), 'utf8');
      quarantine[table] = text
        .split('\n')
        .filter(Boolean)
        .map((l) => {
          const e = JSON.parse(l) as BatchQuarantineEntry;
          return `${e.key}:${e.line}: ${e.reason}`;
        })
        .sort();
      tables[table] = await queryRows(
        db.connection,
        `SELECT * FROM ${SQL_TABLES[table]} ORDER BY ${cleanColumns(table)
          .map((c) => `${c} NULLS FIRST`)
          .join(', ')}`,
      );
    }
    const answers = (await answerQuestions(db.connection)).map((a) => a.rows);
    return { result, quarantine, tables, answers };
  } finally {
    db.close();
    await rm(quarantineDir, { recursive: true, force: true });
  }
}

/** The fast path (as shipped, and with each object in a spool file of its own) gives what checking every record gives. */
async function assertFastPathIsTheDefinition(store: SinkStore, topics: Record<TableKey, string>): Promise<Outcome> {
  const definition = await runBatch(store, topics, { checkEveryRecord: true });
  for (const extra of [{}, { spoolChunkBytes: 1 }, { spoolChunkBytes: 1, inPlaceBytes: 1 }]) {
    const fast = await runBatch(store, topics, extra);
    const label = JSON.stringify(extra);
    for (const table of TABLES) {
      const { unknownFields: _a, ...a } = definition.result.read.tables[table];
      const { unknownFields: _b, ...b } = fast.result.read.tables[table];
      assert.deepEqual(b, a, `${label} ${table} read counts`);
      assert.deepEqual(fast.quarantine[table], definition.quarantine[table], `${label} ${table} quarantine`);
      assert.deepEqual(fast.result.clean[table], definition.result.clean[table], `${label} ${table} clean counts`);
      assert.deepEqual(fast.tables[table], definition.tables[table], `${label} ${table} rows`);
    }
    assert.deepEqual(fast.answers, definition.answers, `${label} answers`);
  }
  assert.equal(definition.result.objectsByRecord, definition.result.read.objects);
  return definition;
}

describe('reading the S3 sink into DuckDB', () => {
  let local: TestS3;
  let dir: string;
  before(async () => {
    local = await startTestS3();
    dir = await mkdtemp(path.join(tmpdir(), 'pp-sink-folder-'));
  });
  after(async () => {
    await local.close();
    await rm(dir, { recursive: true, force: true });
  });

  test('splitLines: "\\n" separates records, "\\r\\n" too, no empty record after the last newline', () => {
    const text = (body: string) => splitLines(Buffer.from(body)).map((b) => Buffer.from(b).toString());
    assert.deepEqual(text('a\nb\n'), ['a', 'b']);
    assert.deepEqual(text('a\r\nb'), ['a', 'b']);
    assert.deepEqual(text('a\n\nb\n'), ['a', '', 'b']);
    assert.deepEqual(text(''), []);
  });

  test('keys sort by partition and numeric offset', () => {
    const keys = [
      'topics/t/partition=1/t+1+0000000000.json',
      'topics/t/partition=0/t+0+0000000010.json',
      'topics/t/partition=0/t+0+0000000002.json',
    ];
    assert.deepEqual([...keys].sort(compareSinkKeys), [keys[2], keys[1], keys[0]]);
  });

  test('scanLines counts records and blank lines as the record-by-record reader does, and flags what DuckDB might read differently', () => {
    assert.equal(scanLines(Buffer.from([0x7b, 0xe9, 0xff, 0x7d]), 100).suspect, true, 'not UTF-8');
    assert.deepEqual(scanLines(Buffer.from('{"a":1}\n\n  \r\n{"b":2}'), 100), {
      records: 2,
      blankLines: 2,
      suspect: false,
    });
    assert.deepEqual(scanLines(Buffer.from('x\n\u00a0\n'), 100), { records: 1, blankLines: 1, suspect: true });
    assert.deepEqual(scanLines(Buffer.from('{"a":"0123456789"}\n'), 10), { records: 1, blankLines: 0, suspect: true });
    assert.deepEqual(scanLines(Buffer.from(''), 10), { records: 0, blankLines: 0, suspect: false });
    for (const odd of ['{"a":1}{"b":2}', '{"a":1} \t{"b":2}', '{"a":1} ', ' {"a":1}', '{"a":', '[1]'])
      assert.equal(scanLines(Buffer.from(odd), 100).suspect, true, odd);
    assert.equal(
      scanLines(Buffer.from('{"a":"} x {"}'), 100).suspect,
      false,
      'braces inside a string are not two values',
    );
  });

  test('the bad-record corpus over S3: quarantined with reasons, keys and lines; the counts reconcile', async () => {
    const { s3, bucket } = local;
    const topics = namesFor('bad-corpus').topics;
    for (const object of badRecordCorpus(topics))
      await putSinkObject(s3, bucket, object.topic, object.partition, object.startOffset, object.body);
    const progress: number[] = [];
    const quarantineDir = path.join(dir, 'quarantine');
    const db = await openDatabase();
    let result: CleanBatchResult;
    try {
      result = await cleanBatch({
        connection: db.connection,
        store: s3SinkStore(s3, bucket),
        topics,
        concurrency: 4,
        quarantineDir,
        onProgress: (p) => progress.push(p.objectsRead),
      });
      const parsedInds = await queryRows(db.connection, 'SELECT ind FROM pin_clean ORDER BY ind');
      assert.deepEqual(
        parsedInds.map((r) => r.ind),
        [1, 2, 3, 4, 9, 11, 12],
      );
    } finally {
      db.close();
    }
    const { read: counts } = result;
    assertReconciles(counts);
    assert.deepEqual(
      TABLES.map((table) => [
        table,
        counts.tables[table].objects,
        counts.tables[table].records,
        counts.tables[table].parsed,
        counts.tables[table].quarantined,
        counts.tables[table].missing,
      ]),
      [
        ['pin', 6, 19, 7, 12, 0],
        ['geo', 4, 4, 3, 1, 0],
        ['user', 3, 4, 3, 1, 0],
      ],
    );
    assert.equal(counts.tables.pin.blankLines, 1);
    assert.deepEqual(counts.tables.pin.unknownFields, { extra_field: 1 });
    assert.equal(progress.at(-1), 13);

    const entries = (await readFile(batchQuarantineFile(quarantineDir, 'pin'), 'utf8'))
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as BatchQuarantineEntry);
    assert.equal(entries.length, 12);
    const reasons = entries.map((e) => e.reason);
    for (const expected of [
      /^not JSON/,
      /^not a JSON object \(got an array\)/,
      /^missing id: no "index"/,
      /^"follower_count" is an object, expected text/,
      /^"index" is "abc", expected a whole number/,
      /^"index" is 1\.5/,
      /bytes, more than the 1048576 a Kafka record may hold/,
      /^not valid UTF-8/,
    ]) {
      assert.ok(
        reasons.some((r) => expected.test(r)),
        `a reason matching ${expected} in ${JSON.stringify(reasons)}`,
      );
    }
    const big = entries.find((e) => /Kafka record/.test(e.reason)) as BatchQuarantineEntry;
    assert.equal(big.key, `topics/${topics.pin}/partition=0/${topics.pin}+0+0000000010.json`);
    assert.equal(big.line, 1);
    assert.ok(big.bytes > 2 * 1024 * 1024);
    assert.equal(big.truncated, true);
    assert.equal(big.record.length, 2_000);
    const badJson = entries.find(
      (e) => e.key.endsWith('+0+0000000003.json') && /^not JSON/.test(e.reason),
    ) as BatchQuarantineEntry;
    assert.deepEqual([badJson.line, badJson.record], [2, '{"index": 5, "title": ']);
    // Each line with more after its record's JSON: not JSON, however the JSON before it reads.
    assert.deepEqual(
      entries
        .filter((e) => e.key.endsWith('+1+0000000001.json'))
        .map((e) => [e.line, /^not JSON/.test(e.reason)])
        .sort((a, b) => Number(a[0]) - Number(b[0])),
      [
        [1, true],
        [2, true],
        [3, true],
        [4, true],
      ],
    );
    const geoEntries = await readFile(batchQuarantineFile(quarantineDir, 'geo'), 'utf8');
    assert.match(geoEntries, /"latitude\\" is \\"north\\", expected a number/);
    assert.equal(result.quarantine.count(), 14);

    await assertFastPathIsTheDefinition(s3SinkStore(s3, bucket), topics);
  });

  test('records DuckDB would convert silently, each alone among good ones: the fast path equals checking every record', async () => {
    const root = path.join(dir, 'coercions');
    const topics = namesFor('coercions').topics;
    const put = async (topic: string, partition: number, startOffset: number, body: string | Buffer) => {
      const file = sinkFolderFile(root, sinkObjectKey(topic, partition, startOffset));
      await mkdir(path.dirname(file), { recursive: true });
      await writeFile(file, body);
    };
    for (const object of badRecordCorpus(topics))
      await put(object.topic, object.partition, object.startOffset, object.body);
    await put(
      topics.user,
      0,
      10,
      lines(
        user(20, { age: true }),
        user(21, { age: 3.5 }),
        user(22, { first_name: 7 }),
        user(23, { ind: '23' }),
        user(24, { first_name: { a: 1 } }),
        user(25, { age: '' }),
      ),
    );
    /* eslint-disable no-loss-of-precision -- numbers no double holds (1e400, 2^53 + 1), on purpose */
    await put(
      topics.geo,
      0,
      10,
      `${lines(geo(30, { latitude: 1e400 }))}{"ind": 31,\n"country": "Chile"}\n${JSON.stringify(geo(32))}${JSON.stringify(geo(33))}\n`,
    );
    const alone = [
      '{"ind": 50, "timestamp": ', // broken JSON: DuckDB makes a row of NULLs of it
      JSON.stringify({ country: 'Chile' }), // no id
      JSON.stringify(geo(51, { latitude: 1e400 })), // a number no double holds
      JSON.stringify(geo(52, { latitude: '1.5' })), // numeric text: converted, not rejected
      '[1, 2]',
      '"just text"',
      `${JSON.stringify(geo(53))} ${JSON.stringify(geo(54))}`, // two values on a line
    ];
    for (const [i, record] of alone.entries())
      await put(topics.geo, 1, 100 + 3 * i, lines(geo(60 + 2 * i), record, geo(61 + 2 * i)));
    await put(
      topics.user,
      1,
      0,
      `${lines(user(70))}{"ind": 71, "first_name": "A", "last_name": "B", "age": 123456789012345678901, "date_joined": "2016-05-05 10:00:00"}\n`,
    );
    await put(topics.user, 1, 2, lines(user(72, { age: 9007199254740993 }), user(73)));
    /* eslint-enable no-loss-of-precision */
    await put(
      topics.pin,
      2,
      0,
      lines(pin(40), pin(41, { title: null, downloaded: null }), pin(42, { category: 'caf\u00e9 "quoted" \\ back' })),
    );
    // DuckDB reads every column as text: JSON values whose text differs from what validateRecord makes of them.
    const withValue = (ind: number, column: string, json: string) =>
      JSON.stringify(pin(ind, { [column]: 0 })).replace(`"${column}":0`, `"${column}":${json}`);
    const pinValues: [string, string][] = [
      ['title', '1.0'],
      ['title', '-0.0'],
      ['title', '1e21'],
      ['title', '12345678901234567890'],
      ['title', 'true'],
      ['title', '{"a": 1}'],
      ['title', '[1]'],
      ['title', 'NaN'],
      ['follower_count', '12'],
      ['follower_count', '2.5e3'],
      ['title', '"true"'],
      ['title', '"2.50"'],
      ['index', '"47"'],
      ['index', '47.0'],
      ['index', 'true'],
      ['index', '" 47"'],
      ['index', '1e2'],
      ['downloaded', '"1"'],
      ['downloaded', '1.0'],
      ['downloaded', '""'],
    ];
    for (const [i, [column, json]] of pinValues.entries())
      await put(
        topics.pin,
        3,
        3 * i,
        lines(pin(200 + 2 * i), withValue(column === 'index' ? 47 : 300 + i, column, json), pin(201 + 2 * i)),
      );

    const outcome = await assertFastPathIsTheDefinition(folderSinkStore(root), topics);
    assertReconciles(outcome.result.read);
    const users = (outcome.tables.user as { ind: number; user_name: string; age: number | null }[])
      .filter((u) => u.ind >= 20)
      .map(({ ind, user_name, age }) => ({ ind, user_name, age }));
    assert.deepEqual(users, [
      { ind: 22, user_name: '7 B', age: 30 },
      { ind: 23, user_name: 'A B', age: 30 },
      { ind: 25, user_name: 'A B', age: null },
      { ind: 70, user_name: 'A B', age: 30 },
      { ind: 73, user_name: 'A B', age: 30 },
    ]);
    const pins = (outcome.tables.pin as { ind: number; title: string | null; category: string }[])
      .filter((p) => p.ind >= 40 && p.ind <= 42)
      .map(({ ind, title, category }) => ({ ind, title, category }));
    assert.deepEqual(pins, [
      { ind: 40, title: 'Title 40', category: 'art' },
      { ind: 41, title: null, category: 'art' },
      { ind: 42, title: 'Title 42', category: 'caf\u00e9 "quoted" \\ back' },
    ]);
  });

  test('the same posts give the same tables whatever flush.size was, across paged listings; clean objects are taken as DuckDB reads them', async () => {
    const { s3, bucket } = local;
    const posts = [...samplePosts({ rows: 20, seed: 7, duplicateEvery: 6 })];
    const one = namesFor('flush-one').topics;
    const seven = namesFor('flush-seven').topics;
    const written1 = await writeSinkObjects({ s3, bucket, topics: one, posts, flushSize: 1 });
    const written7 = await writeSinkObjects({ s3, bucket, topics: seven, posts, flushSize: 7 });
    assert.deepEqual([written1.objects, written7.objects], [69, 12]);
    const a = await runBatch(s3SinkStore(s3, bucket), one, { pageSize: 10, concurrency: 8 });
    const b = await runBatch(s3SinkStore(s3, bucket), seven, { concurrency: 3 });
    assertReconciles(a.result.read);
    assert.deepEqual(
      [a.result.read.records, a.result.read.quarantined, a.result.read.missing, b.result.read.objects],
      [69, 0, 0, 12],
    );
    assert.equal(a.result.objectsByRecord + b.result.objectsByRecord, 0);
    assert.deepEqual(a.tables, b.tables);
    assert.deepEqual(a.answers, b.answers);
    assert.deepEqual(
      TABLES.map((table) => a.result.clean[table].duplicates),
      [3, 3, 3],
    );
  });

  test('objects truncated, emptied, deleted or replaced by a longer one: the offsets show the gap', async () => {
    const { s3, bucket } = local;
    const topics = namesFor('gaps').topics;
    const posts = [...samplePosts({ rows: 30, seed: 3 })];
    await writeSinkObjects({ s3, bucket, topics, posts, flushSize: 5 });
    const key = (table: TableKey, start: number) => sinkObjectKey(topics[table], 0, start);
    const put = (k: string, body: string) => s3.send(new PutObjectCommand({ Bucket: bucket, Key: k, Body: body }));
    await put(key('pin', 5), lines(...posts.slice(5, 7).map((p) => p.pin))); // truncated: 2 of 5
    await put(key('geo', 10), ''); // emptied
    await s3.send(new DeleteObjectCommand({ Bucket: bucket, Key: key('user', 0) })); // deleted (the first one)
    await put(key('user', 20), lines(...posts.slice(20, 27).map((p) => p.user))); // 7 records where 5 belong
    const outcome = await runBatch(s3SinkStore(s3, bucket), topics);
    const read = outcome.result.read.tables;
    assert.deepEqual([read.pin.missing, read.geo.missing, read.user.missing, read.user.surplus], [3, 5, 5, 2]);
    assert.deepEqual([read.pin.records, read.geo.records, read.user.records], [27, 25, 27]);
    assert.match(read.pin.gaps[0], /partition 0: offsets 7\.\.9 are in no object/);
    assert.match(read.user.gaps[0], /offsets 0\.\.4 are in no object/);
    assert.match(read.user.gaps[1], /starts at 25, but the objects before it hold records up to offset 26/);
    assert.equal(outcome.result.read.missing, 13);
  });

  test('no objects yet: empty tables; a missing bucket: a clear error', async () => {
    const empty = await runBatch(s3SinkStore(local.s3, local.bucket), namesFor('nobody-yet').topics);
    assert.deepEqual([empty.tables.pin, empty.result.read.objects], [[], 0]);
    const db = await openDatabase();
    try {
      await assert.rejects(
        cleanBatch({
          connection: db.connection,
          store: s3SinkStore(local.s3, 'no-such-bucket-here'),
          topics: namesFor('x-y-z').topics,
        }),
        (error: unknown) => {
          assert.ok(error instanceof PipelineError);
          assert.equal(error.code, 'BUCKET_NOT_FOUND');
          return true;
        },
      );
      await assert.rejects(
        cleanBatch({
          connection: db.connection,
          store: folderSinkStore(path.join(dir, 'nope')),
          topics: namesFor('x').topics,
        }),
        /does not exist; give the folder/,
      );
    } finally {
      db.close();
    }
  });

  test('cleanDir: the cleaned tables written by DuckDB as CSV and JSON lines, ordered by ind', async () => {
    const topics = namesFor('written').topics;
    await writeSinkObjects({
      s3: local.s3,
      bucket: local.bucket,
      topics,
      posts: samplePosts({ rows: 40, seed: 5 }),
      flushSize: 8,
    });
    const out = path.join(dir, 'clean');
    const { result } = await runBatch(s3SinkStore(local.s3, local.bucket), topics, { cleanDir: out });
    assert.ok(result.files);
    const geoCsv = (await readFile(path.join(out, 'geo.csv'), 'utf8')).split('\n');
    assert.equal(geoCsv[0], 'ind,country,coordinates,timestamp');
    assert.match(geoCsv[1], /^0,[^,]+,"\[-?\d+(\.\d+)?,-?\d+(\.\d+)?\]",\d{4}-\d\d-\d\d \d\d:\d\d:\d\d$/);
    const pinJson = (await readFile(path.join(out, 'pin.jsonl'), 'utf8'))
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as Record<string, unknown>);
    assert.equal(pinJson.length, 40);
    assert.deepEqual(Object.keys(pinJson[0]), cleanColumns('pin'));
    assert.deepEqual(
      pinJson.map((r) => r.ind),
      [...Array(40).keys()],
    );
    const userJson = JSON.parse((await readFile(path.join(out, 'user.jsonl'), 'utf8')).split('\n')[0]) as Record<
      string,
      unknown
    >;
    assert.match(String(userJson.date_joined), /^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d$/);
  });
});

test('LineScanner gives the same counts whatever pieces the bytes arrive in', () => {
  const body = Buffer.from(`{"a":"caf\u00e9"}\n\n{"b":2}\r\n   \n{"c":"\u00e9\u00e9"}{"d":1}\n{"e":5}`);
  const whole = scanLines(body, 100);
  for (const size of [1, 2, 3, 5, 7, 13, body.length]) {
    const scanner = new LineScanner(100);
    for (let i = 0; i < body.length; i += size) scanner.push(body.subarray(i, i + size));
    assert.deepEqual(scanner.end(), whole, `pieces of ${size} bytes`);
  }
  assert.deepEqual(whole, { records: 4, blankLines: 2, suspect: true });
  const clean = Buffer.from(`{"a":"caf\u00e9"}\n{"b":2}\n`);
  for (const size of [1, 2, 3, 4]) {
    const scanner = new LineScanner(100);
    for (let i = 0; i < clean.length; i += size) scanner.push(clean.subarray(i, i + size));
    assert.deepEqual(
      scanner.end(),
      { records: 2, blankLines: 0, suspect: false },
      `a multi-byte character split across pieces of ${size} bytes is still UTF-8`,
    );
  }
});
