import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, test } from 'node:test';
import { cleaningSql } from '../../src/cleaning';
import { QUESTIONS, questionSql } from '../../src/analysis/questions';
import { toSparkSql } from '../../src/cleaning/spark-dialect';
import { buildDatabricksNotebooks, DATABRICKS_DIR, notebookCells, NOTEBOOK_FILES, PY_HEADER, SQL_HEADER } from '../../src/orchestration/databricks-notebooks';
import { TABLES } from '../../src/tables';

describe('databricks/ notebooks', () => {
  const generated = buildDatabricksNotebooks();

  test('the committed files equal the generated text (run npx tsx scripts/build-databricks.ts)', () => {
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

  test('batch_clean reads the three topics and holds the cleaning SQL in Spark spelling', () => {
    const cells = notebookCells(generated[NOTEBOOK_FILES.batchClean]);
    for (const table of TABLES) {
      assert.ok(cells.some((c) => c.includes(`json.\`s3://user-\${user_id}-bucket/topics/\${user_id}.${table}/partition=*/*.json\``)));
      assert.ok(cells.includes(`CREATE OR REPLACE TABLE ${table}_clean AS\n${toSparkSql(cleaningSql(table)).trim()}`));
    }
  });

  test('analysis holds the nine questions, each in its own cell', () => {
    const cells = notebookCells(generated[NOTEBOOK_FILES.analysis]);
    for (const q of QUESTIONS) assert.ok(cells.includes(questionSql(q).trim()), `${q.id}`);
  });

  test('stream_kinesis.py is valid Python that reads the three streams and writes per-table checkpoints', () => {
    const text = generated[NOTEBOOK_FILES.stream];
    execFileSync('/usr/bin/python3', ['-c', 'import ast, sys; ast.parse(sys.stdin.read())'], { input: text });
    assert.match(text, /spark\.readStream\.format\("kinesis"\)/);
    assert.match(text, /f"streaming-\{USER_ID\}-\{table\}"/);
    assert.match(text, /col\("data"\)\.cast\("string"\)/);
    assert.match(text, /saveAsTable\(f"\{USER_ID\}_\{table\}_table"\)/);
    assert.match(text, /"checkpointLocation", f"\{CHECKPOINT_ROOT\}\/\{USER_ID\}_\{table\}_table"/);
    for (const table of TABLES) assert.ok(text.includes(`CLEANING_SQL["${table}"] = """\n${toSparkSql(cleaningSql(table)).trimEnd()}\n"""`));
  });
});
