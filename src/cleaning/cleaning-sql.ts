/**
 * The cleaning of PIPELINE_SPEC.md §5 as SQL, written once in `clean-<table>.sql` and run by DuckDB
 * here (the batch step and each streaming micro-batch, duckdb-cleaning.ts) and by Spark in the
 * generated Databricks notebooks (spark-dialect.ts gives Spark's spelling). Each file is one SELECT
 * over the raw view `<table>_raw` (columns as in the source tables, §1) whose result has the
 * cleaned table's columns in order (src/contract/clean-schema.ts).
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { COLUMN_PLACEHOLDERS } from '../contract/known-values';
import type { TableKey } from '../contract/tables';

/** The view each cleaning query reads: the raw records of one topic or stream. */
export const RAW_VIEWS: Record<TableKey, string> = { pin: 'pin_raw', geo: 'geo_raw', user: 'user_raw' };

/** The folder of the SQL files. */
export const CLEANING_DIR = __dirname;

/** The cleaning SQL of a table as written, with its `{{placeholders.<column>}}` markers. */
export function cleaningSqlTemplate(table: TableKey): string {
  return readFileSync(path.join(CLEANING_DIR, `clean-${table}.sql`), 'utf8');
}

/** A SQL string literal. */
export function sqlString(text: string): string {
  return `'${text.replace(/'/g, "''")}'`;
}

/**
 * Expands each `{{placeholders.<column>}}` into the quoted placeholders of that column
 * (`COLUMN_PLACEHOLDERS`), each a SQL string literal; `{{contains_placeholder.<column>}}` into
 * `INSTR(<column>, <placeholder>) > 0` for each, joined by OR; `{{may_trim_to_blank(<column>)}}` into
 * the test that the column starts with a space or a character outside ASCII; `{{not_materialized}}`
 * into DuckDB's `NOT MATERIALIZED`. An unknown column is an error.
 */
export function expandPlaceholders(sql: string): string {
  const placeholdersOf = (marker: string, column: string) => {
    const values = (COLUMN_PLACEHOLDERS as Record<string, readonly string[]>)[column];
    if (!values)
      throw new Error(
        `{{${marker}.${column}}}: no such column in COLUMN_PLACEHOLDERS (${Object.keys(COLUMN_PLACEHOLDERS).join(', ')})`,
      );
    return values;
  };
  return (
    sql
      .replace(/\{\{placeholders\.(\w+)\}\}/g, (_, column: string) =>
        placeholdersOf('placeholders', column).map(sqlString).join(', '),
      )
      .replace(/\{\{contains_placeholder\.(\w+)\}\}/g, (_, column: string) =>
        placeholdersOf('contains_placeholder', column)
          .map((p) => `INSTR(${column}, ${sqlString(p)}) > 0`)
          .join(' OR '),
      )
      // A value TRIM may make blank starts with a space: ' ' (below '!') or, for the Unicode spaces
      // DuckDB's TRIM also removes, a character outside ASCII.
      .replace(
        /\{\{may_trim_to_blank\(([\w.]+)\)\}\}/g,
        (_, column: string) => `(${column} < '!' OR ${column} >= CHR(128))`,
      )
      // Where DuckDB would keep a copy of a common table expression used twice, rather than compute
      // it where it is used (toSparkSql drops the hint: Spark has none).
      .replace(/\{\{not_materialized\}\}/g, 'NOT MATERIALIZED')
  );
}

/** The cleaning query of a table, ready to run (DuckDB spelling; see spark-dialect.ts for Spark's). */
export function cleaningSql(table: TableKey): string {
  return expandPlaceholders(cleaningSqlTemplate(table));
}
