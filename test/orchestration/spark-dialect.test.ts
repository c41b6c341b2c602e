import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { cleaningSql } from '../../src/cleaning/cleaning-sql';
import { SPARK_TRANSLATIONS, toSparkSql } from '../../src/cleaning/spark-dialect';
import { TABLES } from '../../src/contract/tables';

describe('spark-dialect', () => {
  test('renames DuckDB-only functions where they are called, in any case', () => {
    assert.equal(
      toSparkSql("SELECT REGEXP_MATCHES(x, '^[0-9]+$'), list_value(a, b), LIST_VALUE (c, d)"),
      "SELECT REGEXP_LIKE(x, '^[0-9]+$'), ARRAY(a, b), ARRAY(c, d)",
    );
    assert.equal(
      toSparkSql('SELECT my_list_value(a) AS list_value'),
      'SELECT my_list_value(a) AS list_value',
      'only whole-word calls',
    );
  });

  test("writes DuckDB's AS NOT MATERIALIZED on a common table expression as Spark's AS", () => {
    assert.equal(
      toSparkSql(
        'WITH a AS NOT MATERIALIZED (SELECT 1 AS not_materialized), b as not  materialized(SELECT 2) SELECT 3',
      ),
      'WITH a AS (SELECT 1 AS not_materialized), b AS (SELECT 2) SELECT 3',
    );
  });

  test('refuses a backslash', () => {
    assert.throws(() => toSparkSql("SELECT REGEXP_MATCHES(x, '\\d')"), /backslash/);
  });

  test('the shared cleaning SQL translates and keeps nothing DuckDB-only', () => {
    for (const table of TABLES) {
      const spark = toSparkSql(cleaningSql(table)).replace(/--.*$/gm, '');
      for (const t of SPARK_TRANSLATIONS)
        assert.doesNotMatch(spark, new RegExp(`\\b${t.duckdb}\\b`, 'i'), `${table}: ${t.duckdb} left`);
      for (const [pattern, what] of [
        [/::/, ':: cast'],
        [/"/, 'double quote'],
        [/`/, 'backtick'],
        [/;/, 'semicolon'],
        [/\[/, 'a [..] list literal outside a regex'],
        [/\bMATERIALIZED\b/i, 'a CTE materialization hint'],
      ] as [RegExp, string][]) {
        assert.doesNotMatch(spark.replace(/'[^']*'/g, "''"), pattern, `${table}: ${what}`);
      }
      assert.match(spark, new RegExp(`FROM ${table}_raw\\b`));
    }
  });
});
