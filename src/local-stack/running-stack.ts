/**
 * Finding the local stack another process runs, from its data folder's `stack.json`, without loading
 * the stack itself: every step script checks this first, so one with no stack to talk to fails at
 * once (with one line saying to start it) before it loads anything heavy.
 */
import { readFile } from 'node:fs/promises';
import type { KinesisClient } from '@aws-sdk/client-kinesis';
import type { S3Client } from '@aws-sdk/client-s3';
import path from 'node:path';
import type { Names } from '../config';
import { describeError, PipelineError } from '../errors';
import { createHttpClient, isNoAnswer } from '../http-client';
import { DEFAULT_DATA_DIR, STACK_FILE, START_STACK_COMMAND, type KafkaKind } from './defaults';

export interface LocalStackEndpoints {
  /** `http://127.0.0.1:<gateway port>/<stage>`: the course's API Gateway invoke URL. */
  invokeUrl: string;
  /** The Kafka REST proxy itself, without the gateway in front. */
  restProxy: string;
  s3: string;
  kinesis: string;
}

/** What a stack in this or another process tells about itself (the content of `stack.json`). */
export interface StackRecord {
  pid: number;
  startedAt: string;
  dataDir: string;
  userId: string;
  stage: string;
  region: string;
  bucket: string;
  names: Pick<Names, 'topics' | 'streams'>;
  endpoints: LocalStackEndpoints;
  /** Absent in files written before Apache Kafka could run under the stack: embedded. */
  kafka?: StackKafka;
}

/**
 * A running local stack as this process talks to it: what its `stack.json` says, and clients for its
 * S3 and Kinesis. The one shape of "a stack": `startLocalStack` gives one (with the parts only its
 * owner has), `connectLocalStack` gives one for a stack another process runs.
 */
export interface RunningStack extends StackRecord {
  readonly s3: S3Client;
  readonly kinesis: KinesisClient;
  /** Closes the clients; a stack started by this process stops too. */
  close(): Promise<void>;
}

/** Which Kafka a stack runs, as `stack.json` and the banner tell it. */
export interface StackKafka {
  kind: KafkaKind;
  /** `127.0.0.1:<port>` of the Apache Kafka broker (apache only). */
  bootstrap?: string;
  version?: string;
  /** The S3 sink's consumer group (apache only). */
  sinkGroup?: string;
  /** Milliseconds the broker took to start (apache only). */
  startMs?: number;
  pid?: number;
}

/** True when a process with this pid exists (signal 0 only checks; EPERM means it exists but is not ours). */
export function isProcessAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * The stack recorded in `<dataDir>/stack.json`, when its process is alive and its gateway answers;
 * otherwise undefined (no file, a stale file, or a stack that is not answering).
 */
export async function readRunningStack(
  dataDir: string = DEFAULT_DATA_DIR,
  options: { timeoutMs?: number } = {},
): Promise<StackRecord | undefined> {
  const file = path.join(path.resolve(dataDir), STACK_FILE);
  const info = await readStackFile(file);
  if (!info || !isProcessAlive(info.pid)) return undefined;
  return (await answers(info.endpoints.invokeUrl, options.timeoutMs ?? 1_000)) ? info : undefined;
}

/** The content of a stack file, or undefined when it is missing or not a stack file. */
export async function readStackFile(file: string): Promise<StackRecord | undefined> {
  let info: Partial<StackRecord> | null;
  try {
    info = JSON.parse(await readFile(file, 'utf8')) as Partial<StackRecord> | null;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT' || error instanceof SyntaxError) return undefined;
    throw new PipelineError('STACK_FILE_UNREADABLE', `cannot read ${file}: ${describeError(error)}`, { cause: error });
  }
  if (!info || !Number.isInteger(info.pid) || typeof info.endpoints?.invokeUrl !== 'string') return undefined;
  return info as StackRecord;
}

/**
 * The stack running from `dataDir`, or a one-line error saying to start it: STACK_NOT_RUNNING when
 * none runs there, STACK_NOT_ANSWERING when its process is alive but its gateway does not answer
 * (still starting, or hung).
 */
export async function findRunningStack(dataDir: string = DEFAULT_DATA_DIR): Promise<StackRecord> {
  const dir = path.resolve(dataDir);
  const info = await readStackFile(path.join(dir, STACK_FILE));
  if (!info || !isProcessAlive(info.pid)) {
    throw new PipelineError(
      'STACK_NOT_RUNNING',
      `no local stack is running in ${dir}: start it with \`${START_STACK_COMMAND}\`${dir === path.resolve(DEFAULT_DATA_DIR) ? '' : ` -- --data-dir ${dir}`} (in another terminal, or with --background)`,
    );
  }
  if (!(await answers(info.endpoints.invokeUrl, 3_000))) {
    throw new PipelineError(
      'STACK_NOT_ANSWERING',
      `the local stack in ${dir} (pid ${info.pid}) does not answer at ${info.endpoints.invokeUrl}; wait until it has started, or stop it (npm run stack -- --stop) and start it again`,
      { retriable: true },
    );
  }
  return info;
}

/** True when something answers HTTP at `url` within `timeoutMs`, whatever the status. */
async function answers(url: string, timeoutMs: number): Promise<boolean> {
  const http = createHttpClient({ baseUrl: url, timeoutMs, maxSockets: 1 });
  try {
    await http.request('GET', '');
    return true;
  } catch (error) {
    if (isNoAnswer(error)) return false; // refused, reset or timed out: the recorded stack is not running
    throw error;
  } finally {
    http.close();
  }
}
