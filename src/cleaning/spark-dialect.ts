/**
 * The few places where the shared cleaning SQL (src/cleaning/*.sql) is spelled differently
 * by DuckDB and Spark SQL (Databricks). The files are written in DuckDB's spelling, which runs
 * locally and in the parity test; `toSparkSql` gives the text for Databricks. Everything else in
 * those files (CASE, TRY_CAST, REGEXP_EXTRACT, REGEXP_REPLACE, DATE_TRUNC, ROW_NUMBER, CONCAT) is
 * accepted by both as written, except DuckDB's `AS NOT MATERIALIZED` on a common table expression,
 * which Spark does not parse and `toSparkSql` writes as `AS` (Spark decides for itself whether to
 * compute a CTE once or where it is used).
 */

/** One named difference: DuckDB's function name and Spark's. */
export interface FunctionTranslation {
  duckdb: string;
  spark: string;
  why: string;
}

export const SPARK_TRANSLATIONS: readonly FunctionTranslation[] = [
  {
    duckdb: 'REGEXP_MATCHES',
    spark: 'REGEXP_LIKE',
    why: 'regular-expression test: DuckDB has no REGEXP_LIKE/RLIKE, Spark (3.2+) no REGEXP_MATCHES',
  },
  {
    duckdb: 'LIST_VALUE',
    spark: 'ARRAY',
    why: 'array constructor: DuckDB parses ARRAY(...) as a subquery array, Spark has no LIST_VALUE',
  },
];

/**
 * The DuckDB-spelled SQL in Spark's spelling: each function of `SPARK_TRANSLATIONS` renamed where
 * it is called (a whole word followed by `(`, any case), and `AS NOT MATERIALIZED (` as `AS (`.
 * Refuses text with a backslash, since a string literal with one means different things in the
 * two dialects.
 */
export function toSparkSql(sql: string): string {
  if (sql.includes('\\'))
    throw new Error(
      'shared SQL must not contain a backslash: Spark reads \\ in string literals as an escape, DuckDB does not; use a character class such as [.]',
    );
  let out = sql.replace(/\bAS\s+NOT\s+MATERIALIZED\s*\(/gi, 'AS (');
  for (const t of SPARK_TRANSLATIONS) out = out.replace(new RegExp(`\\b${t.duckdb}\\s*\\(`, 'gi'), `${t.spark}(`);
  return out;
}
