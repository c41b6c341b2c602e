/**
 * The Databricks notebooks of `databricks/` on local Spark with Delta, as `npm run spark` runs them
 * (scripts/spark.sh → src/orchestration/spark_runner.py), for notebook 06: every query cell's rows.
 */
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { PROJECT_ROOT } from '../config';
import { PipelineError } from '../errors';
import { VENV_PYTHON } from '../orchestration/airflow-dags';
import { DATABRICKS_DIR } from '../orchestration/databricks-notebooks';

// Relative to the project, where the runner starts: its lines name the notebooks as the project does.
const SPARK_RUNNER = path.join('src', 'orchestration', 'spark_runner.py');

/** One cell of a notebook Spark ran: its rows when it is a query. */
export interface SparkCell {
  notebook: string;
  cell: number;
  language: string;
  seconds: number;
  columns: string[] | null;
  rows: Record<string, unknown>[] | null;
}

export interface SparkRun {
  sessionSeconds: number;
  notebooks: { notebook: string; seconds: number }[];
  cells: SparkCell[];
}

export interface RunOnSparkOptions {
  /** File names in `databricks/`, run in order in one session (e.g. `batch_clean.sql`, `analysis.sql`). */
  notebooks: string[];
  /** The sink's bucket: a local S3 endpoint (copied first) or a folder laid out like the bucket. */
  input: { s3Endpoint: string } | { sinkFolder: string };
  userId: string;
  /** Told the runner's own lines (`spark: ...`), not Spark's log. */
  onLine?: (line: string) => void;
}

/** Runs the notebooks as `npm run spark -- <notebooks> --user-id ID --s3-endpoint URL|--sink DIR`; rejects with the runner's last error line. */
export async function runDatabricksOnSpark(options: RunOnSparkOptions): Promise<SparkRun> {
  if (!existsSync(VENV_PYTHON))
    throw new PipelineError(
      'PYTHON_MISSING',
      'the Python .venv with PySpark and Delta is missing: run `npm run setup:python`',
    );
  const scratch = await mkdtemp(path.join(tmpdir(), 'pp-notebook-spark-'));
  const results = path.join(scratch, 'results.json');
  const args = [
    SPARK_RUNNER,
    ...options.notebooks.map((name) => path.join(path.relative(PROJECT_ROOT, DATABRICKS_DIR), name)),
    '--user-id',
    options.userId,
    '--results',
    results,
    ...('s3Endpoint' in options.input
      ? ['--s3-endpoint', options.input.s3Endpoint]
      : ['--sink', options.input.sinkFolder]),
  ];
  try {
    const lines: string[] = [];
    const code = await new Promise<number | null>((resolve, reject) => {
      const child = spawn(VENV_PYTHON, args, { cwd: PROJECT_ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
      let rest = '';
      child.stderr.on('data', (chunk: Buffer) => {
        const text = rest + chunk.toString('utf8');
        const parts = text.split('\n');
        rest = parts.pop() ?? '';
        for (const line of parts) {
          lines.push(line);
          if (line.startsWith('spark:')) options.onLine?.(line);
        }
      });
      child.stdout.resume();
      child.on('error', reject);
      child.on('close', resolve);
    });
    if (code !== 0) {
      const last =
        [...lines].reverse().find((line) => /^spark:|Error/.test(line)) ?? lines[lines.length - 1] ?? 'no output';
      throw new PipelineError('DATABRICKS_RUN_FAILED', `npm run spark failed (exit ${code}): ${last.trim()}`);
    }
    const run = JSON.parse(await readFile(results, 'utf8')) as {
      session_seconds: number;
      notebooks: SparkRun['notebooks'];
      cells: SparkCell[];
    };
    return { sessionSeconds: run.session_seconds, notebooks: run.notebooks, cells: run.cells };
  } finally {
    await rm(scratch, { recursive: true, force: true });
  }
}
