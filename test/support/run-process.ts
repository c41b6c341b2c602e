/** Runs a command as a user would and collects what it printed: the tests of spawned scripts use it. */
import { spawn } from 'node:child_process';
import path from 'node:path';

export interface ProcessRun {
  /** The exit code, or null when the process was killed (e.g. by the timeout). */
  code: number | null;
  stdout: string;
  stderr: string;
  /** The `error:` lines of stderr, as a failing script prints its one-line reason. */
  errors: string[];
  /** The process' id (also its process group's, when started with `group`). */
  pid: number;
  /** From start to exit. */
  ms: number;
}

export interface RunProcessOptions {
  cwd?: string;
  env?: NodeJS.ProcessEnv;
  /** Killed with SIGKILL after this long (default 90 s). */
  timeoutMs?: number;
  /** Start it in a process group of its own, so a test can see whether anything it started outlived it (`groupAlive`). */
  group?: boolean;
}

/** The workspace root, where `scripts/` are run from. */
export const WORKSPACE_ROOT = path.resolve(__dirname, '..', '..');

/** Runs `command args…` and resolves with its exit code and output (rejects only when it cannot start). */
export function runProcess(
  command: string,
  args: readonly string[],
  options: RunProcessOptions = {},
): Promise<ProcessRun> {
  return new Promise((resolve, reject) => {
    const started = performance.now();
    const child = spawn(command, args, {
      cwd: options.cwd,
      env: options.env,
      stdio: ['ignore', 'pipe', 'pipe'],
      detached: options.group === true,
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => {
      stdout += chunk.toString('utf8');
    });
    child.stderr.on('data', (chunk: Buffer) => {
      stderr += chunk.toString('utf8');
    });
    const timer = setTimeout(() => child.kill('SIGKILL'), options.timeoutMs ?? 90_000);
    child.on('error', (error) => {
      clearTimeout(timer);
      reject(error);
    });
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({
        code,
        stdout,
        stderr,
        errors: stderr.split('\n').filter((line) => line.startsWith('error:')),
        pid: child.pid as number,
        ms: performance.now() - started,
      });
    });
  });
}

/** Runs a TypeScript script of the workspace (`scripts/doctor.ts`, …) with tsx, from the workspace root. */
export function runTsScript(
  script: string,
  args: readonly string[],
  options: RunProcessOptions = {},
): Promise<ProcessRun> {
  return runProcess(process.execPath, ['--import', 'tsx', path.join(WORKSPACE_ROOT, script), ...args], {
    cwd: WORKSPACE_ROOT,
    ...options,
  });
}

/**
 * True when a process of the group `pid` (started with `group: true`) is still alive seconds after
 * it exited (tsx's esbuild service ends a moment after the script).
 */
export async function groupOutlived(pid: number, graceMs = 3_000): Promise<boolean> {
  const deadline = Date.now() + graceMs;
  for (;;) {
    try {
      process.kill(-pid, 0);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ESRCH') return false;
      throw error;
    }
    if (Date.now() >= deadline) return true;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}
