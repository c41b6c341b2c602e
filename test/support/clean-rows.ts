/**
 * Cleaned rows written straight into DuckDB's cleaned tables (`pin_clean`, …), for tests of the
 * questions that start from known cleaned data.
 */
import type { DuckDBConnection } from '@duckdb/node-api';
import { createTableSql } from '../../src/contract/sql-dialect';
import { CLEAN_SCHEMAS, SQL_TABLES, type CleanRowByTable } from '../../src/contract/clean-schema';
import { sqlString } from '../../src/cleaning/cleaning-sql';
import { TABLES } from '../../src/contract/tables';

function literal(value: unknown, type: string): string {
  if (value === null || value === undefined) return 'NULL';
  if (type === 'timestamp') return `TIMESTAMP ${sqlString(String(value))}`;
  if (type === 'double_array') return `[${(value as number[]).map((n) => `${n}::DOUBLE`).join(', ')}]`;
  if (typeof value === 'number') return String(value);
  return sqlString(String(value));
}

/** Creates the three cleaned tables (replacing them) holding `rows`. */
export async function loadCleanRows(
  connection: DuckDBConnection,
  rows: { [K in keyof CleanRowByTable]: readonly CleanRowByTable[K][] },
): Promise<void> {
  for (const table of TABLES) {
    await connection.run(`DROP TABLE IF EXISTS ${SQL_TABLES[table]}`);
    await connection.run(createTableSql(table, 'duckdb'));
    const columns = CLEAN_SCHEMAS[table];
    const values = (rows[table] as unknown as readonly Record<string, unknown>[]).map(
      (row) => `(${columns.map((c) => literal(row[c.name], c.type)).join(', ')})`,
    );
    if (values.length) await connection.run(`INSERT INTO ${SQL_TABLES[table]} VALUES ${values.join(', ')}`);
  }
}
