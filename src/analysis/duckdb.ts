/**
 * The cleaned tables in an in-memory DuckDB, for running the questions' SQL locally.
 */
import { DuckDBInstance, DuckDBListValue, type DuckDBConnection, type DuckDBValue } from '@duckdb/node-api';
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { CLEAN_SCHEMAS, SQL_TABLES } from '../batch/clean-schema';
import { cleanTableFiles, writeCleanTables } from '../batch/write-tables';
import { PipelineError } from '../errors';
import type { Frame } from '../frames';
import { TABLES, type TableKey } from '../tables';
import { sqlType } from './dialect';

/** An in-memory DuckDB and one connection to it. */
export interface AnalysisDatabase {
  readonly connection: DuckDBConnection;
  close(): void;
}

/** Opens an in-memory DuckDB; close it when done. */
export async function openAnalysisDatabase(): Promise<AnalysisDatabase> {
  const instance = await DuckDBInstance.create(':memory:');
  const connection = await instance.connect();
  return {
    connection,
    close() {
      connection.closeSync();
      instance.closeSync();
    },
  };
}

/** A SQL string literal. */
export function sqlString(text: string): string {
  return `'${text.replace(/'/g, "''")}'`;
}

/**
 * Creates `pin_clean`, `geo_clean` and `user_clean` from the JSON-lines files that
 * `writeCleanTables` wrote to `dir`, with the column types of `CLEAN_SCHEMAS` (timestamps parsed
 * from "YYYY-MM-DD HH:MM:SS"). Existing tables of those names are replaced.
 */
export async function loadCleanTables(connection: DuckDBConnection, dir: string): Promise<void> {
  for (const table of TABLES) {
    const file = cleanTableFiles(dir, table).jsonl;
    if (!existsSync(file)) throw new PipelineError('CLEAN_TABLE_MISSING', `${file} not found; run the cleaning first (npx tsx scripts/clean-batch.ts, or npm start)`);
    const columns = CLEAN_SCHEMAS[table].map((c) => `${c.name}: ${sqlString(sqlType(c.type, 'duckdb'))}`).join(', ');
    await connection.run(
      `CREATE OR REPLACE TABLE ${SQL_TABLES[table]} AS SELECT * FROM read_json(${sqlString(file)}, format = 'newline_delimited', ` +
      `columns = {${columns}}, timestampformat = '%Y-%m-%d %H:%M:%S')`,
    );
  }
}

/** Loads cleaned DataFrames (e.g. in a notebook) by writing them to a temporary folder first. */
export async function loadCleanFrames(connection: DuckDBConnection, frames: Record<TableKey, Frame>): Promise<void> {
  const dir = await mkdtemp(path.join(tmpdir(), 'pp-clean-'));
  try {
    await writeCleanTables(frames, dir);
    await loadCleanTables(connection, dir);
  } finally {
    await rm(dir, { recursive: true, force: true });
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

/** Runs one query and returns its rows as plain objects. */
export async function queryRows(connection: DuckDBConnection, sql: string): Promise<Record<string, unknown>[]> {
  const result = await connection.runAndReadAll(sql);
  return result.getRowObjects().map((row) => Object.fromEntries(Object.entries(row).map(([k, v]) => [k, plainValue(v)])));
}
