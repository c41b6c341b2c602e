/**
 * Running the shared cleaning SQL in DuckDB: raw records → `pin_raw`/`geo_raw`/`user_raw` (typed as
 * the source tables, §1) → `pin_clean`/`geo_clean`/`user_clean`, ready for the nine questions.
 */
import type { DuckDBConnection } from '@duckdb/node-api';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { SQL_TABLES } from '../batch/clean-schema';
import { RAW_KINDS, type RawKind, type RawTables } from '../batch/raw-records';
import { writeLines } from '../batch/write-tables';
import { COLUMNS, TABLES, type TableKey } from '../tables';
import { sqlString } from '../analysis/duckdb';
import { RAW_VIEWS, cleaningSql } from './cleaning-sql';

const DUCKDB_RAW_TYPES: Record<RawKind, string> = { id: 'BIGINT', text: 'VARCHAR', int: 'BIGINT', float: 'DOUBLE' };

/** The `columns = {...}` of `read_json` for a raw table, typed as the source tables (§1). */
export function rawColumnsSpec(table: TableKey): string {
  return (COLUMNS[table] as string[]).map((c) => `"${c}": ${sqlString(DUCKDB_RAW_TYPES[RAW_KINDS[table][c]])}`).join(', ');
}

/** The column definitions of a raw table (`"index" BIGINT, ...`). */
export function rawColumnsDdl(table: TableKey): string {
  return (COLUMNS[table] as string[]).map((c) => `"${c}" ${DUCKDB_RAW_TYPES[RAW_KINDS[table][c]]}`).join(', ');
}

/**
 * Appends rows checked by `validateRecord` to a raw table (`pin_raw`, …), creating it when
 * `create` is set (replacing any table of that name). Other columns the table may have get NULL.
 */
export async function insertRawRows(connection: DuckDBConnection, table: TableKey, rows: readonly object[], create = false): Promise<void> {
  const dir = await mkdtemp(path.join(tmpdir(), 'pp-raw-'));
  try {
    const file = path.join(dir, `${table}.jsonl`);
    await writeLines(file, rows.map((row) => JSON.stringify(row)));
    const select = `SELECT * FROM read_json(${sqlString(file)}, format = 'newline_delimited', columns = {${rawColumnsSpec(table)}})`;
    const names = (COLUMNS[table] as string[]).map((c) => `"${c}"`).join(', ');
    await connection.run(create ? `CREATE OR REPLACE TABLE ${RAW_VIEWS[table]} AS ${select}` : `INSERT INTO ${RAW_VIEWS[table]} (${names}) ${select}`);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/** Creates the raw tables `pin_raw`, `geo_raw`, `user_raw` from rows (replacing any of those names). */
export async function loadRawTables(connection: DuckDBConnection, raw: RawTables): Promise<void> {
  for (const table of TABLES) await insertRawRows(connection, table, raw[table], true);
}

/** Runs one table's cleaning query, creating (or replacing) `pin_clean`, `geo_clean` or `user_clean`. */
export async function cleanRawTableInDuckDb(connection: DuckDBConnection, table: TableKey): Promise<void> {
  await connection.run(`CREATE OR REPLACE TABLE ${SQL_TABLES[table]} AS ${cleaningSql(table)}`);
}

/** Runs the three cleaning queries, creating `pin_clean`, `geo_clean` and `user_clean`. */
export async function cleanRawInDuckDb(connection: DuckDBConnection): Promise<void> {
  for (const table of TABLES) await cleanRawTableInDuckDb(connection, table);
}
