/**
 * The local stack as a background process (`npm run stack -- --background` and `-- --stop`): what a
 * learner who wants one terminal, the notebooks and the README-steps test use. The stack itself is
 * the same `npm run stack` process, detached, writing its log to `<data folder>/stack.log`.
 */
import { spawn } from 'node:child_process';
import { mkdir, open, readFile } from 'node:fs/promises';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { PipelineError } from '../errors';
import { createProgress } from '../progress';
import { STACK_FILE } from './defaults';
import { isProcessAlive, readStackFile, type StackRecord } from './running-stack';

/** The log file of a stack started in the background. */
export const STACK_LOG = 'stack.log';
/** The line a started stack prints last (scripts/stack.ts); the background start waits for it. */
export const STACK_READY_LINE = 'press Ctrl-C to stop';

export interface BackgroundStackOptions {
  dataDir: string;
  /** The foreground command, e.g. `[process.execPath, ...process.execArgv, 'scripts/stack.ts', ...flags]`. */
  command: string[];
  out: NodeJS.WritableStream;
  /** Flags the stop command needs besides `--stop` (e.g. ` --data-dir DIR`), shown in the banner. */
  stopFlags?: string;
  /** How long the stack may take to answer (default 120 s). */
  timeoutMs?: number;
}

/**
 * Starts `command` detached with its output in `<dataDir>/stack.log`, waits (with progress) until
 * it has printed its banner, prints the banner and returns what `stack.json` says. Fails with the
 * log's last error line when the process ends first, or after `timeoutMs`.
 */
export async function startInBackground(options: BackgroundStackOptions): Promise<StackRecord> {
  const { dataDir, out } = options;
  const timeoutMs = options.timeoutMs ?? 120_000;
  await mkdir(dataDir, { recursive: true });
  const logFile = path.join(dataDir, STACK_LOG);
  const log = await open(logFile, 'w');
  const [file, ...args] = options.command;
  const child = spawn(file as string, args, { detached: true, stdio: ['ignore', log.fd, log.fd], env: process.env });
  await log.close();
  let exited: number | string | undefined;
  child.once('exit', (code, signal) => {
    exited = code ?? signal ?? 'unknown';
  });
  child.unref();
  const waiting = createProgress({
    label: `starting the local stack in the background (pid ${child.pid}; log ${logFile}), seconds`,
    total: 0,
    plainEverySeconds: 2,
  });
  const started = Date.now();
  try {
    for (;;) {
      const text = await readFile(logFile, 'utf8').catch(() => '');
      const stack = await readStackFile(path.join(dataDir, STACK_FILE));
      if (stack && text.includes(STACK_READY_LINE) && stack.pid === child.pid) {
        waiting.stop(); // before the banner, which it would otherwise interleave
        const banner = text.slice(text.indexOf('Local stack running')).replace(STACK_READY_LINE, '').trimEnd();
        out.write(
          `${banner}\nrunning in the background (pid ${child.pid}); its log: ${logFile}; stop it with: npm run stack -- --stop${options.stopFlags ?? ''}\n`,
        );
        return stack;
      }
      if (exited !== undefined)
        throw new PipelineError(
          'STACK_START_FAILED',
          `the local stack did not start (exit ${exited}): ${lastErrorLine(text) ?? 'no output'}; see ${logFile}`,
        );
      if (Date.now() - started > timeoutMs) {
        process.kill(child.pid as number, 'SIGTERM');
        throw new PipelineError(
          'STACK_START_FAILED',
          `the local stack did not answer within ${timeoutMs / 1000} s; see ${logFile}`,
        );
      }
      waiting.update(Math.round((Date.now() - started) / 1000));
      await sleep(200);
    }
  } finally {
    waiting.stop();
  }
}

/** Stops the stack running from `dataDir` (SIGTERM, then waits until its process has ended); says so when none runs. */
export async function stopStack(dataDir: string, out: NodeJS.WritableStream, timeoutMs = 30_000): Promise<void> {
  const stack = await readStackFile(path.join(dataDir, STACK_FILE));
  if (!stack || !isProcessAlive(stack.pid)) {
    out.write(`no local stack is running in ${dataDir}\n`);
    return;
  }
  process.kill(stack.pid, 'SIGTERM');
  const waiting = createProgress({
    label: `stopping the local stack (pid ${stack.pid}), seconds`,
    total: 0,
    plainEverySeconds: 2,
  });
  const started = Date.now();
  try {
    while (isProcessAlive(stack.pid)) {
      if (Date.now() - started > timeoutMs) {
        throw new PipelineError(
          'STACK_STOP_FAILED',
          `the local stack (pid ${stack.pid}) did not stop within ${timeoutMs / 1000} s; stop it with kill -9 ${stack.pid}`,
        );
      }
      waiting.update(Math.round((Date.now() - started) / 1000));
      await sleep(100);
    }
  } finally {
    waiting.stop();
  }
  out.write(`local stack stopped (pid ${stack.pid}, data kept in ${dataDir})\n`);
}

/** The last line of a log that reads like an error, else its last line. */
function lastErrorLine(text: string): string | undefined {
  const lines = text
    .split('\n')
    .map((line) => line.trim())
    .filter(Boolean);
  return [...lines].reverse().find((line) => /error|failed|refus/i.test(line)) ?? lines[lines.length - 1];
}
