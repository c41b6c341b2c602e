/**
 * A one-time Databricks notebook run through the Jobs API, as Airflow's DatabricksSubmitRunOperator
 * makes it (PIPELINE_SPEC.md §7): `POST /api/2.2/jobs/runs/submit`, then `GET /api/2.2/jobs/runs/get`
 * until the run reaches a terminal life-cycle state. Workspaces that do not serve 2.2 yet (404) are
 * asked again on the older 2.1 path, which takes the same bodies.
 *
 * The HTTP client of the workspace is made once (`createDatabricksHttpClient`: the host as base URL,
 * the token as bearer) and passed in, so tests give a client aimed at an in-process server.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { PipelineError } from '../errors';
import { createHttpClient, isNoAnswer, readAnswer, type HttpClient } from '../http-client';
import { z } from 'zod';
import { withRetry, type RetryOptions } from '../retry';

/** The API versions tried, newest first. */
export const JOBS_API_VERSIONS = ['2.2', '2.1'] as const;
export type JobsApiVersion = (typeof JOBS_API_VERSIONS)[number];

/** Life-cycle states after which a run changes no more. */
export const TERMINAL_STATES = ['TERMINATED', 'SKIPPED', 'INTERNAL_ERROR'] as const;

export interface JobsResponse {
  status: number;
  body: unknown;
}

/** The only thing the run logic needs from HTTP: one JSON request, answered with status and body. */
export interface JobsClient {
  readonly host: string;
  request(method: 'GET' | 'POST', path: string, body?: unknown): Promise<JobsResponse>;
}

export interface DatabricksHttpOptions {
  /** Workspace URL, e.g. `https://dbc-1234.cloud.databricks.com`. */
  host: string;
  /** Personal access token, sent as `Authorization: Bearer <token>` with every request. */
  token: string;
  /** Per request; default DATABRICKS_REQUEST_TIMEOUT_MS. */
  timeoutMs?: number;
}

/** Per request to the workspace: 300 s, the wait the Jobs API client had on fetch (undici's headers and body timeouts). */
export const DATABRICKS_REQUEST_TIMEOUT_MS = 300_000;

/** The HTTP client of one workspace: its URL as the base, the token as bearer on every request. Close it when done. */
export function createDatabricksHttpClient(options: DatabricksHttpOptions): HttpClient {
  return createHttpClient({
    baseUrl: options.host,
    timeoutMs: options.timeoutMs ?? DATABRICKS_REQUEST_TIMEOUT_MS,
    headers: { Authorization: `Bearer ${options.token}` },
  });
}

/** A Jobs API client on the workspace's HTTP client (`createDatabricksHttpClient`): JSON bodies in and out. */
export function createJobsClient(http: HttpClient): JobsClient {
  const host = http.baseUrl;
  return {
    host,
    async request(method, path, body) {
      let text: string;
      let status: number;
      try {
        ({ status, text } = await http.request(method, path, {
          headers: { 'Content-Type': 'application/json', Accept: 'application/json' },
          ...(body === undefined ? {} : { body: JSON.stringify(body) }),
        }));
      } catch (error) {
        if (!isNoAnswer(error)) throw error;
        const reason = error.cause instanceof Error ? error.cause.message : error.message;
        throw new PipelineError('DATABRICKS_UNREACHABLE', `cannot reach ${host} (${reason}); check DATABRICKS_HOST`, {
          retriable: true,
          cause: error,
        });
      }
      // Not JSON (e.g. an HTML error page from a proxy): keep the text for the error message.
      const json = readAnswer(text, z.unknown());
      return { status, body: json !== undefined ? json : text || undefined };
    },
  };
}

export interface SubmitRunOptions {
  /** Shown in the Databricks UI. */
  runName: string;
  clusterId: string;
  /** Workspace path of the notebook, e.g. `/Users/<you>/pinterest/batch_clean`. */
  notebookPath: string;
  /** Widget values, e.g. `{ user_id: 'localuser' }`. */
  baseParameters?: Record<string, string>;
  /** 0: no limit. */
  timeoutSeconds?: number;
}

/** The body of `runs/submit`: one notebook task on an existing cluster. */
export function submitRunBody(options: SubmitRunOptions): Record<string, unknown> {
  return {
    run_name: options.runName,
    timeout_seconds: options.timeoutSeconds ?? 0,
    tasks: [
      {
        task_key: 'notebook',
        existing_cluster_id: options.clusterId,
        notebook_task: { notebook_path: options.notebookPath, base_parameters: options.baseParameters ?? {} },
      },
    ],
  };
}

/** What a dry run prints: the request that would be sent, the token replaced by `***`. */
export function describeSubmitRequest(
  host: string | undefined,
  body: Record<string, unknown>,
): Record<string, unknown> {
  return {
    method: 'POST',
    url: `${(host ?? '<DATABRICKS_HOST>').replace(/\/+$/, '')}/api/${JOBS_API_VERSIONS[0]}/jobs/runs/submit`,
    headers: { Authorization: 'Bearer ***', 'Content-Type': 'application/json' },
    body,
  };
}

function errorText(body: unknown): string {
  if (body && typeof body === 'object') {
    const b = body as Record<string, unknown>;
    const parts = [b.error_code, b.message].filter((p) => typeof p === 'string');
    if (parts.length) return parts.join(': ');
  }
  return typeof body === 'string' ? body.slice(0, 200).replace(/\s+/g, ' ') : JSON.stringify(body);
}

