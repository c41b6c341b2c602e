/**
 * Running the shared cleaning SQL in DuckDB: raw rows in `pin_raw`/`geo_raw`/`user_raw` (typed as
 * the source tables, §1) → `pin_clean`/`geo_clean`/`user_clean` (or any other name), ready for the
 * nine questions. The batch step (src/batch/run-batch.ts) and each streaming micro-batch
 * (src/streaming/stream-tables.ts) run it.
 */
import type { DuckDBAppender, DuckDBConnection } from '@duckdb/node-api';
import { SQL_TABLES } from '../contract/clean-schema';
import type { RawTables } from '../contract/raw-records';
import { ID_COLUMN, RAW_KINDS, rawSqlType, type RawKind } from '../contract/raw-rules';
import { COLUMNS, TABLES, type TableKey } from '../contract/tables';
import { RAW_VIEWS, cleaningSql } from './cleaning-sql';
import { queryCount } from '../duckdb';

/** The column definitions of a raw table (`"index" BIGINT, ...`). */
export function rawColumnsDdl(table: TableKey): string {
  return (COLUMNS[table] as string[]).map((c) => `"${c}" ${rawSqlType(RAW_KINDS[table][c], 'duckdb')}`).join(', ');
}

/** Creates (or empties) the raw table of `table`; `temp` makes it a temporary table of this connection. */
export async function createRawTable(
  connection: DuckDBConnection,
  table: TableKey,
  options: { temp?: boolean } = {},
): Promise<void> {
  await connection.run(
    `CREATE OR REPLACE ${options.temp ? 'TEMP ' : ''}TABLE ${RAW_VIEWS[table]} (${rawColumnsDdl(table)})`,
  );
}

function appendValue(appender: DuckDBAppender, kind: RawKind, value: unknown): void {
  if (value === null || value === undefined) return appender.appendNull();
  switch (kind) {
    case 'text':
      return appender.appendVarchar(String(value));
    case 'float':
      return appender.appendDouble(Number(value));
    default:
      return appender.appendBigInt(BigInt(value as number));
  }
}

/**
 * Appends rows checked by `validateRecord` to the raw table of `table` (which has exactly the raw
 * columns), through DuckDB's appender. `temp`: the table is a temporary one (`createRawTable`).
 */
export async function appendRawRows(
  connection: DuckDBConnection,
  table: TableKey,
  rows: readonly object[],
  options: { temp?: boolean } = {},
): Promise<void> {
  if (rows.length === 0) return;
  const columns = COLUMNS[table] as string[];
  const kinds = columns.map((c) => RAW_KINDS[table][c]);
  const appender = await connection.createAppender(RAW_VIEWS[table], 'main', options.temp ? 'temp' : null);
  try {
    for (const row of rows) {
      const record = row as Record<string, unknown>;
      columns.forEach((column, i) => appendValue(appender, kinds[i], record[column]));
      appender.endRow();
    }
  } finally {
    appender.closeSync();
  }
}

/** Creates the raw tables `pin_raw`, `geo_raw`, `user_raw` from rows (replacing any of those names). */
export async function loadRawTables(
  connection: DuckDBConnection,
  raw: RawTables,
  options: { temp?: boolean } = {},
): Promise<void> {
  for (const table of TABLES) {
    await createRawTable(connection, table, options);
    await appendRawRows(connection, table, raw[table], options);
  }
}

/** What the cleaning of one table kept and dropped: `input === invalid + duplicates + output`. */
export interface CleanCounts {
  /** Raw rows cleaned. */
  input: number;
  /** Rows without a usable id. */
  invalid: number;
  /** Rows dropped as repeats (a `unique_id` seen before, or an exact copy). */
  duplicates: number;
  /** Rows in the cleaned table. */
  output: number;
}

/**
 * Runs one table's cleaning query over its raw table, creating (or replacing) the cleaned table
 * (`pin_clean`, … unless `into` names another; `temp` makes it temporary), and counts what it kept
 * and dropped.
 */
export async function cleanRawTable(
  connection: DuckDBConnection,
  table: TableKey,
  options: { into?: string; temp?: boolean } = {},
): Promise<CleanCounts> {
  const into = options.into ?? SQL_TABLES[table];
  await connection.run(`CREATE OR REPLACE ${options.temp ? 'TEMP ' : ''}TABLE ${into} AS ${cleaningSql(table)}`);
  const input = await queryCount(connection, `SELECT COUNT(*) FROM ${RAW_VIEWS[table]}`);
  const usable = await queryCount(
    connection,
    `SELECT COUNT(*) FROM ${RAW_VIEWS[table]} WHERE TRY_CAST("${ID_COLUMN[table]}" AS INT) IS NOT NULL`,
  );
  const output = await queryCount(connection, `SELECT COUNT(*) FROM ${into}`);
  return { input, invalid: input - usable, duplicates: usable - output, output };
}

/** Runs the three cleaning queries, creating `pin_clean`, `geo_clean` and `user_clean`. */
export async function cleanRawTables(connection: DuckDBConnection): Promise<Record<TableKey, CleanCounts>> {
  const out = {} as Record<TableKey, CleanCounts>;
  for (const table of TABLES) out[table] = await cleanRawTable(connection, table);
  return out;
}
