/**
 * databricks/stream_kinesis.py's per-micro-batch function on local Spark with Delta: synthetic
 * Kinesis micro-batches (binary `data` holding the JSON records) parsed with the explicit schema,
 * cleaned with the shared SQL and merged into `<user_id>_<table>_table`. A replayed batch adds
 * nothing, and after every batch the table equals DuckDB's cleaning of all the records so far.
 */
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { openDatabase, queryRows } from '../../src/duckdb';
import { SQL_TABLES } from '../../src/contract/clean-schema';
import type { RawTables } from '../../src/contract/raw-records';
import { cleanRawTables, loadRawTables } from '../../src/cleaning/duckdb-cleaning';
import { TABLES, type TableKey } from '../../src/contract/tables';
import { dirtyRawRecords } from '../cleaning/dirty-rows';
import { pythonSkip, runPython } from './python-env';

const USER_ID = `stream${process.pid}`;
const sorted = (rows: readonly object[]): string[] => rows.map((r) => JSON.stringify(r)).sort();

/** DuckDB's cleaned tables of `raw`. */
async function duckClean(raw: RawTables): Promise<Record<TableKey, Record<string, unknown>[]>> {
  const db = await openDatabase();
  try {
    await loadRawTables(db.connection, raw);
    await cleanRawTables(db.connection);
    const out = {} as Record<TableKey, Record<string, unknown>[]>;
    for (const table of TABLES) out[table] = await queryRows(db.connection, `SELECT * FROM ${SQL_TABLES[table]}`);
    return out;
  } finally {
    db.close();
  }
}

describe('stream_kinesis.py: process_batch on synthetic micro-batches', { skip: pythonSkip() }, () => {
  let dir: string;
  const raw = dirtyRawRecords(200);
  // Batch 0: the first half of every table; batch 1: batch 0 replayed (as after a failure); batch 2:
  // the second half plus a tenth of the first half again (posts sent twice across batches).
  const half = (table: TableKey) => Math.floor(raw[table].length / 2);
  const first = Object.fromEntries(TABLES.map((t) => [t, raw[t].slice(0, half(t))])) as unknown as RawTables;
  const second = Object.fromEntries(
    TABLES.map((t) => [t, [...raw[t].slice(half(t)), ...raw[t].slice(0, Math.floor(half(t) / 10))]]),
  ) as unknown as RawTables;
  let states: { table: TableKey; batch_id: number; rows: Record<string, unknown>[] }[];

  before(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'pp-stream-notebook-'));
    const batches = TABLES.flatMap((table) => [
      { table, batch_id: 0, records: first[table] },
      { table, batch_id: 0, records: first[table] },
      { table, batch_id: 1, records: second[table] },
    ]);
    writeFileSync(path.join(dir, 'batches.json'), JSON.stringify(batches));
    const run = await runPython([
      path.join(__dirname, 'stream_batches.py'),
      path.join(dir, 'batches.json'),
      USER_ID,
      path.join(dir, 'warehouse'),
    ]);
    assert.equal(run.code, 0, run.stderr.slice(-4000));
    const lines = run.stdout.trim().split('\n');
    states = JSON.parse(lines[lines.length - 1]) as typeof states;
  });
  after(async () => {
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  test('the micro-batches hold duplicates and dirty rows', () => {
    assert.ok(first.pin.length > 100 && second.pin.length > 100);
    assert.ok(new Set(raw.pin.map((r) => r.unique_id)).size < raw.pin.length, 'a post sent twice');
  });

  test('after the first batch each table is the cleaning of its records', async () => {
    const expected = await duckClean(first);
    for (const table of TABLES) {
      const state = states.filter((s) => s.table === table)[0];
      assert.equal(state.rows.length, expected[table].length, table);
      assert.deepEqual(sorted(state.rows), sorted(expected[table]), table);
    }
  });

  test('a replayed batch adds nothing', () => {
    for (const table of TABLES) {
      const [once, replayed] = states.filter((s) => s.table === table);
      assert.deepEqual(sorted(replayed.rows), sorted(once.rows), table);
    }
  });

  test('after the next batch (new posts and some sent again) each table is the cleaning of every record so far', async () => {
    const all = Object.fromEntries(TABLES.map((t) => [t, [...first[t], ...second[t]]])) as unknown as RawTables;
    const expected = await duckClean(all);
    for (const table of TABLES) {
      const state = states.filter((s) => s.table === table)[2];
      assert.equal(state.rows.length, expected[table].length, table);
      assert.deepEqual(sorted(state.rows), sorted(expected[table]), table);
    }
  });
});
