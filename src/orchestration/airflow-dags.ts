/**
 * The DAGs of `dags/` as real Airflow 3 loads them: `readDagFacts` runs `dag_facts.py` with the
 * workspace's Python (`.venv`, built by `npm run setup:python`) in a private AIRFLOW_HOME, and gives
 * each DAG's id, schedule, catchup, start date, default args, tasks (operator and arguments) and edges,
 * with the DagBag's import errors and any warning raised from a DAG file. Used by the DAG tests and
 * notebook 06.
 */
import { execFile } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { PROJECT_ROOT } from '../config';
import { PipelineError } from '../errors';

export const DAGS_DIR = path.join(PROJECT_ROOT, 'dags');
export const VENV_PYTHON = path.join(PROJECT_ROOT, '.venv', 'bin', 'python');
export const DAG_FACTS_SCRIPT = path.join(__dirname, 'dag_facts.py');

export interface TaskFacts {
  task_id: string;
  class: string;
  module: string;
  owner: string;
  retries: number;
  retry_delay: { seconds: number };
  /** The operator arguments the tests and the notebook look at (bash_command, cwd, notebook_task, …). */
  arguments: Record<string, unknown>;
  downstream: string[];
}

export interface DagFacts {
  file: string;
  docstring: string | null;
  schedule: unknown;
  timetable: string;
  catchup: boolean;
  start_date: string;
  default_args: Record<string, unknown>;
  tags: string[];
  tasks: TaskFacts[];
}

export interface DagBagFacts {
  import_errors: Record<string, string>;
  /** Warnings raised from a file of the DAG folder while it was loaded, one line each. */
  warnings: string[];
  dags: Record<string, DagFacts>;
}

/** The DAG files in `dags/`. */
export function listDagFiles(dir: string = DAGS_DIR): string[] {
  return readdirSync(dir)
    .filter((f) => f.endsWith('.py'))
    .sort();
}

/** The environment of a private Airflow: AIRFLOW_HOME `home`, no example DAGs, warnings and up only. */
export function airflowEnv(home: string, extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv {
  return {
    ...process.env,
    AIRFLOW_HOME: home,
    AIRFLOW__CORE__LOAD_EXAMPLES: 'False',
    AIRFLOW__CORE__DAGS_FOLDER: DAGS_DIR,
    AIRFLOW__LOGGING__LOGGING_LEVEL: 'WARNING',
    ...extra,
  };
}

/** Loads `dir` with a DagBag of real Airflow and returns what it found. */
export async function readDagFacts(dir: string = DAGS_DIR): Promise<DagBagFacts> {
  if (!existsSync(VENV_PYTHON))
    throw new PipelineError('PYTHON_MISSING', `${VENV_PYTHON} not found; run npm run setup:python`);
  const home = await mkdtemp(path.join(tmpdir(), 'pp-airflow-'));
  try {
    const { stdout } = await promisify(execFile)(VENV_PYTHON, [DAG_FACTS_SCRIPT, dir], {
      env: airflowEnv(home),
      maxBuffer: 64 * 1024 * 1024,
    });
    const lines = stdout.trim().split('\n');
    return JSON.parse(lines[lines.length - 1]) as DagBagFacts;
  } catch (error) {
    const stderr = (error as { stderr?: string }).stderr?.trim().split('\n').pop();
    throw new PipelineError('DAG_UNREADABLE', `Airflow could not load ${dir}${stderr ? `: ${stderr}` : ''}`, {
      cause: error,
    });
  } finally {
    await rm(home, { recursive: true, force: true });
  }
}
