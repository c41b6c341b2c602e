import assert from 'node:assert/strict';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { answerQuestions, analyse } from '../../src/analysis/analyse';
import { openAnalysisDatabase, queryRows, type AnalysisDatabase } from '../../src/analysis/duckdb';
import { cleanTables } from '../../src/batch/clean-tables';
import { batchQuarantineFile } from '../../src/batch/quarantine';
import { readSinkTables } from '../../src/batch/read-sink';
import { cleanSinkFolderInDuckDb, scanLines } from '../../src/batch/read-sink-duckdb';
import { samplePosts } from '../../src/batch/sink-fixture';
import { folderSinkStore, listSinkFolder, sinkFolderFile, writeSinkFolder } from '../../src/batch/sink-folder';
import { namesFor } from '../../src/config/load-config';
import { s3SinkObjectKey } from '../../src/local-stack/s3-sink';
import { TABLES } from '../../src/tables';
import { badRecordCorpus, geo, lines, pin, user } from './helpers';

/** The reasons in a quarantine file, sorted (the two readers visit objects in the same order, but say so loosely). */
async function reasons(dir: string, table: 'pin' | 'geo' | 'user'): Promise<string[]> {
  const text = await readFile(batchQuarantineFile(dir, table), 'utf8');
  return text.split('\n').filter(Boolean).map((line) => { const e = JSON.parse(line) as { key: string; line: number; reason: string }; return `${e.key}:${e.line}: ${e.reason}`; }).sort();
}

