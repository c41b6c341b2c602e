import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, test } from 'node:test';
import { cleaningSql } from '../../src/cleaning/cleaning-sql';
import { QUESTIONS, questionSql } from '../../src/analysis/questions';
import { toSparkSql } from '../../src/cleaning/spark-dialect';
import {
  buildDatabricksNotebooks,
  checkedSelectSql,
  DATABRICKS_DIR,
  DATABRICKS_RUNTIME,
  mergeCondition,
  notebookCells,
  readSelectSql,
  NOTEBOOK_FILES,
  PY_HEADER,
  SQL_HEADER,
  userQuestionSql,
} from '../../src/orchestration/databricks-notebooks';
import { TABLES } from '../../src/contract/tables';

describe('databricks/ notebooks', () => {
  const generated = buildDatabricksNotebooks();

  test('the committed files equal the generated text (run npm run build:databricks)', () => {
    for (const [name, text] of Object.entries(generated)) {
      assert.equal(readFileSync(path.join(DATABRICKS_DIR, name), 'utf8'), text, `databricks/${name} is stale`);
    }
  });

  test('source format: header line and cells', () => {
    for (const [name, text] of Object.entries(generated)) {
      assert.equal(text.split('\n')[0], name.endsWith('.py') ? PY_HEADER : SQL_HEADER);
      assert.ok(notebookCells(text).length > 3);
    }
  });

  test('batch_clean reads the three topics through the sink_access choice and writes user-prefixed Delta tables', () => {
    const text = generated[NOTEBOOK_FILES.batchClean];
    const cells = notebookCells(text);
    for (const table of TABLES) {
      assert.ok(
        cells.some((c) => c.includes(`'/topics/' || :user_id || '.${table}\``)),
        `${table}: the topic's folder under the sink root`,
      );
      assert.ok(
        cells.includes(
          `CREATE OR REPLACE TABLE IDENTIFIER(:user_id || '_${table}_clean') AS\n${toSparkSql(cleaningSql(table)).trim()}`,
        ),
        `${table}: the shared cleaning SQL`,
      );
      assert.ok(
        cells.some((c) => c.startsWith(`CREATE OR REPLACE TABLE IDENTIFIER(:user_id || '_${table}_quarantine') AS`)),
      );
    }
    assert.ok(cells.some((c) => c.includes("WHEN :sink_access = 'mount' THEN '/mnt/user-' || :user_id || '-bucket'")));
    assert.ok(cells.some((c) => c.includes("ELSE 's3://user-' || :user_id || '-bucket'")));
    assert.match(
      text,
      /dbutils\.widgets\.dropdown\("sink_access", "instance_profile", \["instance_profile", "unity_catalog", "mount"\]/,
    );
    assert.match(
      text,
      /spark\.read\.format\("delta"\)\.load\(dbutils\.widgets\.get\("credentials_table"\)\)/,
      'the mount reads the keys from a Delta table',
    );
  });

  test('no deprecated widget syntax: named parameter markers only', () => {
    for (const [name, text] of Object.entries(generated)) {
      assert.doesNotMatch(text, /CREATE WIDGET|\$\{\w+\}|getArgument\(/, name);
    }
    assert.match(generated[NOTEBOOK_FILES.analysis], /FROM IDENTIFIER\(:user_id \|\| '_pin_clean'\) AS p/);
  });

  test("analysis holds the nine questions over the user's tables, each in its own cell", () => {
    const cells = notebookCells(generated[NOTEBOOK_FILES.analysis]);
    for (const q of QUESTIONS) assert.ok(cells.includes(userQuestionSql(questionSql(q)).trim()), `${q.id}`);
    assert.equal(
      userQuestionSql('SELECT * FROM pin_clean AS p JOIN geo_clean AS g ON p.ind = g.ind'),
      "SELECT * FROM IDENTIFIER(:user_id || '_pin_clean') AS p JOIN IDENTIFIER(:user_id || '_geo_clean') AS g ON p.ind = g.ind",
    );
  });

  test('stream_kinesis.py is valid Python: definitions importable, the streams started only as a notebook', () => {
    const text = generated[NOTEBOOK_FILES.stream];
    execFileSync('/usr/bin/python3', ['-c', 'import ast, sys; ast.parse(sys.stdin.read())'], { input: text });
    assert.match(text, /session\.readStream\.format\("kinesis"\)/);
    assert.match(text, /f"streaming-\{user_id\}-\{table\}"/);
    assert.match(text, /F\.make_valid_utf8\(F\.col\("data"\)\.cast\("string"\)\)/);
    for (const table of TABLES) {
      assert.ok(text.includes(`READ_SQL["${table}"] = """\n${readSelectSql(table, `${table}_lines`)}\n"""`), table);
      assert.ok(text.includes(`CHECKED_SQL["${table}"] = """\n${checkedSelectSql(table)}\n"""`), table);
    }
    assert.match(text, /target = f"`\{user_id\}_\{table\}_table`"/);
    assert.match(text, /if trigger == "availableNow":\n {12}writer = writer\.trigger\(availableNow=True\)/);
    assert.match(text, /\.merge\(cleaned\.alias\("s"\), MERGE_CONDITION\[table\]\)/);
    assert.match(text, /"checkpointLocation", f"\{checkpoint_root\}\/\{user_id\}_\{table\}_table"/);
    assert.match(text, /^if __name__ == "__main__":\n {4}dbutils\.widgets\.text\("user_id"/m);
    for (const table of TABLES)
      assert.ok(text.includes(`CLEANING_SQL["${table}"] = """\n${toSparkSql(cleaningSql(table)).trimEnd()}\n"""`));
  });

  test('the merge conditions: a pin by unique_id, geo and user rows by every column', () => {
    assert.equal(
      mergeCondition('geo'),
      't.ind <=> s.ind AND t.country <=> s.country AND t.coordinates <=> s.coordinates AND t.timestamp <=> s.timestamp',
    );
    assert.match(
      mergeCondition('pin'),
      /^t\.unique_id <=> s\.unique_id AND \(s\.unique_id IS NOT NULL OR \(t\.ind <=> s\.ind AND /,
    );
  });

  test(`the targeted runtime is named: Databricks Runtime ${DATABRICKS_RUNTIME}`, () => {
    assert.ok(
      readFileSync(path.join(DATABRICKS_DIR, 'README.md'), 'utf8').includes(`Databricks Runtime ${DATABRICKS_RUNTIME}`),
    );
  });
});
