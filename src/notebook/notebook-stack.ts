/**
 * The local stack as the notebooks use it: notebook 01 starts the step-by-step path's stack in the
 * background (`npm run stack -- --background --fresh`, so it outlives 01's kernel), the later
 * notebooks connect to it through `.local-stack/stack.json` as the step scripts do, and `npm run
 * notebooks` stops it at the end. A notebook opened alone with no stack running starts a temporary
 * one in its own kernel instead, on free ports, and says so in its first output line.
 */
import path from 'node:path';
import { tmpdir } from 'node:os';
import { PROJECT_ROOT } from '../config';
import { hasErrorCode } from '../errors';
import {
  connectLocalStack,
  DEFAULT_DATA_DIR,
  DEFAULT_FLUSH_SIZE,
  EPHEMERAL_PORTS,
  readRunningStack,
  startLocalStack,
  type LocalStack,
  type RunningStack,
  type StackRecord,
} from '../local-stack/start-local-stack';
import { startInBackground } from '../local-stack/stack-process';

/** Set by `npm run notebooks -- --free-ports` (tests): notebook 01 starts the stack on free ports instead of the defaults. */
export const FREE_PORTS_ENV = 'PP_NOTEBOOK_FREE_PORTS';

/**
 * Runs this kernel from the project's folder, as npm runs the scripts, so that the notebooks pass the
 * scripts' relative paths (`.local-stack`, `output/clean`) and print them as such.
 */
export function useProjectRoot(): void {
  process.chdir(PROJECT_ROOT);
}

/** `text` with the project's folder written `.` and the system's temporary folder `$TMPDIR`: no output names the machine's folders. */
export function projectRelative(text: string): string {
  return text
    .split(`${PROJECT_ROOT}${path.sep}`)
    .join('')
    .split(PROJECT_ROOT)
    .join('.')
    .split(tmpdir())
    .join('$TMPDIR');
}

/** A stream that writes to `out` with `projectRelative` paths. */
function relativeOut(out: NodeJS.WritableStream): NodeJS.WritableStream {
  return { write: (chunk: string | Uint8Array) => out.write(projectRelative(String(chunk))) } as NodeJS.WritableStream;
}

/**
 * Starts the step-by-step path's local stack as `npm run stack -- --background --fresh` does (the
 * same script, detached, its log in `.local-stack/stack.log`) and prints its banner; a stack already
 * running there is used as it is. Returns what its `stack.json` says and whether it was started here.
 */
export async function startNotebookStack(
  out: NodeJS.WritableStream = process.stdout,
): Promise<{ running: StackRecord; started: boolean }> {
  useProjectRoot();
  const found = await readRunningStack(DEFAULT_DATA_DIR);
  if (found) {
    out.write(
      `using the local stack already running from ${DEFAULT_DATA_DIR} (pid ${found.pid}); stop it with: npm run stack -- --stop\n`,
    );
    return { running: found, started: false };
  }
  const ports = process.env[FREE_PORTS_ENV]
    ? ['--gateway-port', '0', '--rest-proxy-port', '0', '--s3-port', '0', '--kinesis-port', '0']
    : [];
  // `node --import tsx`, not the tsx binary: the stack's own process must be the one started, as its stack.json records that pid.
  const command = [process.execPath, '--import', 'tsx', path.join('scripts', 'stack.ts'), '--fresh', ...ports];
  const running = await startInBackground({ dataDir: DEFAULT_DATA_DIR, command, out: relativeOut(out) });
  return { running, started: true };
}

/** What a notebook after 01 talks to: the running stack, or a temporary one when none runs. */
export interface NotebookStack {
  connection: RunningStack;
  /** The temporary stack, when this kernel started it. */
  started?: LocalStack;
  /** The data folder the step functions are given: `.local-stack`, or the temporary stack's. */
  dataDir: string;
  /** The temporary stack's announcement, when no stack was running; undefined otherwise. */
  fallback?: string;
  /** Disconnects, or stops the temporary stack and removes its folder. */
  close(): Promise<void>;
}

/**
 * Connects to the stack running from `.local-stack` (started by notebook 01 or `npm run stack`); with
 * none running, starts a temporary stack in this kernel on free ports with its topics and streams,
 * and `fallback` says that `posts` generated posts are used instead.
 */
export async function openNotebookStack(options: { posts: number }): Promise<NotebookStack> {
  useProjectRoot();
  try {
    const connection = await connectLocalStack(DEFAULT_DATA_DIR);
    return { connection, dataDir: DEFAULT_DATA_DIR, close: () => connection.close() };
  } catch (error) {
    if (!hasErrorCode(error, 'STACK_NOT_RUNNING')) throw error;
  }
  const stack = await startLocalStack({
    temporary: true,
    ports: EPHEMERAL_PORTS,
    provision: true,
    sink: { flushSize: DEFAULT_FLUSH_SIZE },
  });
  return {
    connection: stack,
    started: stack,
    dataDir: stack.dataDir,
    fallback: `no local stack is running: ${options.posts.toLocaleString('en-US')} generated posts instead, through a temporary stack of this notebook (notebook 01 or npm run stack starts the real one)`,
    close: () => stack.stop(),
  };
}