/** Turns a non-2xx answer into a PipelineError: 429 and 5xx retriable, 401/403 a token hint. */
export function responseError(host: string, method: string, path: string, response: JobsResponse): PipelineError {
  const { status } = response;
  if (status === 401 || status === 403) {
    return new PipelineError(
      'DATABRICKS_UNAUTHORIZED',
      `Databricks answered ${status} to ${method} ${path}; check DATABRICKS_TOKEN (a personal access token for ${host})`,
    );
  }
  const retriable = status === 429 || status >= 500;
  return new PipelineError(
    'DATABRICKS_HTTP',
    `Databricks answered ${status} to ${method} ${path}: ${errorText(response.body)}`,
    { retriable },
  );
}

export interface RunState {
  runId: number;
  runPageUrl?: string;
  lifeCycleState: string;
  resultState?: string;
  stateMessage?: string;
}

export interface RunJobOptions {
  retry: RetryOptions;
  /** Between two `runs/get`. */
  pollIntervalMs: number;
  /** Told each state read, e.g. to print a progress line. */
  onProgress?: (state: RunState, elapsedMs: number) => void;
  /** For tests. */
  sleep?: (ms: number) => Promise<unknown>;
  now?: () => number;
}

export interface RunResult extends RunState {
  apiVersion: JobsApiVersion;
  /** True when `result_state` is SUCCESS. */
  succeeded: boolean;
}

/**
 * Calls the Jobs API, newest version first: a 404 on 2.2 is asked again on 2.1, and the version
 * that answered is kept for later calls. 429 and 5xx are retried with `retry`.
 */
export class JobsApi {
  version: JobsApiVersion = JOBS_API_VERSIONS[0];

  constructor(
    private readonly client: JobsClient,
    private readonly retry: RetryOptions,
  ) {}

  async call(method: 'GET' | 'POST', endpoint: string, body?: unknown): Promise<RunAnswer> {
    for (;;) {
      const path = `/api/${this.version}/jobs/${endpoint}`;
      const response = await withRetry(async () => {
        const answer = await this.client.request(method, path, body);
        if (answer.status === 429 || answer.status >= 500) throw responseError(this.client.host, method, path, answer);
        return answer;
      }, this.retry);
      const next = JOBS_API_VERSIONS[JOBS_API_VERSIONS.indexOf(this.version) + 1];
      if (response.status === 404 && next) {
        this.version = next;
        continue;
      }
      if (response.status < 200 || response.status >= 300)
        throw responseError(this.client.host, method, path, response);
      const parsed = RUN_ANSWER.safeParse(response.body ?? {});
      if (!parsed.success) {
        const issue = parsed.error.issues[0];
        throw new PipelineError(
          'DATABRICKS_BAD_ANSWER',
          `${method} ${path} answered an unexpected body (${issue ? `${issue.path.join('.')}: ${issue.message}` : 'no detail'}): ${JSON.stringify(response.body).slice(0, 200)}`,
        );
      }
      return parsed.data;
    }
  }
}

/** What the run logic reads of a Jobs API answer (`runs/submit`, `runs/get`); other fields pass unread. */
const RUN_ANSWER = z.looseObject({
  run_id: z.number().optional(),
  run_page_url: z.string().optional(),
  state: z
    .looseObject({
      life_cycle_state: z.string().optional(),
      result_state: z.string().optional(),
      state_message: z.string().optional(),
    })
    .optional(),
});
type RunAnswer = z.infer<typeof RUN_ANSWER>;

function readState(runId: number, body: RunAnswer): RunState {
  const state = body.state ?? {};
  return {
    runId,
    lifeCycleState: state.life_cycle_state ?? 'UNKNOWN',
    ...(body.run_page_url !== undefined ? { runPageUrl: body.run_page_url } : {}),
    ...(state.result_state !== undefined ? { resultState: state.result_state } : {}),
    ...(state.state_message ? { stateMessage: state.state_message } : {}),
  };
}

/** One progress line: `run 42 RUNNING after 35s`. */
export function progressLine(state: RunState, elapsedMs: number): string {
  const result = state.resultState ? ` ${state.resultState}` : '';
  const message = state.stateMessage ? ` (${state.stateMessage})` : '';
  return `run ${state.runId} ${state.lifeCycleState}${result} after ${Math.round(elapsedMs / 1000)}s${message}`;
}

/** Submits the run and polls it to a terminal state. Does not throw for a failed run: see `succeeded`. */
export async function submitAndWait(
  client: JobsClient,
  options: SubmitRunOptions,
  run: RunJobOptions,
): Promise<RunResult> {
  const api = new JobsApi(client, run.retry);
  const now = run.now ?? Date.now;
  const wait = run.sleep ?? ((ms: number) => sleep(ms));
  const started = now();
  const submitted = await api.call('POST', 'runs/submit', submitRunBody(options));
  const runId = submitted.run_id;
  if (typeof runId !== 'number')
    throw new PipelineError(
      'DATABRICKS_BAD_ANSWER',
      `runs/submit answered without a run_id: ${JSON.stringify(submitted)}`,
    );
  for (;;) {
    const state = readState(runId, await api.call('GET', `runs/get?run_id=${runId}`));
    run.onProgress?.(state, now() - started);
    if ((TERMINAL_STATES as readonly string[]).includes(state.lifeCycleState)) {
      return { ...state, apiVersion: api.version, succeeded: state.resultState === 'SUCCESS' };
    }
    await wait(run.pollIntervalMs);
  }
}

/** The one-line reason a finished run did not succeed, or undefined when it did. */
export function failureReason(result: RunResult): string | undefined {
  if (result.succeeded) return undefined;
  const message = result.stateMessage ? `: ${result.stateMessage}` : '';
  const page = result.runPageUrl ? `; see ${result.runPageUrl}` : '';
  return `run ${result.runId} ended ${result.lifeCycleState}${result.resultState ? `/${result.resultState}` : ''}${message}${page}`;
}
