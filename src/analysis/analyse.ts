import type { DuckDBConnection } from '@duckdb/node-api';
import { toCsv } from '../batch/write-tables';
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { rowsToFrame, type Frame } from '../frames';
import type { TableKey } from '../tables';
import { loadCleanFrames, loadCleanTables, openAnalysisDatabase, queryRows } from './duckdb';
import { QUESTIONS, questionName, questionSql, type Question } from './questions';

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

/** Runs every question (or those given) in order. */
export async function answerQuestions(connection: DuckDBConnection, questions: readonly Question[] = QUESTIONS): Promise<Answer[]> {
  const answers: Answer[] = [];
  for (const question of questions) answers.push(await answerQuestion(connection, question));
  return answers;
}

export interface AnalyseOptions {
  /** Folder written by `writeCleanTables` (e.g. `output/clean/`)... */
  cleanDir?: string;
  /** ...or the cleaned DataFrames themselves. */
  frames?: Record<TableKey, Frame>;
}

/**
 * Loads the cleaned tables into a fresh in-memory DuckDB and answers the nine questions.
 * Give `cleanDir` or `frames`.
 */
export async function analyse(options: AnalyseOptions): Promise<Answer[]> {
  if (!options.cleanDir && !options.frames) throw new Error('analyse needs cleanDir or frames');
  const db = await openAnalysisDatabase();
  try {
    if (options.frames) await loadCleanFrames(db.connection, options.frames);
    else await loadCleanTables(db.connection, options.cleanDir as string);
    return await answerQuestions(db.connection);
  } finally {
    db.close();
  }
}

/** Writes each answer to `<dir>/<id>-<slug>.csv` (e.g. `output/answers/q1-popular-category-by-country.csv`). */
export async function writeAnswers(answers: readonly Answer[], dir: string): Promise<string[]> {
  await mkdir(dir, { recursive: true });
  const files: string[] = [];
  for (const answer of answers) {
    const file = path.join(dir, `${questionName(answer.question)}.csv`);
    await writeFile(file, toCsv(answer.question.columns, answer.rows.map((row) => answer.question.columns.map((c) => row[c]))));
    files.push(file);
  }
  return files;
}
