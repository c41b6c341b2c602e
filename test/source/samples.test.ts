import assert from 'node:assert/strict';
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { after, describe, it } from 'node:test';
import { COLUMNS, TABLES } from '../../src/contract/tables';
import { generatePosts } from '../../src/source/generate';
import { readSchemaStatements } from '../../src/source/seed-database';
import { formatTable, SAMPLES, tableFileName, writeTables } from '../../src/source/write-tables';

const scratch = mkdtemp(path.join(os.tmpdir(), 'pp-samples-'));
after(async () => rm(await scratch, { recursive: true, force: true }));

describe('data-samples', () => {
  it('are the first 25 posts of seed 42, exactly as generated now (run npm run generate if this fails)', async () => {
    assert.deepEqual(SAMPLES, { rows: 25, seed: 42, format: 'json', dir: SAMPLES.dir });
    const posts = [...generatePosts({ rows: SAMPLES.rows, seed: SAMPLES.seed })];
    for (const table of TABLES) {
      const committed = await readFile(path.join(SAMPLES.dir, tableFileName(table, 'json')), 'utf8');
      assert.equal(
        committed,
        formatTable(
          posts.map((post) => post[table]),
          'json',
        ),
        `${tableFileName(table, 'json')} has drifted`,
      );
    }
  });

  it('include a schema with the spec columns of each table and primary keys on the ids', () => {
    const statements = readSchemaStatements();
    assert.equal(statements.length, 3);
    for (const [i, table] of ['pinterest_data', 'geolocation_data', 'user_data'].entries()) {
      const statement = statements[i];
      assert.match(statement, new RegExp(`^CREATE TABLE IF NOT EXISTS ${table} \\(`));
      for (const column of COLUMNS[TABLES[i]] as string[])
        assert.match(statement, new RegExp(`\\b${column}\`? `), `${table}.${column}`);
      assert.match(statement, /PRIMARY KEY \(`?(index|ind)`?\)/);
      assert.match(statement, /CHARSET=utf8mb4/);
    }
  });
});

describe('writeTables', () => {
  it('formats json like JSON.stringify(rows, null, 2) and jsonl as one row per line', () => {
    const rows = [
      { a: 1, b: 'x' },
      { a: 2, b: 'ü📌' },
    ];
    assert.equal(formatTable(rows, 'json'), `${JSON.stringify(rows, null, 2)}\n`);
    assert.equal(formatTable([], 'json'), '[]\n');
    assert.equal(formatTable(rows, 'jsonl'), '{"a":1,"b":"x"}\n{"a":2,"b":"ü📌"}\n');
  });

  it('streams large tables byte-identical to the whole-table format, the same on every run', async () => {
    const dir = await scratch;
    const posts = [...generatePosts({ rows: 4_500, seed: 9 })];
    for (const format of ['json', 'jsonl'] as const) {
      const first = await writeTables({ rows: 4_500, seed: 9, outDir: path.join(dir, `${format}-1`), format });
      const second = await writeTables({ rows: 4_500, seed: 9, outDir: path.join(dir, `${format}-2`), format });
      assert.equal(first.posts, 4_500);
      for (const table of TABLES) {
        const text = await readFile(first.files[table], 'utf8');
        assert.equal(
          text,
          formatTable(
            posts.map((post) => post[table]),
            format,
          ),
          `${format} ${table}`,
        );
        assert.equal(await readFile(second.files[table], 'utf8'), text);
      }
    }
    assert.deepEqual((await readdir(path.join(dir, 'json-1'))).sort(), [
      'geolocation_data.json',
      'pinterest_data.json',
      'user_data.json',
    ]);
  });

  it('writes empty tables as empty files of their format', async () => {
    const dir = path.join(await scratch, 'empty');
    const result = await writeTables({ rows: 0, seed: 1, outDir: dir, format: 'json' });
    assert.equal(await readFile(result.files.pin, 'utf8'), '[]\n');
  });
});
