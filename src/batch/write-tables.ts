/**
 * Writing tables: the cleaned tables go from DuckDB straight to `output/clean/` (`writeCleanTables`,
 * DuckDB's COPY), and small result sets (the answers) as CSV from rows (`toCsv`).
 *
 * CSV: a header line, "\n" line ends, null as an empty field (the cleaned tables hold no empty
 * strings, so an empty field always means null), arrays as JSON text (`"[51.5,-0.12]"`), and a
 * field quoted when it holds a comma, a quote or a line break. JSON lines: one object per row, keys
 * in column order, timestamps as "YYYY-MM-DD HH:MM:SS", coordinates as a JSON array.
 */
import type { DuckDBConnection } from '@duckdb/node-api';
import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import { sqlString } from '../cleaning/cleaning-sql';
import { TABLES, type TableKey } from '../tables';
import { CLEAN_SCHEMAS, SQL_TABLES } from './clean-schema';

/** One CSV field. */
export function csvField(value: unknown): string {
  if (value === null || value === undefined) return '';
  const text = typeof value === 'object' ? JSON.stringify(value) : String(value);
  return /[",\r\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

/** One CSV line (without its line end). */
export function csvLine(row: readonly unknown[]): string {
  return row.map(csvField).join(',');
}

/** A whole CSV document. */
export function toCsv(columns: readonly string[], rows: readonly (readonly unknown[])[]): string {
  const lines = [csvLine(columns)];
  for (const row of rows) lines.push(csvLine(row));
  return `${lines.join('\n')}\n`;
}

/** The files of one cleaned table. */
export interface CleanTableFiles {
  csv: string;
  jsonl: string;
}

/** Where `writeCleanTables` puts a table: `<dir>/<table>.csv` and `<dir>/<table>.jsonl`. */
export function cleanTableFiles(dir: string, table: TableKey): CleanTableFiles {
  return { csv: path.join(dir, `${table}.csv`), jsonl: path.join(dir, `${table}.jsonl`) };
}

/**
 * Writes the three cleaned tables of `connection` (`pin_clean`, …) to `dir` (e.g. `output/clean/`)
 * as CSV and JSON lines, by DuckDB, columns in the order of `CLEAN_SCHEMAS`.
 */
export async function writeCleanTables(connection: DuckDBConnection, dir: string): Promise<Record<TableKey, CleanTableFiles>> {
  await mkdir(dir, { recursive: true });
  const out = {} as Record<TableKey, CleanTableFiles>;
  for (const table of TABLES) {
    out[table] = cleanTableFiles(dir, table);
    const columns = CLEAN_SCHEMAS[table];
    const csvColumns = columns.map((c) => (c.type === 'double_array' ? `to_json(${c.name}) AS ${c.name}` : c.name)).join(', ');
    const jsonColumns = columns.map((c) => c.name).join(', ');
    await connection.run(`COPY (SELECT ${csvColumns} FROM ${SQL_TABLES[table]} ORDER BY ind) TO ${sqlString(out[table].csv)} (FORMAT CSV, HEADER, NULLSTR '')`);
    await connection.run(`COPY (SELECT ${jsonColumns} FROM ${SQL_TABLES[table]} ORDER BY ind) TO ${sqlString(out[table].jsonl)} (FORMAT JSON)`);
  }
  return out;
}
