import { existsSync } from 'node:fs';
import { projectPath } from '../../src/config';
import { cleanTableFiles } from '../../src/contract/clean-schema';
import { samplePosts, type SamplePostsOptions } from './sink-fixture';
import { cleanRawTables, loadRawTables } from '../../src/cleaning/duckdb-cleaning';
import { TABLES } from '../../src/contract/tables';
import { analyseCleanDir, answerQuestions, type Answer } from '../../src/analysis/analyse';
import { openDatabase } from '../../src/duckdb';

export interface AvailableAnswers {
  answers: Answer[];
  /** Where the cleaned tables came from. */
  description: string;
}

/** True when `dir` holds the three cleaned tables as JSON lines. */
export function hasCleanTables(dir: string): boolean {
  return TABLES.every((table) => existsSync(cleanTableFiles(dir, table).jsonl));
}

/**
 * Answers the questions from the cleaned tables a run left in `cleanDir` (default `output/clean/`,
 * written by `npm start` or `npm run clean`); when there are none, from `sampleRows` generated posts
 * cleaned by the same SQL in an in-memory DuckDB, so a notebook always has something to show.
 */
export async function answerAvailableTables(options: { cleanDir?: string; sampleRows?: number; seed?: number } = {}): Promise<AvailableAnswers> {
  const cleanDir = options.cleanDir ?? projectPath('output', 'clean');
  if (hasCleanTables(cleanDir)) {
    return { answers: await analyseCleanDir(cleanDir), description: `the cleaned tables in ${cleanDir}` };
  }
  const rows = options.sampleRows ?? 2_000;
  const seed = options.seed ?? 42;
  return {
    answers: await answerSamplePosts({ rows, seed }),
    description: `${rows.toLocaleString('en-US')} generated posts (seed ${seed}) cleaned in memory, as ${cleanDir} has no cleaned tables yet (run npm start or npm run clean)`,
  };
}

/** The nine answers for `rows` generated posts, cleaned by the shared SQL in an in-memory DuckDB. */
export async function answerSamplePosts(options: SamplePostsOptions): Promise<Answer[]> {
  const posts = [...samplePosts(options)];
  const db = await openDatabase();
  try {
    await loadRawTables(db.connection, { pin: posts.map((p) => p.pin), geo: posts.map((p) => p.geo), user: posts.map((p) => p.user) });
    await cleanRawTables(db.connection);
    return await answerQuestions(db.connection);
  } finally {
    db.close();
  }
}
