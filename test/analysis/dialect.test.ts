import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { createTableSql, renameTables, sqlType } from '../../src/contract/sql-dialect';
import { openDatabase, queryRows, type Database } from '../../src/duckdb';
import { QUESTIONS, questionSql } from '../../src/analysis/questions';
import { SQL_TABLES } from '../../src/contract/clean-schema';
import { TABLES } from '../../src/contract/tables';

/** Constructs one of DuckDB and Spark SQL lacks or reads differently; the shared SQL avoids them. */
const NOT_PORTABLE: [RegExp, string][] = [
  [/::/, 'a :: cast (use CAST)'],
  [/\bQUALIFY\b/i, 'QUALIFY (not in open-source Spark 3)'],
  [/"/, 'a double quote (an identifier in DuckDB, a string in Spark)'],
  [/`/, 'a backtick (Spark only)'],
  [/;/, 'a semicolon (spark.sql takes one statement without one)'],
  [/\bGROUP BY ALL\b/i, 'GROUP BY ALL'],
  [
    /\b(median|quantile_disc|quantile_cont|approx_quantile|percentile_approx)\s*\(/i,
    'a median function of one dialect only',
  ],
  [/\bILIKE\b/i, 'ILIKE'],
  [/\bdate_part\s*\(/i, 'date_part (use YEAR)'],
  [/\b(pin|geo|user)\b(?!_)/, 'a bare table name (the tables are pin_clean, geo_clean, user_clean)'],
];

describe('DuckDB and Spark SQL', () => {
  test('every question is one SQL text in the shared subset', () => {
    for (const question of QUESTIONS) {
      const sql = questionSql(question)
        .replace(/--.*$/gm, '')
        .replace(/'[^']*'/g, "''");
      for (const [pattern, what] of NOT_PORTABLE) assert.doesNotMatch(sql, pattern, `${question.id} uses ${what}`);
      assert.match(sql, /\bFROM (pin_clean|user_clean)\b/, `${question.id} reads the cleaned tables`);
    }
  });

  test('column types are named per dialect', () => {
    assert.equal(sqlType('text', 'duckdb'), 'VARCHAR');
    assert.equal(sqlType('text', 'spark'), 'STRING');
    assert.equal(sqlType('double_array', 'duckdb'), 'DOUBLE[]');
    assert.equal(sqlType('double_array', 'spark'), 'ARRAY<DOUBLE>');
    assert.equal(sqlType('integer', 'spark'), 'INT');
    assert.equal(sqlType('timestamp', 'spark'), 'TIMESTAMP');
    assert.equal(
      createTableSql('geo', 'spark'),
      'CREATE TABLE geo_clean (\n  ind INT,\n  country STRING,\n  coordinates ARRAY<DOUBLE>,\n  timestamp TIMESTAMP\n)',
    );
  });

  test('renameTables replaces whole table names only, and refuses names that need quoting', () => {
    const sql = 'SELECT * FROM pin_clean AS p JOIN user_clean AS u ON p.ind = u.ind -- pin_cleaned stays';
    assert.equal(
      renameTables(sql, { pin: 'df_pin', user: 'main.df_user' }),
      'SELECT * FROM df_pin AS p JOIN main.df_user AS u ON p.ind = u.ind -- pin_cleaned stays',
    );
    assert.throws(() => renameTables(sql, { pin: 'pin table' }), /would need quoting/);
  });

  describe('in DuckDB', () => {
    let db: Database;
    before(async () => {
      db = await openDatabase();
    });
    after(() => db.close());

    test('the DuckDB DDL creates the cleaned tables and every question runs on them', async () => {
      for (const table of TABLES) await db.connection.run(createTableSql(table, 'duckdb'));
      const columns = await queryRows(
        db.connection,
        `SELECT table_name, column_name, data_type FROM information_schema.columns WHERE table_name = '${SQL_TABLES.geo}' ORDER BY ordinal_position`,
      );
      assert.deepEqual(
        columns.map((c) => [c.column_name, c.data_type]),
        [
          ['ind', 'INTEGER'],
          ['country', 'VARCHAR'],
          ['coordinates', 'DOUBLE[]'],
          ['timestamp', 'TIMESTAMP'],
        ],
      );
      for (const question of QUESTIONS)
        assert.deepEqual(await queryRows(db.connection, questionSql(question)), [], question.id);
    });
  });
});
