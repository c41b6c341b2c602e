/**
 * The DuckDB database of a run, opened once and passed in: the batch step cleans into it, the
 * streaming tables live in one, the nine questions are answered in it, and a learner looks at its
 * tables as danfojs DataFrames (`queryFrame`).
 */
import { DuckDBInstance, DuckDBListValue, type DuckDBConnection, type DuckDBValue } from '@duckdb/node-api';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { rowsToFrame, type Dtype, type Frame } from './frames';

/** A DuckDB database and one connection to it. */
export interface Database {
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

/**
 * The memory limit DuckDB works within unless told otherwise. The 10-million-post batch step runs in
 * it, spilling to disk, with the process under 4 GB: at 1 GB it spilled so much that it took 4.5 times
 * longer than at 2.5 GB (339 s against 75 s, measured); at 1,000,000 posts DuckDB stays well below it.
 */
export const DEFAULT_MEMORY_LIMIT = '2.5GB';

/** Opens a DuckDB database (in memory unless `path` is given); close it when done. */
export async function openDatabase(options: OpenDatabaseOptions = {}): Promise<Database> {
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
 * A DuckDB value as plain JavaScript: BIGINT → number (exact below 2^53, text above), timestamps →
 * "YYYY-MM-DD HH:MM:SS", lists → arrays.
 */
export function plainValue(value: DuckDBValue): unknown {
  if (value === null || typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean')
    return value;
  if (typeof value === 'bigint') return Number.isSafeInteger(Number(value)) ? Number(value) : value.toString();
  if (value instanceof DuckDBListValue) return value.items.map(plainValue);
  return value.toString();
}

type Materialized = Awaited<ReturnType<DuckDBConnection['runAndReadAll']>>;

function plainRows(result: Materialized): Record<string, unknown>[] {
  return result
    .getRowObjects()
    .map((row) => Object.fromEntries(Object.entries(row).map(([k, v]) => [k, plainValue(v)])));
}

/** The number a `SELECT count(*) …` query returns. */
export async function queryCount(connection: DuckDBConnection, sql: string): Promise<number> {
  return Number((await connection.runAndReadAll(sql)).getRows()[0][0]);
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
