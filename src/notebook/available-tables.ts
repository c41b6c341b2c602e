/** What notebook 04 answers: a completed batch run's cleaned tables, or generated posts cleaned in memory. */
import { existsSync } from 'node:fs';
import path from 'node:path';
import { projectPath } from '../config';
import { cleanTableFiles } from '../contract/clean-schema';
import { samplePosts, type SamplePostsOptions } from '../batch/sample-bucket';
import { cleanRawTables, loadRawTables } from '../cleaning/duckdb-cleaning';
import { TABLES } from '../contract/tables';
import { answerQuestions, type Answer } from '../analysis/analyse';
import { CLEAN_RUN_FILE } from '../batch/clean-run';
import { analyseAndReport, type AnalyseAndReportResult } from '../report/run-analysis';
import { openDatabase } from '../duckdb';

export interface AvailableAnswers {
  answers: Answer[];
  /** Where the cleaned tables came from, for the notebook's first output line. */
  description: string;
  /** The report and answer files written, when the answers are a completed run's. */
  report?: AnalyseAndReportResult;
}

/** True when `dir` holds the three cleaned tables as JSON lines. */
export function hasCleanTables(dir: string): boolean {
  return TABLES.every((table) => existsSync(cleanTableFiles(dir, table).jsonl));
}

/**
 * Notebook 04's input: when `cleanDir` (default `output/clean/`) holds a completed batch run (its
 * `run.json`, written by `npm run clean`, notebook 03 or `npm start`), answers it as `npm run analyse`
 * does, writing the report and the answer files to `outDir` (default `output/`); otherwise answers
 * `sampleRows` generated posts cleaned by the same SQL in an in-memory DuckDB, writing nothing, so
 * a notebook opened alone always has something to show.
 */
export async function answerAvailableTables(
  options: { cleanDir?: string; outDir?: string; sampleRows?: number; seed?: number } = {},
): Promise<AvailableAnswers> {
  const cleanDir = options.cleanDir ?? projectPath('output', 'clean');
  if (existsSync(path.join(cleanDir, CLEAN_RUN_FILE)) && hasCleanTables(cleanDir)) {
    const report = await analyseAndReport({
      cleanDir,
      outDir: options.outDir ?? projectPath('output'),
      progress: 'silent',
    });
    return {
      answers: report.answers,
      description: `the cleaned tables of batch run ${report.run.run} (${report.run.source})`,
      report,
    };
  }
  const rows = options.sampleRows ?? 2_000;
  const seed = options.seed ?? 42;
  return {
    answers: await answerSamplePosts({ rows, seed }),
    description: `no completed batch run in output/clean (npm run clean writes one): ${rows.toLocaleString('en-US')} generated posts instead (seed ${seed}), cleaned in memory`,
  };
}

/** The nine answers for `rows` generated posts, cleaned by the shared SQL in an in-memory DuckDB. */
export async function answerSamplePosts(options: SamplePostsOptions): Promise<Answer[]> {
  const posts = [...samplePosts(options)];
  const db = await openDatabase();
  try {
    await loadRawTables(db.connection, {
      pin: posts.map((p) => p.pin),
      geo: posts.map((p) => p.geo),
      user: posts.map((p) => p.user),
    });
    await cleanRawTables(db.connection);
    return await answerQuestions(db.connection);
  } finally {
    db.close();
  }
}
