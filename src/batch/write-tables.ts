/**
 * The cleaned tables go from DuckDB straight to `output/clean/` (`writeCleanTables`, DuckDB's COPY;
 * where each goes: `cleanTableFiles`).
 *
 * CSV: a header line, "\n" line ends, null as an empty field (the cleaned tables hold no empty
 * strings, so an empty field always means null), arrays as JSON text (`"[51.5,-0.12]"`). JSON
 * lines: one object per row, keys in column order, timestamps as "YYYY-MM-DD HH:MM:SS",
 * coordinates as a JSON array.
 */
import type { DuckDBConnection } from '@duckdb/node-api';
import { mkdir } from 'node:fs/promises';
import { sqlString } from '../cleaning/cleaning-sql';
import { TABLES, type TableKey } from '../contract/tables';
import { cleanTableFiles, CLEAN_SCHEMAS, SQL_TABLES, type CleanTableFiles } from '../contract/clean-schema';

/**
 * Writes the three cleaned tables of `connection` (`pin_clean`, …) to `dir` (e.g. `output/clean/`)
 * as CSV and JSON lines, by DuckDB, columns in the order of `CLEAN_SCHEMAS`.
 */
export async function writeCleanTables(
  connection: DuckDBConnection,
  dir: string,
): Promise<Record<TableKey, CleanTableFiles>> {
  await mkdir(dir, { recursive: true });
  const out = {} as Record<TableKey, CleanTableFiles>;
  for (const table of TABLES) {
    out[table] = cleanTableFiles(dir, table);
    const columns = CLEAN_SCHEMAS[table];
    const csvColumns = columns
      .map((c) => (c.type === 'double_array' ? `to_json(${c.name}) AS ${c.name}` : c.name))
      .join(', ');
    const jsonColumns = columns.map((c) => c.name).join(', ');
    await connection.run(
      `COPY (SELECT ${csvColumns} FROM ${SQL_TABLES[table]} ORDER BY ind) TO ${sqlString(out[table].csv)} (FORMAT CSV, HEADER, NULLSTR '')`,
    );
    await connection.run(
      `COPY (SELECT ${jsonColumns} FROM ${SQL_TABLES[table]} ORDER BY ind) TO ${sqlString(out[table].jsonl)} (FORMAT JSON)`,
    );
  }
  return out;
}
