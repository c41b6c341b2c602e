import type { WriteReportOptions, WriteReportResult } from './write-report';
import { writeReport } from './write-report';
import { analyseCleanDir, type Answer } from '../analysis/analyse';

export interface AnalyseAndReportOptions {
  /** Folder of the cleaned tables (e.g. `output/clean/`). */
  cleanDir: string;
  /** Folder of `report.html` and `answers/` (e.g. `output/`). */
  outDir: string;
  summary?: WriteReportOptions['summary'];
  title?: string;
}

export interface AnalyseAndReportResult extends WriteReportResult {
  answers: Answer[];
}

/** Answers the nine questions from the cleaned tables and writes the report and the answer CSVs. */
export async function analyseAndReport(options: AnalyseAndReportOptions): Promise<AnalyseAndReportResult> {
  const answers = await analyseCleanDir(options.cleanDir);
  const report = await writeReport({ answers, outDir: options.outDir, summary: options.summary, title: options.title });
  return { answers, ...report };
}
