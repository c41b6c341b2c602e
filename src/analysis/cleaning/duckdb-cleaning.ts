/**
 * Running the shared cleaning SQL in DuckDB: raw records → `pin_raw`/`geo_raw`/`user_raw` (typed as
 * the source tables, §1) → `pin_clean`/`geo_clean`/`user_clean`, ready for the nine questions.
 */
import type { DuckDBConnection } from '@duckdb/node-api';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { SQL_TABLES } from '../../batch/clean-schema';
import { RAW_KINDS, type RawKind, type RawTables } from '../../batch/raw-records';
import { COLUMNS, TABLES } from '../../tables';
import { RAW_VIEWS, cleaningSql } from './cleaning-sql';

const DUCKDB_RAW_TYPES: Record<RawKind, string> = { id: 'BIGINT', text: 'VARCHAR', int: 'BIGINT', float: 'DOUBLE' };

function sqlString(text: string): string {
  return `'${text.replace(/'/g, "''")}'`;
}

/** Creates the raw tables `pin_raw`, `geo_raw`, `user_raw` from rows (replacing any of those names). */
export async function loadRawTables(connection: DuckDBConnection, raw: RawTables): Promise<void> {
  const dir = await mkdtemp(path.join(tmpdir(), 'pp-raw-'));
  try {
    for (const table of TABLES) {
      const file = path.join(dir, `${table}.jsonl`);
      const rows = raw[table] as unknown as Record<string, unknown>[];
      await writeFile(file, rows.map((row) => JSON.stringify(row)).join('\n') + (rows.length ? '\n' : ''));
      const columns = (COLUMNS[table] as string[]).map((c) => `${c}: ${sqlString(DUCKDB_RAW_TYPES[RAW_KINDS[table][c]])}`).join(', ');
      await connection.run(`CREATE OR REPLACE TABLE ${RAW_VIEWS[table]} AS SELECT * FROM read_json(${sqlString(file)}, format = 'newline_delimited', columns = {${columns}})`);
    }
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/** Runs the three cleaning queries, creating `pin_clean`, `geo_clean` and `user_clean`. */
export async function cleanRawInDuckDb(connection: DuckDBConnection): Promise<void> {
  for (const table of TABLES) await connection.run(`CREATE OR REPLACE TABLE ${SQL_TABLES[table]} AS ${cleaningSql(table)}`);
}
