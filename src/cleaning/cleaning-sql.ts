/**
 * The cleaning of PIPELINE_SPEC.md §5 as SQL, written once in `clean-<table>.sql` and read by the
 * local DuckDB (the parity test) and by the generated Databricks notebooks (batch and streaming).
 * Each file is one SELECT over the raw view `<table>_raw` (columns as in the source tables, §1) whose
 * result has the cleaned table's columns in order (src/batch/clean-schema.ts).
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import type { TableKey } from '../tables';

/** The view each cleaning query reads: the raw records of one topic or stream. */
export const RAW_VIEWS: Record<TableKey, string> = { pin: 'pin_raw', geo: 'geo_raw', user: 'user_raw' };

/** The folder of the SQL files. */
export const CLEANING_DIR = __dirname;

/** The cleaning query of a table, exactly as stored (DuckDB spelling; see spark-dialect.ts for Spark's). */
export function cleaningSql(table: TableKey): string {
  return readFileSync(path.join(CLEANING_DIR, `clean-${table}.sql`), 'utf8');
}
