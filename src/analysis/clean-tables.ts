/**
 * The cleaned tables as the analysis reads them: `pin_clean`, `geo_clean` and `user_clean` loaded
 * from `output/clean/` (`loadCleanTables`), and one of them as a danfojs DataFrame (`cleanTableFrame`).
 */
import type { DuckDBConnection } from '@duckdb/node-api';
import { existsSync } from 'node:fs';
import { sqlString } from '../cleaning/cleaning-sql';
import { cleanColumns, cleanDtypes, cleanTableFiles, CLEAN_SCHEMAS, SQL_TABLES } from '../contract/clean-schema';
import { sqlType } from '../contract/sql-dialect';
import { TABLES, type TableKey } from '../contract/tables';
import { queryFrame } from '../duckdb';
import { PipelineError } from '../errors';
import type { Frame } from '../frames';

/**
 * Creates `pin_clean`, `geo_clean` and `user_clean` from the JSON-lines files that
 * `writeCleanTables` wrote to `dir`, with the column types of `CLEAN_SCHEMAS` (timestamps parsed
 * from "YYYY-MM-DD HH:MM:SS"). Existing tables of those names are replaced.
 */
export async function loadCleanTables(connection: DuckDBConnection, dir: string): Promise<void> {
  for (const table of TABLES) {
    const file = cleanTableFiles(dir, table).jsonl;
    if (!existsSync(file))
      throw new PipelineError(
        'CLEAN_TABLE_MISSING',
        `${file} not found; run the cleaning first (npm run clean, or npm start)`,
      );
    const columns = CLEAN_SCHEMAS[table].map((c) => `${c.name}: ${sqlString(sqlType(c.type, 'duckdb'))}`).join(', ');
    await connection.run(
      `CREATE OR REPLACE TABLE ${SQL_TABLES[table]} AS SELECT * FROM read_json(${sqlString(file)}, format = 'newline_delimited', ` +
        `columns = {${columns}}, timestampformat = '%Y-%m-%d %H:%M:%S')`,
    );
  }
}

/** A cleaned table (`pin_clean`, …) as a DataFrame, its first `limit` rows by `ind` (all when omitted). */
export async function cleanTableFrame(connection: DuckDBConnection, table: TableKey, limit?: number): Promise<Frame> {
  const sql = `SELECT ${cleanColumns(table).join(', ')} FROM ${SQL_TABLES[table]} ORDER BY ind${limit === undefined ? '' : ` LIMIT ${Math.max(0, Math.floor(limit))}`}`;
  return queryFrame(connection, sql, cleanDtypes(table));
}
