/**
 * The Databricks notebooks on real Spark: databricks/batch_clean.sql then databricks/analysis.sql run
 * by the local runner (PySpark with Delta) over a sink folder, and the DuckDB batch step over the
 * same folder. The cleaned tables, the quarantine counts and the nine answers must be equal row for
 * row. PARITY_POSTS sets the number of generated posts (default 10,000).
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { answerQuestions, type Answer } from '../../src/analysis/analyse';
import { openDatabase, queryRows, type Database } from '../../src/duckdb';
import { QUESTIONS } from '../../src/analysis/questions';
import { cleanColumns, SQL_TABLES } from '../../src/contract/clean-schema';
import { cleanBatch, type CleanBatchResult } from '../../src/batch/run-batch';
import { folderSinkStore } from '../../src/batch/sink-folder';
import { namesFor, PROJECT_ROOT } from '../../src/config';
import { TABLES, type TableKey } from '../../src/contract/tables';
import { pythonSkip, runPython, SPARK_RUNNER } from './python-env';
import { writeParitySink } from './spark-fixture';

const POSTS = Number(process.env.PARITY_POSTS ?? 10_000);
const USER_ID = `parity${process.pid}`;

interface RunnerResults {
  session_seconds: number;
  notebooks: { notebook: string; seconds: number }[];
  cells: {
    notebook: string;
    cell: number;
    language: string;
    columns: string[] | null;
    rows: Record<string, unknown>[] | null;
  }[];
}

const sorted = (rows: readonly object[]): string[] => rows.map((r) => JSON.stringify(r)).sort();

function readJsonLines(file: string): Record<string, unknown>[] {
  return readFileSync(file, 'utf8')
    .split('\n')
    .filter(Boolean)
    .map((line) => JSON.parse(line) as Record<string, unknown>);
}

describe(
  `the Databricks notebooks on local Spark give DuckDB's tables and answers (${POSTS} posts + dirty rows)`,
  { skip: pythonSkip() },
  () => {
    let dir: string;
    let db: Database;
    let duck: CleanBatchResult;
    const duckTables = {} as Record<TableKey, Record<string, unknown>[]>;
    let duckAnswers: Answer[];
    let spark: RunnerResults;

    before(async () => {
      dir = await mkdtemp(path.join(tmpdir(), 'pp-spark-parity-'));
      const { topics } = namesFor(USER_ID);
      await writeParitySink(path.join(dir, 'sink'), topics, POSTS);

      db = await openDatabase();
      duck = await cleanBatch({ connection: db.connection, store: folderSinkStore(path.join(dir, 'sink')), topics });
      for (const table of TABLES)
        duckTables[table] = await queryRows(db.connection, `SELECT * FROM ${SQL_TABLES[table]}`);
      duckAnswers = await answerQuestions(db.connection);

      // batch_clean twice in one session, as a learner reruns a notebook: the second run replaces the first.
      const run = await runPython([
        SPARK_RUNNER,
        path.join(PROJECT_ROOT, 'databricks', 'batch_clean.sql'),
        path.join(PROJECT_ROOT, 'databricks', 'batch_clean.sql'),
        path.join(PROJECT_ROOT, 'databricks', 'analysis.sql'),
        '--user-id',
        USER_ID,
        '--sink',
        path.join(dir, 'sink'),
        '--results',
        path.join(dir, 'results.json'),
        '--export',
        path.join(dir, 'tables'),
        '--quiet',
      ]);
      assert.equal(
        run.code,
        0,
        `the runner failed:\n${
          run.stderr
            .split('\n')
            .filter((l) => l.startsWith('spark:'))
            .join('\n') || run.stderr.slice(-3000)
        }`,
      );
      spark = JSON.parse(readFileSync(path.join(dir, 'results.json'), 'utf8')) as RunnerResults;
      const seconds = Object.fromEntries(spark.notebooks.map((n) => [n.notebook, n.seconds]));
      console.log(
        `spark parity (${POSTS} posts): session ${spark.session_seconds} s, batch_clean ${seconds['batch_clean.sql']} s, analysis ${seconds['analysis.sql']} s`,
      );
    });
    after(async () => {
      db?.close();
      if (dir) await rm(dir, { recursive: true, force: true });
    });

    test('the input holds what the rules are for: repeats, placeholders, dirty values, bad records', () => {
      assert.ok(duck.read.tables.pin.records > POSTS, 'repeated posts');
      assert.ok(duck.read.quarantined > 0, 'bad records');
      assert.ok(duck.clean.pin.duplicates > 0, 'duplicates dropped');
      assert.ok(duckTables.pin.length > POSTS * 0.9);
    });

    for (const table of TABLES) {
      test(`${USER_ID}_${SQL_TABLES[table]} equals DuckDB's ${SQL_TABLES[table]}, row for row`, () => {
        const rows = readJsonLines(path.join(dir, 'tables', `${USER_ID}_${SQL_TABLES[table]}.jsonl`));
        assert.deepEqual(Object.keys(rows[0]), cleanColumns(table), 'columns in order');
        assert.equal(rows.length, duckTables[table].length);
        assert.deepEqual(sorted(rows), sorted(duckTables[table]));
      });

      test(`${table}: the same records quarantined`, () => {
        const quarantined = readJsonLines(path.join(dir, 'tables', `${USER_ID}_${table}_quarantine.jsonl`));
        assert.equal(quarantined.length, duck.read.tables[table].quarantined);
      });
    }

    test('a line with more after its JSON is quarantined as not JSON, as the reader does', () => {
      const quarantined = readJsonLines(path.join(dir, 'tables', `${USER_ID}_pin_quarantine.jsonl`));
      for (const index of [13, 14, 15, 17]) {
        const entry = quarantined.find((q) => String(q.record).startsWith(`{"index":${index},`));
        assert.equal(entry?.reason, 'not JSON', `pin ${index}: ${JSON.stringify(entry)}`);
      }
    });

    test('batch_clean run a second time in the same session counts the same', () => {
      const counts = spark.cells
        .filter((c) => c.notebook === 'batch_clean.sql' && c.columns?.includes('quarantined'))
        .map((c) => c.rows);
      assert.equal(counts.length, 2);
      assert.deepEqual(counts[1], counts[0]);
    });

    test("the nine answers equal DuckDB's, row for row", () => {
      const answers = spark.cells.filter((c) => c.notebook === 'analysis.sql' && c.language === 'sql');
      assert.equal(answers.length, QUESTIONS.length);
      answers.forEach((answer, i) => {
        const expected = duckAnswers[i];
        assert.deepEqual(answer.columns, expected.question.columns, expected.question.id);
        assert.ok(expected.rows.length > 0, `${expected.question.id} has rows`);
        assert.deepEqual(sorted(answer.rows ?? []), sorted(expected.rows), expected.question.id);
      });
    });
  },
);
