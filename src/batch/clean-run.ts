/**
 * The record of a completed batch run, `run.json` beside the cleaned tables: which run made them,
 * when, from where, and its counts. It is removed when a run starts and written only when the run
 * succeeded, so the tables of a failed or half-finished run never pass for a completed one, and the
 * answers and the report name the run they come from.
 */
import { randomUUID } from 'node:crypto';
import { readFile, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { z } from 'zod';
import { PipelineError } from '../errors';

export const CLEAN_RUN_FILE = 'run.json';

const cleanRunSchema = z.object({
  run: z.string(),
  finishedAt: z.string(),
  /** Where the raw records came from (the bucket, its endpoint, or a folder). */
  source: z.string(),
  /** Per table: records read, quarantined, missing, and rows cleaned. */
  tables: z.record(
    z.string(),
    z.object({ records: z.number(), quarantined: z.number(), missing: z.number(), cleaned: z.number() }),
  ),
  /** True when the topics' end offsets were known and every record below them was read. */
  checkedAgainstEndOffsets: z.boolean(),
});

export type CleanRun = z.infer<typeof cleanRunSchema>;

/** A new run id: the time it started and a few random characters, e.g. `2026-12-06T04:01:02Z-3f9a`. */
export function newRunId(now = new Date()): string {
  return `${now.toISOString().slice(0, 19)}Z-${randomUUID().slice(0, 4)}`;
}

/** Forgets the run that made the tables in `cleanDir` (at the start of a new one). */
export async function forgetCleanRun(cleanDir: string): Promise<void> {
  await rm(path.join(cleanDir, CLEAN_RUN_FILE), { force: true });
}

/** Records a completed run in `cleanDir`. */
export async function writeCleanRun(cleanDir: string, run: CleanRun): Promise<void> {
  await writeFile(path.join(cleanDir, CLEAN_RUN_FILE), `${JSON.stringify(run, null, 2)}\n`);
}

/** The completed run whose tables `cleanDir` holds; CLEAN_RUN_MISSING when none completed there. */
export async function readCleanRun(cleanDir: string): Promise<CleanRun> {
  const file = path.join(cleanDir, CLEAN_RUN_FILE);
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
    throw new PipelineError(
      'CLEAN_RUN_MISSING',
      `${cleanDir} holds no tables of a completed batch run (npm run clean has not run there, or its last run failed): run npm run clean, or npm start`,
    );
  }
  const parsed = cleanRunSchema.safeParse(JSON.parse(text));
  if (!parsed.success)
    throw new PipelineError('CLEAN_RUN_MISSING', `${file} is not a run record; run npm run clean again`);
  return parsed.data;
}
