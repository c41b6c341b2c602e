import { existsSync } from 'node:fs';
import { projectPath } from '../config';
import { cleanTables } from '../batch/clean-tables';
import { cleanTableFiles } from '../batch/write-tables';
import { samplePosts } from '../batch/sink-fixture';
import { TABLES } from '../tables';
import { analyse, type Answer } from './analyse';

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
 * written by `npm start` or scripts/clean-batch.ts); when there are none, from `sampleRows`
 * generated posts cleaned in memory, so a notebook always has something to show.
 */
export async function answerAvailableTables(options: { cleanDir?: string; sampleRows?: number; seed?: number } = {}): Promise<AvailableAnswers> {
  const cleanDir = options.cleanDir ?? projectPath('output', 'clean');
  if (hasCleanTables(cleanDir)) {
    return { answers: await analyse({ cleanDir }), description: `the cleaned tables in ${cleanDir}` };
  }
  const rows = options.sampleRows ?? 2_000;
  const seed = options.seed ?? 42;
  const posts = [...samplePosts({ rows, seed })];
  const cleaned = cleanTables({ pin: posts.map((p) => p.pin), geo: posts.map((p) => p.geo), user: posts.map((p) => p.user) });
  return {
    answers: await analyse({ frames: cleaned.frames }),
    description: `${rows.toLocaleString('en-US')} generated posts (seed ${seed}) cleaned in memory, as ${cleanDir} has no cleaned tables yet (run npm start or scripts/clean-batch.ts)`,
  };
}
