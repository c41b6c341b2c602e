/**
 * Where DuckDB and Spark SQL differ for this project, kept small and named. The nine queries
 * themselves are the same text in both (see src/analysis/questions.ts); what differs is how the cleaned tables
 * are declared and what they are called.
 */
import { CLEAN_SCHEMAS, SQL_TABLES, type LogicalType } from './clean-schema';
import type { TableKey } from './tables';

export type Dialect = 'duckdb' | 'spark';

const TYPE_NAMES: Record<Dialect, Record<LogicalType, string>> = {
  duckdb: { integer: 'INTEGER', bigint: 'BIGINT', text: 'VARCHAR', timestamp: 'TIMESTAMP', double_array: 'DOUBLE[]' },
  spark: { integer: 'INT', bigint: 'BIGINT', text: 'STRING', timestamp: 'TIMESTAMP', double_array: 'ARRAY<DOUBLE>' },
};

/**
 * A column type's name in a dialect. The differences: text is VARCHAR / STRING, an array of doubles
 * is DOUBLE[] / ARRAY<DOUBLE>, a 32-bit integer is INTEGER / INT. (Spark's TIMESTAMP follows the
 * session time zone: run Databricks with `spark.sql.session.timeZone=UTC`, as the cleaned
 * timestamps are UTC.)
 */
export function sqlType(type: LogicalType, dialect: Dialect): string {
  return TYPE_NAMES[dialect][type];
}

/** `CREATE TABLE` for a cleaned table, columns in order, in the dialect's type names. */
export function createTableSql(table: TableKey, dialect: Dialect, name: string = SQL_TABLES[table]): string {
  const columns = CLEAN_SCHEMAS[table].map((c) => `  ${c.name} ${sqlType(c.type, dialect)}`).join(',\n');
  return `CREATE TABLE ${name} (\n${columns}\n)`;
}

/**
 * The query with the cleaned tables renamed, for a workspace whose tables or views have other
 * names (e.g. `{ pin: 'df_pin' }` on Databricks). Only whole-word table names are replaced.
 */
export function renameTables(sql: string, names: Partial<Record<TableKey, string>>): string {
  let out = sql;
  for (const [table, name] of Object.entries(names) as [TableKey, string][]) {
    if (!/^[A-Za-z_][A-Za-z0-9_.]*$/.test(name))
      throw new Error(`table name ${JSON.stringify(name)} would need quoting; use letters, digits, _ and .`);
    out = out.replace(new RegExp(`\\b${SQL_TABLES[table]}\\b`, 'g'), name);
  }
  return out;
}
