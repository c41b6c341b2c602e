/**
 * The `spark` engine of `npm run bench`: the generated Databricks notebooks `batch_clean.sql` then
 * `analysis.sql`, run by `npm run spark` (local PySpark with Delta, `local[2]`) over the same sink
 * folder as the other engines, in a process of its own. The Spark session's start is reported
 * apart (`seconds.session`) and is not in the wall time: on Databricks the cluster is already up.
 *
 * Its answers are the analysis notebook's nine query cells, in the order of `QUESTIONS`; its counts
 * come from the last cell of batch_clean (records, quarantined and cleaned rows per table). Peak
 * memory is the JVM's own (its VmHWM, read by the runner before the session stops), or, failing
 * that, the largest process GNU time reports.
 */
import { execFile } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { promisify } from 'node:util';
import { QUESTIONS } from '../src/analysis/questions';
import { PROJECT_ROOT } from '../src/config';
import { TABLES, type TableKey } from '../src/contract/tables';
import { describeError, PipelineError } from '../src/errors';
import type { EngineCounts, EngineRun } from './run-engine';

const execFileAsync = promisify(execFile);

/** What the runner writes with `--results` (src/orchestration/spark_runner.py). */
export interface RunnerResults {
  session_seconds: number;
  /** The local JVM's peak resident memory, when the runner could read it. */
  jvm_peak_rss_bytes?: number;
  notebooks: { notebook: string; seconds: number }[];
  cells: {
    notebook: string;
    cell: number;
    language: string;
    seconds: number;
    columns: string[] | null;
    rows: Record<string, unknown>[] | null;
  }[];
}

const NOTEBOOKS = ['batch_clean.sql', 'analysis.sql'];

/** The counts of batch_clean's last cell (`table_name, records, quarantined, parsed, cleaned`), as the pandas reference counts. */
export function sparkCounts(results: RunnerResults): EngineCounts {
  const last = results.cells.filter((c) => c.notebook === 'batch_clean.sql' && c.rows?.length).at(-1);
  const counts = {} as EngineCounts;
  for (const table of TABLES) {
    const row = last?.rows?.find((r) => r.table_name === table);
    if (!row || typeof row.records !== 'number' || typeof row.parsed !== 'number' || typeof row.cleaned !== 'number') {
      throw new PipelineError(
        'BENCH_RUN_FAILED',
        `spark: batch_clean's last cell has no counts for ${table}; rebuild the notebooks (npm run build:databricks)`,
      );
    }
    counts[table as TableKey] = { read: row.records, duplicates: row.parsed - row.cleaned, output: row.cleaned };
  }
  return counts;
}

/** The nine answers: analysis.sql's query cells, in the order of the questions. */
export function sparkAnswers(results: RunnerResults): EngineRun['answers'] {
  const cells = results.cells.filter((c) => c.notebook === 'analysis.sql' && c.language === 'sql' && c.columns?.length);
  if (cells.length !== QUESTIONS.length)
    throw new PipelineError(
      'BENCH_RUN_FAILED',
      `spark: analysis.sql gave ${cells.length} answers, expected ${QUESTIONS.length}`,
    );
  return Object.fromEntries(QUESTIONS.map((question, i) => [question.id, cells[i].rows ?? []]));
}

/** Runs the two notebooks once over `dataset` (topics `<topicPrefix>.pin|geo|user`); `out` is a scratch file for the runner's results. */
export async function runSpark(dataset: string, topicPrefix: string, out: string): Promise<EngineRun> {
  const args = [
    '-f',
    '%M',
    'bash',
    path.join(PROJECT_ROOT, 'scripts/spark.sh'),
    ...NOTEBOOKS.map((n) => path.join(PROJECT_ROOT, 'databricks', n)),
    '--user-id',
    topicPrefix,
    '--sink',
    dataset,
    '--results',
    out,
    '--quiet',
  ];
  let stderr: string;
  try {
    ({ stderr } = await execFileAsync('/usr/bin/time', args, { cwd: PROJECT_ROOT, maxBuffer: 64 * 1024 * 1024 }));
  } catch (error) {
    const tail = String((error as { stderr?: string }).stderr ?? '')
      .trim()
      .split('\n')
      .slice(-3)
      .join(' | ');
    throw new PipelineError('BENCH_RUN_FAILED', `spark on ${dataset} failed: ${tail || describeError(error)}`, {
      cause: error,
    });
  }
  const peakKib = Number(stderr.trim().split('\n').at(-1));
  const results = JSON.parse(await readFile(out, 'utf8')) as RunnerResults;
  const seconds = Object.fromEntries(results.notebooks.map((n) => [n.notebook, n.seconds]));
  const clean = seconds['batch_clean.sql'] ?? NaN;
  const analyse = seconds['analysis.sql'] ?? NaN;
  return {
    engine: 'spark',
    // batch_clean reads and cleans in the same statements: its time is given as clean, read as 0.
    seconds: {
      read: 0,
      clean,
      analyse,
      total: Math.round((clean + analyse) * 1000) / 1000,
      session: results.session_seconds,
    },
    // The JVM's own peak when the runner could read it (GNU time sees only the processes it waits for).
    peak_rss_bytes: Math.max(Number.isFinite(peakKib) ? peakKib * 1024 : 0, results.jvm_peak_rss_bytes ?? 0),
    counts: sparkCounts(results),
    answers: sparkAnswers(results),
  };
}
