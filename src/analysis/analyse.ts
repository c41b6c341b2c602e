import type { DuckDBConnection } from '@duckdb/node-api';
import { rowsToFrame, type Frame } from '../frames';
import { SQL_TABLES } from '../contract/clean-schema';
import { PipelineError } from '../errors';
import { TABLES } from '../contract/tables';
import { loadCleanTables } from './clean-tables';
import { openDatabase, queryRows } from '../duckdb';
import { QUESTIONS, questionSql, type Question } from './questions';

/** One question answered. */
export interface Answer {
  question: Question;
  /** The SQL that was run, as stored in `queries/`. */
  sql: string;
  /** The answer, columns as in PIPELINE_SPEC.md §6. */
  frame: Frame;
  /** The same rows as plain objects. */
  rows: Record<string, unknown>[];
}

/** Runs one question on a connection holding the cleaned tables. */
export async function answerQuestion(connection: DuckDBConnection, question: Question): Promise<Answer> {
  const sql = questionSql(question);
  const rows = await queryRows(connection, sql);
  return { question, sql, rows, frame: rowsToFrame(rows, question.columns, { dtypes: question.dtypes }) };
}

/** Runs every question (or those given) in order; `onAnswer` is told each answer as it comes. */
export async function answerQuestions(
  connection: DuckDBConnection,
  questions: readonly Question[] = QUESTIONS,
  onAnswer?: (answer: Answer) => void,
): Promise<Answer[]> {
  const answers: Answer[] = [];
  for (const question of questions) {
    const answer = await answerQuestion(connection, question);
    answers.push(answer);
    onAnswer?.(answer);
  }
  return answers;
}

/**
 * Answers the nine questions from the cleaned tables a batch step wrote to `cleanDir` (e.g.
 * `output/clean/`), loaded into a fresh in-memory DuckDB. (`npm start` answers them in the database
 * it cleaned in, with `answerQuestions`.)
 */
export async function analyseCleanDir(cleanDir: string, onAnswer?: (answer: Answer) => void): Promise<Answer[]> {
  const db = await openDatabase();
  try {
    await loadCleanTables(db.connection, cleanDir);
    const rows = await queryRows(
      db.connection,
      `SELECT ${TABLES.map((t) => `(SELECT COUNT(*) FROM ${SQL_TABLES[t]}) AS ${t}`).join(', ')}`,
    );
    const empty = TABLES.filter((t) => Number(rows[0][t]) === 0);
    if (empty.length) {
      throw new PipelineError(
        'CLEAN_TABLES_EMPTY',
        `the cleaned ${empty.join(', ')} table(s) in ${cleanDir} hold no rows, so there is nothing to analyse; emulate posts and clean them first (npm run emulate:batch, then npm run clean), or run npm start`,
      );
    }
    return await answerQuestions(db.connection, QUESTIONS, onAnswer);
  } finally {
    db.close();
  }
}
