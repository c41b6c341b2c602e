/**
 * databricks/stream_kinesis.py's per-micro-batch function on local Spark with Delta: synthetic
 * Kinesis micro-batches (binary `data` holding the JSON records) decoded and checked as the local
 * consumer does, cleaned with the shared SQL and merged into `<user_id>_<table>_table`. A replayed
 * batch adds nothing, after every batch the table equals DuckDB's cleaning of all the records so far,
 * and the records the local consumer rejects are in `<user_id>_<table>_stream_quarantine`.
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
import { decodeRecordData } from '../../src/streaming/decode-record';
import { validateRecord } from '../../src/contract/raw-records';
import { ID_COLUMN } from '../../src/contract/raw-rules';
import { pythonSkip, runPython } from './python-env';

const USER_ID = `stream${process.pid}`;
const sorted = (rows: readonly object[]): string[] => rows.map((r) => JSON.stringify(r)).sort();

/**
 * Records as producers may send them, and records that cannot be rows: a row's JSON, a JSON string
 * of it, base64 of it (padded, or URL-safe and unpadded), with spaces and a byte order mark around it,
 * with its id or a coordinate as text or its id as 6.0; more after the JSON, two objects, an array,
 * a string, an empty record, broken JSON, a coordinate that is no number.
 */
function producerRecords(table: TableKey, rows: readonly Record<string, unknown>[]): string[] {
  const id = ID_COLUMN[table];
  const row = (n: number) => ({
    ...rows[n % rows.length],
    [id]: 200_000 + n,
    ...(table === 'pin' ? { unique_id: `sent-as-producers-do-${n}` } : {}),
  });
  const json = (n: number) => JSON.stringify(row(n));
  const base64 = (text: string) => Buffer.from(text).toString('base64');
  return [
    json(0),
    JSON.stringify(json(1)),
    base64(json(2)),
    Buffer.from(JSON.stringify(json(3))).toString('base64url'),
    `\uFEFF \u00A0${json(4)}\u2028\n`,
    JSON.stringify({ ...row(5), [id]: String(200_005) }),
    json(6).replace(`"${id}":200006`, `"${id}":200006.0`),
    ...(table === 'geo' ? [JSON.stringify({ ...row(7), latitude: '1.5' })] : []),
    `${json(8)} junk`,
    `${json(9)}${json(10)}`,
    '[1, 2]',
    '"just text"',
    '',
    `{"${id}": 11, "broken": `,
    ...(table === 'geo' ? [JSON.stringify({ ...row(12), latitude: 'north' })] : []),
  ];
}

/** What the local consumer makes of `records`: the raw rows, and how many it quarantines. */
function consumed<K extends TableKey>(table: K, records: readonly string[]): { rows: RawTables[K]; rejected: number } {
  const rows = [] as unknown as RawTables[K];
  let rejected = 0;
  for (const record of records) {
    const decoded = decodeRecordData(Buffer.from(record));
    const checked = decoded.ok ? validateRecord(table, decoded.value) : decoded;
    if (checked.ok) (rows as unknown[]).push(checked.row);
    else rejected += 1;
  }
  return { rows, rejected };
}

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
  const sent = Object.fromEntries(
    TABLES.map((t) => [t, producerRecords(t, raw[t] as unknown as Record<string, unknown>[])]),
  ) as Record<TableKey, string[]>;
  let states: { table: TableKey; batch_id: number; rows: Record<string, unknown>[] }[];
  let quarantined: Record<TableKey, number>;

  before(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'pp-stream-notebook-'));
    const batches = TABLES.flatMap((table) => [
      { table, batch_id: 0, records: first[table] },
      { table, batch_id: 0, records: first[table] },
      { table, batch_id: 1, records: second[table] },
      { table, batch_id: 2, records: sent[table] },
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
    ({ states, quarantined } = JSON.parse(lines[lines.length - 1]) as {
      states: typeof states;
      quarantined: typeof quarantined;
    });
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

  test('records as producers send them: decoded, checked and quarantined as the local consumer does', async () => {
    const local = Object.fromEntries(TABLES.map((t) => [t, consumed(t, sent[t])])) as {
      [K in TableKey]: { rows: RawTables[K]; rejected: number };
    };
    const all = Object.fromEntries(
      TABLES.map((t) => [t, [...first[t], ...second[t], ...local[t].rows]]),
    ) as unknown as RawTables;
    const expected = await duckClean(all);
    for (const table of TABLES) {
      assert.equal(local[table].rows.length, table === 'geo' ? 8 : 7, `${table}: the records the consumer takes`);
      const state = states.filter((s) => s.table === table)[3];
      assert.deepEqual(sorted(state.rows), sorted(expected[table]), table);
      assert.equal(quarantined[table], local[table].rejected, `${table}: quarantined`);
    }
  });
});