describe('the batch step in DuckDB, over a folder copy of the sink', () => {
  let dir: string;
  let db: AnalysisDatabase;
  before(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'pp-sink-folder-'));
    db = await openAnalysisDatabase();
  });
  after(async () => {
    db.close();
    await rm(dir, { recursive: true, force: true });
  });

  test('scanLines counts records and blank lines as the record-by-record reader does, and flags oversized records and broken UTF-8', () => {
    assert.equal(scanLines(Buffer.from([0x7b, 0xe9, 0xff, 0x7d]), 100).suspect, true);
    assert.deepEqual(scanLines(Buffer.from('{"a":1}\n\n  \r\n{"b":2}'), 100), { records: 2, blankLines: 2, suspect: false });
    assert.deepEqual(scanLines(Buffer.from('x\n\u00a0\n'), 100), { records: 1, blankLines: 1, suspect: false });
    assert.deepEqual(scanLines(Buffer.from('{"a":"0123456789"}\n'), 10), { records: 1, blankLines: 0, suspect: true });
    assert.deepEqual(scanLines(Buffer.from(''), 10), { records: 0, blankLines: 0, suspect: false });
  });

  test('the bad-record corpus: the same rows, quarantine and counts as the JavaScript reader', async () => {
    const root = path.join(dir, 'corpus');
    const topics = namesFor('bad-corpus').topics;
    const put = async (topic: string, partition: number, startOffset: number, body: string | Buffer) => {
      const file = sinkFolderFile(root, s3SinkObjectKey(topic, partition, startOffset));
      await mkdir(path.dirname(file), { recursive: true });
      await writeFile(file, body);
    };
    for (const object of badRecordCorpus(topics)) await put(object.topic, object.partition, object.startOffset, object.body);
    // Records DuckDB would convert silently, which the JavaScript reader converts or rejects its own way.
    await put(topics.user, 0, 10, lines(user(20, { age: true }), user(21, { age: 3.5 }), user(22, { first_name: 7 }), user(23, { ind: '23' }), user(24, { first_name: { a: 1 } }), user(25, { age: '' })));
    await put(topics.geo, 0, 10, `${lines(geo(30, { latitude: 1e400 }))}{"ind": 31,\n"country": "Chile"}\n${JSON.stringify(geo(32))}${JSON.stringify(geo(33))}\n`);
    // Each alone among good records, so that nothing else in its object gives it away.
    const alone = [
      '{"ind": 50, "timestamp": ', // broken JSON: DuckDB makes a row of NULLs of it
      JSON.stringify({ country: 'Chile' }), // no id
      JSON.stringify(geo(51, { latitude: 1e400 })), // a number no double holds
      JSON.stringify(geo(52, { latitude: '1.5' })), // numeric text: converted, not rejected
      '[1, 2]',
      '"just text"',
    ];
    for (const [i, record] of alone.entries()) await put(topics.geo, 1, 100 + 3 * i, lines(geo(60 + 2 * i), record, geo(61 + 2 * i)));
    await put(topics.user, 1, 0, `${lines(user(70))}{"ind": 71, "first_name": "A", "last_name": "B", "age": 123456789012345678901, "date_joined": "2016-05-05 10:00:00"}\n`);
    await put(topics.user, 1, 2, lines(user(72, { age: 9007199254740993 }), user(73)));
    await put(topics.pin, 2, 0, lines(pin(40), pin(41, { title: null, downloaded: null }), pin(42, { category: 'caf\u00e9 "quoted" \\ back' })));

    const inJs = path.join(dir, 'q-js');
    const inDuck = path.join(dir, 'q-duck');
    const js = await readSinkTables({ store: folderSinkStore(root), topics, quarantineDir: inJs });
    const duck = await cleanSinkFolderInDuckDb({ connection: db.connection, dir: root, topics, quarantineDir: inDuck });

    for (const table of TABLES) {
      const { unknownFields: _a, ...a } = js.counts.tables[table];
      const { unknownFields: _b, ...b } = duck.counts.tables[table];
      assert.deepEqual(b, a, `${table} read counts`);
      assert.equal(b.records, b.parsed + b.quarantined);
      assert.deepEqual(await reasons(inDuck, table), await reasons(inJs, table), `${table} quarantine`);
    }
    assert.deepEqual(duck.counts.tables.pin.unknownFields, { extra_field: 1 });
    assert.ok(duck.objectsCheckedByRecord < duck.counts.objects, 'clean objects are taken by DuckDB as they are');

    const cleaned = cleanTables(js.rows);
    for (const table of TABLES) {
      const { input, invalid, duplicates, output } = duck.clean[table];
      assert.deepEqual({ input, invalid, duplicates, output }, cleaned.counts[table], `${table} clean counts`);
    }
    const expected = await analyse({ frames: cleaned.frames });
    const actual = await answerQuestions(db.connection);
    assert.deepEqual(actual.map((a) => a.rows), expected.map((a) => a.rows));
    const users = await queryRows(db.connection, 'SELECT ind, user_name, age FROM user_clean ORDER BY ind');
    assert.deepEqual(users.filter((u) => (u.ind as number) >= 20), [{ ind: 22, user_name: '7 B', age: 30 }, { ind: 23, user_name: 'A B', age: 30 }, { ind: 25, user_name: 'A B', age: null },
      { ind: 70, user_name: 'A B', age: 30 }, { ind: 73, user_name: 'A B', age: 30 }]);
    const pins = await queryRows(db.connection, 'SELECT ind, title, category FROM pin_clean WHERE ind >= 40 ORDER BY ind');
    assert.deepEqual(pins, [{ ind: 40, title: 'Title 40', category: 'art' }, { ind: 41, title: null, category: 'art' }, { ind: 42, title: 'Title 42', category: 'caf\u00e9 "quoted" \\ back' }]);
  });

  test('generated posts: the same cleaned tables and answers as the JavaScript path', async () => {
    const root = path.join(dir, 'generated');
    const topics = namesFor('gen').topics;
    const posts = [...samplePosts({ rows: 600, seed: 11, duplicateEvery: 7 })];
    const written = await writeSinkFolder({ dir: root, topics, posts, flushSize: 64 });
    assert.equal((await listSinkFolder(root, topics)).length, written.objects);
    const js = await readSinkTables({ store: folderSinkStore(root), topics });
    const cleaned = cleanTables(js.rows);
    const duck = await cleanSinkFolderInDuckDb({ connection: db.connection, dir: root, topics });
    assert.equal(duck.objectsCheckedByRecord, 0);
    assert.equal(duck.counts.records, 3 * posts.length);
    for (const table of TABLES) assert.equal(duck.clean[table].output, cleaned.counts[table].output);
    const expected = await analyse({ frames: cleaned.frames });
    assert.deepEqual((await answerQuestions(db.connection)).map((a) => a.rows), expected.map((a) => a.rows));
  });

  test('a folder that does not exist: a clear error', async () => {
    await assert.rejects(cleanSinkFolderInDuckDb({ connection: db.connection, dir: path.join(dir, 'nope'), topics: namesFor('x').topics }), /does not exist; give the folder/);
  });
});
