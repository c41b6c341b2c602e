/**
 * The workspace's Python (.venv, built by `npm run setup:python`) for the Spark and Airflow tests.
 * Outside CI a missing .venv skips those tests with the command to run; under CI=true it fails them.
 */
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { PROJECT_ROOT } from '../../src/config';

export const VENV_PYTHON = path.join(PROJECT_ROOT, '.venv', 'bin', 'python');
export const SPARK_RUNNER = path.join(PROJECT_ROOT, 'src', 'orchestration', 'spark_runner.py');

const MISSING = `${VENV_PYTHON} not found: run npm run setup:python`;

/** `false` when the Python tests can run; a skip message when they cannot (never under CI=true). */
export function pythonSkip(): string | false {
  if (existsSync(VENV_PYTHON)) return false;
  if (process.env.CI === 'true') return false;
  return MISSING;
}

/** Fails the calling test under CI=true when .venv is missing (pythonSkip let it run). */
export function assertPython(): void {
  if (!existsSync(VENV_PYTHON)) throw new Error(MISSING);
}

export interface PythonRun {
  code: number | null;
  stdout: string;
  stderr: string;
  ms: number;
}

/** Runs `.venv/bin/python args…` from the workspace root (`env`: the whole environment, default this process's); resolves with its output whatever the exit code. */
export function runPython(
  args: string[],
  options: { env?: NodeJS.ProcessEnv; input?: string; cwd?: string; timeoutMs?: number } = {},
): Promise<PythonRun> {
  assertPython();
  const started = Date.now();
  return new Promise((resolve, reject) => {
    const child = spawn(VENV_PYTHON, args, {
      cwd: options.cwd ?? PROJECT_ROOT,
      env: options.env ?? process.env,
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => {
      stdout += chunk.toString();
    });
    child.stderr.on('data', (chunk: Buffer) => {
      stderr += chunk.toString();
    });
    const timer = setTimeout(() => child.kill('SIGKILL'), options.timeoutMs ?? 10 * 60_000);
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr, ms: Date.now() - started });
    });
    child.stdin.end(options.input ?? '');
  });
}
