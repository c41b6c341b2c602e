/**
 * The DuckDB database of a run: the batch step cleans into it, the nine questions are answered in
 * it, and a learner looks at its tables as danfojs DataFrames (`queryFrame`, `cleanTableFrame`).
 */
import { DuckDBInstance, DuckDBListValue, type DuckDBConnection, type DuckDBValue } from '@duckdb/node-api';
import { existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { cleanColumns, cleanDtypes, CLEAN_SCHEMAS, SQL_TABLES } from '../batch/clean-schema';
import { cleanTableFiles } from '../batch/write-tables';
import { sqlString } from '../cleaning/cleaning-sql';
import { PipelineError } from '../errors';
import { rowsToFrame, type Dtype, type Frame } from '../frames';
import { TABLES, type TableKey } from '../tables';
import { sqlType } from './dialect';

/** A DuckDB database and one connection to it. */
export interface AnalysisDatabase {
  readonly connection: DuckDBConnection;
  close(): void;
}

export interface OpenDatabaseOptions {
  /** A database file; default in memory. */
  path?: string;
  /**
   * DuckDB's memory limit (e.g. '1GB'); past it DuckDB spills to `tempDirectory`. Default
   * `DEFAULT_MEMORY_LIMIT`, or the `PP_DUCKDB_MEMORY` environment variable.
   */
  memoryLimit?: string;
  /** Where DuckDB spills (default: the system's temporary folder). */
  tempDirectory?: string;
  /** Open an existing database file for reading only. */
  readOnly?: boolean;
}

/** The memory limit DuckDB works within unless told otherwise: the 10-million-post batch step runs in it, spilling to disk. */
export const DEFAULT_MEMORY_LIMIT = '1GB';

/** Opens a DuckDB database (in memory unless `path` is given); close it when done. */
export async function openAnalysisDatabase(options: OpenDatabaseOptions = {}): Promise<AnalysisDatabase> {
  const settings: Record<string, string> = {
    memory_limit: options.memoryLimit ?? process.env.PP_DUCKDB_MEMORY ?? DEFAULT_MEMORY_LIMIT,
    temp_directory: options.tempDirectory ?? path.join(tmpdir(), 'pp-duckdb-spill'),
    // Row order is never relied on (every question orders its answer), and keeping it costs memory.
    preserve_insertion_order: 'false',
    ...(options.readOnly ? { access_mode: 'READ_ONLY' } : {}),
  };
  const instance = await DuckDBInstance.create(options.path ?? ':memory:', settings);
  const connection = await instance.connect();
  return {
    connection,
    close() {
      connection.closeSync();
      instance.closeSync();
    },
  };
}


/**
 * Creates `pin_clean`, `geo_clean` and `user_clean` from the JSON-lines files that
 * `writeCleanTables` wrote to `dir`, with the column types of `CLEAN_SCHEMAS` (timestamps parsed
 * from "YYYY-MM-DD HH:MM:SS"). Existing tables of those names are replaced.
 */
export async function loadCleanTables(connection: DuckDBConnection, dir: string): Promise<void> {
  for (const table of TABLES) {
    const file = cleanTableFiles(dir, table).jsonl;
    if (!existsSync(file)) throw new PipelineError('CLEAN_TABLE_MISSING', `${file} not found; run the cleaning first (npm run clean, or npm start)`);
    const columns = CLEAN_SCHEMAS[table].map((c) => `${c.name}: ${sqlString(sqlType(c.type, 'duckdb'))}`).join(', ');
    await connection.run(
      `CREATE OR REPLACE TABLE ${SQL_TABLES[table]} AS SELECT * FROM read_json(${sqlString(file)}, format = 'newline_delimited', ` +
      `columns = {${columns}}, timestampformat = '%Y-%m-%d %H:%M:%S')`,
    );
  }
}

/**
 * A DuckDB value as plain JavaScript: BIGINT → number (exact below 2^53, text above), timestamps →
 * "YYYY-MM-DD HH:MM:SS", lists → arrays.
 */
export function plainValue(value: DuckDBValue): unknown {
  if (value === null || typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean') return value;
  if (typeof value === 'bigint') return Number.isSafeInteger(Number(value)) ? Number(value) : value.toString();
  if (value instanceof DuckDBListValue) return value.items.map(plainValue);
  return value.toString();
}

type Materialized = Awaited<ReturnType<DuckDBConnection['runAndReadAll']>>;

function plainRows(result: Materialized): Record<string, unknown>[] {
  return result.getRowObjects().map((row) => Object.fromEntries(Object.entries(row).map(([k, v]) => [k, plainValue(v)])));
}

/** Runs one query and returns its rows as plain objects. */
export async function queryRows(connection: DuckDBConnection, sql: string): Promise<Record<string, unknown>[]> {
  return plainRows(await connection.runAndReadAll(sql));
}

/** A query's rows as a danfojs DataFrame, columns in the query's order (dtypes given, or inferred). */
export async function queryFrame(connection: DuckDBConnection, sql: string, dtypes?: Dtype[]): Promise<Frame> {
  const result = await connection.runAndReadAll(sql);
  return rowsToFrame(plainRows(result), result.columnNames(), dtypes ? { dtypes } : {});
}

/** A cleaned table (`pin_clean`, …) as a DataFrame, its first `limit` rows by `ind` (all when omitted). */
export async function cleanTableFrame(connection: DuckDBConnection, table: TableKey, limit?: number): Promise<Frame> {
  const sql = `SELECT ${cleanColumns(table).join(', ')} FROM ${SQL_TABLES[table]} ORDER BY ind${limit === undefined ? '' : ` LIMIT ${Math.max(0, Math.floor(limit))}`}`;
  return queryFrame(connection, sql, cleanDtypes(table));
}
