/**
 * The settings of an Airflow DAG file, read without Airflow: `src/orchestration/check_dag.py`
 * parses the file with Python's `ast` module and prints its DAG id, `DAG(...)` keywords, operators
 * and `>>` edges as JSON. Used by the DAG tests and the orchestration notebook.
 */
import { execFileSync } from 'node:child_process';
import { readdirSync } from 'node:fs';
import path from 'node:path';
import { PipelineError } from '../errors';
import { projectPath } from '../config/paths';
import { buildDatabricksNotebooks, notebookCells } from './databricks-notebooks';

export interface DagOperator {
  variable: string;
  class: string;
  kwargs: Record<string, unknown>;
}

export interface DagSettings {
  file: string;
  docstring: string | null;
  dag_id: unknown;
  /** The keywords of `DAG(...)`; `datetime` as ISO text, `timedelta` as seconds, unresolvable values as `{unresolved}`. */
  dag: Record<string, unknown> | null;
  operators: DagOperator[];
  edges: [string, string][];
}

export const DAGS_DIR = projectPath('dags');
export const DAG_CHECKER = projectPath('src', 'orchestration', 'check_dag.py');

/** The DAG files in `dags/`. */
export function listDagFiles(dir: string = DAGS_DIR): string[] {
  return readdirSync(dir).filter((f) => f.endsWith('.py')).sort();
}

/** Parses one DAG file (a name in `dags/` or a path) with `python` (default /usr/bin/python3). */
export function readDagSettings(file: string, python = '/usr/bin/python3'): DagSettings {
  const full = path.isAbsolute(file) ? file : path.join(DAGS_DIR, file);
  try {
    return JSON.parse(execFileSync(python, [DAG_CHECKER, full], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] })) as DagSettings;
  } catch (error) {
    const stderr = (error as { stderr?: string }).stderr?.trim().split('\n').pop();
    throw new PipelineError('DAG_UNREADABLE', `cannot read ${full} with ${python}${stderr ? `: ${stderr}` : ''}; is it valid Python?`, { cause: error });
  }
}

/** One row per generated Databricks notebook: file, language, cells, and the first line of its first code cell. */
export function describeDatabricksNotebooks(): { file: string; language: string; cells: number; first_code: string }[] {
  return Object.entries(buildDatabricksNotebooks()).map(([file, text]) => {
    const cells = notebookCells(text);
    const code = cells.find((c) => !/^(--|#) MAGIC/.test(c)) ?? '';
    return { file: `databricks/${file}`, language: file.endsWith('.py') ? 'python' : 'sql', cells: cells.length, first_code: code.split('\n')[0] };
  });
}
