import { spawn, spawnSync } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { PROJECT_ROOT } from '../config';
import { PipelineError } from '../errors';

/** PATH with the workspace's node_modules/.bin first, so Jupyter finds the `tslab` kernel binary. */
export function notebookEnv(env: NodeJS.ProcessEnv = process.env): NodeJS.ProcessEnv {
  return {
    ...env,
    PATH: `${path.join(PROJECT_ROOT, 'node_modules', '.bin')}${path.delimiter}${env.PATH ?? ''}`,
    PYDEVD_DISABLE_FILE_VALIDATION: '1',
  };
}

export interface JupyterStatus {
  ok: boolean;
  /** What is missing and how to get it, when not ok. */
  reason?: string;
}

/**
 * Finds Jupyter's nbconvert and the tslab kernel. Registers the kernel when Jupyter is there but
 * the kernel is not (the same step `.ci/run` takes), since that needs nothing from the network.
 */
export function findJupyter(env: NodeJS.ProcessEnv = notebookEnv()): JupyterStatus {
  const nbconvert = spawnSync('jupyter', ['nbconvert', '--version'], { env, encoding: 'utf8' });
  if (nbconvert.status !== 0) {
    return {
      ok: false,
      reason:
        'jupyter nbconvert not found; install it with: apt-get install -y jupyter-nbconvert python3-nbclient python3-ipykernel jupyter-client',
    };
  }
  if (!hasTslabKernel(env)) {
    const install = spawnSync(
      path.join(PROJECT_ROOT, 'node_modules', '.bin', 'tslab'),
      ['install', '--python=/usr/bin/python3'],
      { env, encoding: 'utf8' },
    );
    if (install.status !== 0 || !hasTslabKernel(env)) {
      return {
        ok: false,
        reason: `the tslab kernel is not registered and registering it failed; run: npx tslab install --python=/usr/bin/python3 (${(install.stderr ?? '').trim().split('\n')[0]})`,
      };
    }
  }
  return { ok: true };
}

function hasTslabKernel(env: NodeJS.ProcessEnv): boolean {
  const list = spawnSync('jupyter', ['kernelspec', 'list', '--json'], { env, encoding: 'utf8' });
  if (list.status !== 0) return false;
  const parsed = JSON.parse(list.stdout) as { kernelspecs?: Record<string, unknown> };
  return Boolean(parsed.kernelspecs && 'tslab' in parsed.kernelspecs);
}

export interface ExecuteNotebookOptions {
  /** Write the executed notebook here; omit to execute in place. */
  outputPath?: string;
  /** Seconds one cell may take. */
  cellTimeoutSeconds?: number;
  env?: NodeJS.ProcessEnv;
  /** Receives Jupyter's log lines. */
  onLog?: (line: string) => void;
}

/** Executes a notebook top to bottom with the tslab kernel; rejects on the first failing cell. */
export async function executeNotebook(notebookPath: string, options: ExecuteNotebookOptions = {}): Promise<void> {
  const absolute = path.resolve(notebookPath);
  if (!existsSync(absolute)) throw new PipelineError('NOTEBOOK_NOT_FOUND', `notebook not found: ${notebookPath}`);
  const args = [
    'nbconvert',
    '--to',
    'notebook',
    '--execute',
    '--ExecutePreprocessor.kernel_name=tslab',
    `--ExecutePreprocessor.timeout=${options.cellTimeoutSeconds ?? 600}`,
    // Prints a failing cell's own error as a marked line (see the file), which `failureDetail` reads.
    '--config',
    NBCONVERT_CONFIG,
  ];
  if (options.outputPath) {
    const output = path.resolve(options.outputPath);
    args.push('--output', path.basename(output), '--output-dir', path.dirname(output));
  } else {
    args.push('--inplace');
  }
  args.push(absolute);
  const env = options.env ?? notebookEnv();
  const log: string[] = [];
  await new Promise<void>((resolve, reject) => {
    const child = spawn('jupyter', args, { env, cwd: path.dirname(absolute), stdio: ['ignore', 'pipe', 'pipe'] });
    const collect = (chunk: Buffer) => {
      for (const line of chunk.toString('utf8').split('\n')) {
        if (!line.trim()) continue;
        log.push(line);
        options.onLog?.(line);
      }
    };
    child.stdout.on('data', collect);
    child.stderr.on('data', collect);
    child.on('error', (error) =>
      reject(new PipelineError('JUPYTER_MISSING', `cannot run jupyter: ${error.message}`, { cause: error })),
    );
    child.on('close', (code) => {
      if (code === 0) return resolve();
      reject(
        new PipelineError('NOTEBOOK_FAILED', `${path.basename(absolute)} failed (exit ${code}): ${failureDetail(log)}`),
      );
    });
  });
  numberCells(options.outputPath ? path.resolve(options.outputPath) : absolute);
}

/**
 * Gives the code cells of an executed notebook their execution counts, 1, 2, … in order, where the
 * kernel left none (tslab does not report them), so the saved notebook reads as run top to bottom.
 */
export function numberCells(file: string): void {
  const notebook = JSON.parse(readFileSync(file, 'utf8')) as {
    cells: { cell_type: string; execution_count?: number | null; outputs?: { execution_count?: number | null }[] }[];
  };
  let count = 0;
  for (const cell of notebook.cells) {
    if (cell.cell_type !== 'code') continue;
    count += 1;
    cell.execution_count ??= count;
    for (const output of cell.outputs ?? [])
      if ('execution_count' in output) output.execution_count ??= cell.execution_count;
  }
  writeFileSync(file, `${JSON.stringify(notebook, null, 1)}\n`);
}

/** nbconvert's settings: the hook that prints a failing cell's own error (`PP_CELL_ERROR {...}`). */
export const NBCONVERT_CONFIG = path.join(__dirname, 'nbconvert_config.py');
const CELL_ERROR_MARKER = 'PP_CELL_ERROR ';

/**
 * The failure on one line: the failing cell (its number and first line of code) and its own error,
 * e.g. `cell 1 (const bag = await readDagFacts();): PipelineError: .venv/bin/python not found; run
 * npm run setup:python`; without a marked line (the kernel died, a timeout), the last lines of the log.
 */
export function failureDetail(log: readonly string[]): string {
  const marked = [...log].reverse().find((line) => line.startsWith(CELL_ERROR_MARKER));
  if (marked) {
    const { cell, source, error } = JSON.parse(marked.slice(CELL_ERROR_MARKER.length)) as {
      cell: number;
      source: string;
      error: string;
    };
    return `cell ${cell} (${source}): ${error}`;
  }
  const at = log.findIndex((line) => line.includes('CellExecutionError') || /Error:/.test(line));
  const lines = at >= 0 ? log.slice(at, at + 3) : log.slice(-3);
  return lines
    .map((line) => line.trim())
    .filter((line) => line && !/^-+$/.test(line))
    .join(' | ');
}
