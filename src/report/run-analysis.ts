import { rm } from 'node:fs/promises';
import path from 'node:path';
import type { WriteReportOptions, WriteReportResult } from './write-report';
import { writeReport } from './write-report';
import { analyseCleanDir, type Answer } from '../analysis/analyse';
import { QUESTIONS } from '../analysis/questions';
import { readCleanRun, writeCleanRun, type CleanRun } from '../batch/clean-run';
import { createProgress, type ProgressOptions } from '../progress';

export interface AnalyseAndReportOptions {
  /** Folder of the cleaned tables (e.g. `output/clean/`), with the `run.json` of the batch run that wrote them. */
  cleanDir: string;
  /** Folder of `report.html` and `answers/` (e.g. `output/`). */
  outDir: string;
  summary?: WriteReportOptions['summary'];
  title?: string;
  progress?: ProgressOptions['mode'];
}

export interface AnalyseAndReportResult extends WriteReportResult {
  answers: Answer[];
  /** The batch run whose cleaned tables were answered. */
  run: CleanRun;
}

/**
 * Answers the nine questions from the cleaned tables of a completed batch run (CLEAN_RUN_MISSING
 * when `cleanDir` holds none) and writes the report and the answer CSVs, naming that run; the
 * answers and report of an earlier run are removed first, so none is ever shown as this run's.
 */
export async function analyseAndReport(options: AnalyseAndReportOptions): Promise<AnalyseAndReportResult> {
  const run = await readCleanRun(options.cleanDir);
  await rm(path.join(options.outDir, 'answers'), { recursive: true, force: true });
  await rm(path.join(options.outDir, 'report.html'), { force: true });
  // Nine answers, then the report: ten steps of progress.
  const progress = createProgress({
    label: 'answering the nine questions, then the report',
    total: QUESTIONS.length + 1,
    mode: options.progress,
  });
  const answers = await analyseCleanDir(options.cleanDir, () => progress.increment());
  const summary: WriteReportOptions['summary'] = [
    ['cleaned tables of batch run', `${run.run} (finished ${run.finishedAt.slice(0, 19).replace('T', ' ')} UTC)`],
    ['read from', run.source],
    ...(options.summary ?? []),
  ];
  const report = await writeReport({ answers, outDir: options.outDir, summary, title: options.title }).finally(() => {
    progress.increment();
    progress.stop();
  });
  // The answers carry the run they answer, as the report does.
  await writeCleanRun(path.join(options.outDir, 'answers'), run);
  return { answers, run, ...report };
}
