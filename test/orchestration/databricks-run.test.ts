import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, beforeEach, describe, test } from 'node:test';
import { promisify } from 'node:util';
import { PROJECT_ROOT } from '../../src/config';
import { PipelineError } from '../../src/errors';
import type { HttpClient } from '../../src/http-client';
import {
  createDatabricksHttpClient,
  createJobsClient,
  describeSubmitRequest,
  failureReason,
  progressLine,
  submitAndWait,
  submitRunBody,
  type RunJobOptions,
  type SubmitRunOptions,
} from '../../src/orchestration/databricks-run';

const run = promisify(execFile);
const TOKEN = 'dapi-test-token-0123456789';

interface Seen {
  method: string;
  url: string;
  authorization?: string;
  body?: unknown;
}

type Answer = { status: number; body?: unknown };

/**
 * A stand-in for the Databricks Jobs API: `runs/submit` answers `{run_id}`, `runs/get` walks through
 * the queued states. `answers` can put special answers (401, 429, 404, ...) in front, per path.
 */
class FakeJobsApi {
  server: Server = createServer(
    (req, res) =>
      void this.handle(req).then((a) => {
        res.writeHead(a.status, { 'Content-Type': 'application/json' });
        res.end(a.body === undefined ? '' : JSON.stringify(a.body));
      }),
  );
  seen: Seen[] = [];
  states: Record<string, unknown>[] = [];
  /** Answers given before the normal ones, keyed by path without query (e.g. `/api/2.2/jobs/runs/submit`). */
  answers = new Map<string, Answer[]>();
  /** API versions this workspace serves. */
  versions = ['2.2', '2.1'];
  url = '';

  async start(): Promise<void> {
    await new Promise<void>((resolve) => this.server.listen(0, '127.0.0.1', resolve));
    this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  reset(): void {
    this.seen = [];
    this.states = [];
    this.answers.clear();
    this.versions = ['2.2', '2.1'];
  }

  private async handle(req: IncomingMessage): Promise<Answer> {
    let text = '';
    for await (const chunk of req) text += chunk;
    const url = req.url ?? '';
    this.seen.push({
      method: req.method ?? '',
      url,
      authorization: req.headers.authorization,
      ...(text ? { body: JSON.parse(text) } : {}),
    });
    const route = url.split('?')[0];
    const queued = this.answers.get(route);
    if (queued?.length) return queued.shift() as Answer;
    if (req.headers.authorization !== `Bearer ${TOKEN}`)
      return { status: 401, body: { error_code: 'UNAUTHENTICATED', message: 'Invalid access token.' } };
    const match = /^\/api\/(2\.\d)\/jobs\/(runs\/submit|runs\/get)$/.exec(route);
    if (!match || !this.versions.includes(match[1]))
      return {
        status: 404,
        body: { error_code: 'ENDPOINT_NOT_FOUND', message: `No API found for '${req.method} ${route}'` },
      };
    if (match[2] === 'runs/submit') return { status: 200, body: { run_id: 4242 } };
    const runId = Number(new URL(url, this.url).searchParams.get('run_id'));
    const state = this.states.length > 1 ? this.states.shift() : this.states[0];
    return { status: 200, body: { run_id: runId, run_page_url: `${this.url}/#job/1/run/${runId}`, state } };
  }
}

const SUBMIT: SubmitRunOptions = {
  runName: 'localuser_dag one-time run',
  clusterId: '0123-456789-abc',
  notebookPath: '/Users/me/databricks/batch_clean',
  baseParameters: { user_id: 'localuser' },
};

const EXPECTED_BODY = {
  run_name: 'localuser_dag one-time run',
  timeout_seconds: 0,
  tasks: [
    {
      task_key: 'notebook',
      existing_cluster_id: '0123-456789-abc',
      notebook_task: { notebook_path: '/Users/me/databricks/batch_clean', base_parameters: { user_id: 'localuser' } },
    },
  ],
};

const PENDING = { life_cycle_state: 'PENDING', state_message: 'Waiting for cluster' };
const RUNNING = { life_cycle_state: 'RUNNING', state_message: '' };

describe('databricks-run against a Jobs API stand-in', () => {
  const api = new FakeJobsApi();
  let progress: string[] = [];
  const options = (): RunJobOptions => ({
    retry: { retries: 3, baseDelayMs: 1, maxDelayMs: 2 },
    pollIntervalMs: 0,
    sleep: async () => undefined,
    onProgress: (state, elapsed) => progress.push(progressLine(state, elapsed)),
  });
  const opened: HttpClient[] = [];
  const jobsClient = (host: string, token: string) => {
    const http = createDatabricksHttpClient({ host, token });
    opened.push(http);
    return createJobsClient(http);
  };
  const client = () => jobsClient(`${api.url}/`, TOKEN);

  before(() => api.start());
  after(async () => {
    for (const http of opened) http.close();
    await new Promise<void>((resolve) => api.server.close(() => resolve()));
  });
  beforeEach(() => {
    api.reset();
    progress = [];
  });

  test('submit, then PENDING → RUNNING → TERMINATED/SUCCESS, with the exact requests', async () => {
    api.states = [PENDING, RUNNING, { life_cycle_state: 'TERMINATED', result_state: 'SUCCESS', state_message: '' }];
    const result = await submitAndWait(client(), SUBMIT, options());
    assert.equal(result.succeeded, true);
    assert.equal(result.apiVersion, '2.2');
    assert.equal(result.runPageUrl, `${api.url}/#job/1/run/4242`);
    assert.equal(failureReason(result), undefined);
    assert.deepEqual(
      api.seen.map((s) => `${s.method} ${s.url}`),
      [
        'POST /api/2.2/jobs/runs/submit',
        'GET /api/2.2/jobs/runs/get?run_id=4242',
        'GET /api/2.2/jobs/runs/get?run_id=4242',
        'GET /api/2.2/jobs/runs/get?run_id=4242',
      ],
    );
    assert.deepEqual(api.seen[0].body, EXPECTED_BODY);
    assert.ok(api.seen.every((s) => s.authorization === `Bearer ${TOKEN}`));
    assert.equal(progress.length, 3);
    assert.match(progress[0], /^run 4242 PENDING after \d+s \(Waiting for cluster\)$/);
    assert.match(progress[2], /^run 4242 TERMINATED SUCCESS after \d+s$/);
  });

  test('TERMINATED/FAILED is a failed run with its message and page', async () => {
    api.states = [
      RUNNING,
      { life_cycle_state: 'TERMINATED', result_state: 'FAILED', state_message: 'Notebook raised an exception' },
    ];
    const result = await submitAndWait(client(), SUBMIT, options());
    assert.equal(result.succeeded, false);
    assert.equal(
      failureReason(result),
      `run 4242 ended TERMINATED/FAILED: Notebook raised an exception; see ${api.url}/#job/1/run/4242`,
    );
  });

  test('INTERNAL_ERROR ends the polling without a result state', async () => {
    api.states = [PENDING, { life_cycle_state: 'INTERNAL_ERROR', state_message: 'Cluster terminated unexpectedly' }];
    const result = await submitAndWait(client(), SUBMIT, options());
    assert.equal(result.succeeded, false);
    assert.equal(result.lifeCycleState, 'INTERNAL_ERROR');
    assert.match(failureReason(result) as string, /^run 4242 ended INTERNAL_ERROR: Cluster terminated unexpectedly/);
    assert.equal(api.seen.length, 3);
  });

  test('401: one request, then an error naming DATABRICKS_TOKEN', async () => {
    const bad = jobsClient(api.url, 'wrong-token');
    await assert.rejects(submitAndWait(bad, SUBMIT, options()), (error: unknown) => {
      assert.ok(error instanceof PipelineError);
      assert.equal(error.code, 'DATABRICKS_UNAUTHORIZED');
      assert.match(error.message, /check DATABRICKS_TOKEN/);
      assert.doesNotMatch(error.message, /wrong-token/);
      return true;
    });
    assert.equal(api.seen.length, 1);
  });

  test('429 and 503 are retried', async () => {
    api.answers.set('/api/2.2/jobs/runs/submit', [
      { status: 429, body: { error_code: 'REQUEST_LIMIT_EXCEEDED', message: 'slow down' } },
    ]);
    api.answers.set('/api/2.2/jobs/runs/get', [{ status: 503, body: 'Service Unavailable' }]);
    api.states = [{ life_cycle_state: 'TERMINATED', result_state: 'SUCCESS' }];
    const result = await submitAndWait(client(), SUBMIT, options());
    assert.equal(result.succeeded, true);
    assert.deepEqual(
      api.seen.map((s) => `${s.method} ${s.url.split('?')[0]}`),
      [
        'POST /api/2.2/jobs/runs/submit',
        'POST /api/2.2/jobs/runs/submit',
        'GET /api/2.2/jobs/runs/get',
        'GET /api/2.2/jobs/runs/get',
      ],
    );
    assert.deepEqual(api.seen[1].body, EXPECTED_BODY);
  });

  test('429 until the retries are spent: a retriable error with the answer', async () => {
    api.answers.set(
      '/api/2.2/jobs/runs/submit',
      Array.from({ length: 10 }, () => ({
        status: 429,
        body: { error_code: 'REQUEST_LIMIT_EXCEEDED', message: 'slow down' },
      })),
    );
    await assert.rejects(
      submitAndWait(client(), SUBMIT, options()),
      /answered 429 to POST \/api\/2\.2\/jobs\/runs\/submit: REQUEST_LIMIT_EXCEEDED: slow down/,
    );
    assert.equal(api.seen.length, 4);
  });

  test('a workspace without 2.2 (404) is asked on 2.1, for the submit and every poll', async () => {
    api.versions = ['2.1'];
    api.states = [RUNNING, { life_cycle_state: 'TERMINATED', result_state: 'SUCCESS' }];
    const result = await submitAndWait(client(), SUBMIT, options());
    assert.equal(result.succeeded, true);
    assert.equal(result.apiVersion, '2.1');
    assert.deepEqual(
      api.seen.map((s) => `${s.method} ${s.url}`),
      [
        'POST /api/2.2/jobs/runs/submit',
        'POST /api/2.1/jobs/runs/submit',
        'GET /api/2.1/jobs/runs/get?run_id=4242',
        'GET /api/2.1/jobs/runs/get?run_id=4242',
      ],
    );
    assert.deepEqual(api.seen[1].body, EXPECTED_BODY);
  });

  test('no server at the host: a retriable DATABRICKS_UNREACHABLE naming DATABRICKS_HOST, with the cause', async () => {
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const { port } = closed.address() as AddressInfo;
    await new Promise<void>((resolve) => closed.close(() => resolve()));
    const unreachable = jobsClient(`http://127.0.0.1:${port}`, TOKEN);
    await assert.rejects(unreachable.request('GET', '/api/2.2/jobs/runs/get?run_id=1'), (error: unknown) => {
      assert.ok(error instanceof PipelineError);
      assert.equal(error.code, 'DATABRICKS_UNREACHABLE');
      assert.equal(error.retriable, true);
      assert.match(
        error.message,
        new RegExp(
          `^cannot reach http://127\\.0\\.0\\.1:${port} \\(connect ECONNREFUSED [^)]+\\); check DATABRICKS_HOST$`,
        ),
      );
      assert.equal(((error.cause as PipelineError).cause as NodeJS.ErrnoException).code, 'ECONNREFUSED');
      return true;
    });
  });

  test('a 404 on 2.1 too is an error', async () => {
    api.versions = [];
    await assert.rejects(
      submitAndWait(client(), SUBMIT, options()),
      /answered 404 to POST \/api\/2\.1\/jobs\/runs\/submit/,
    );
  });

  test('the dry-run description has the body and no token', () => {
    const request = describeSubmitRequest('https://dbc-1.cloud.databricks.com/', submitRunBody(SUBMIT));
    assert.equal(request.url, 'https://dbc-1.cloud.databricks.com/api/2.2/jobs/runs/submit');
    assert.deepEqual(request.body, EXPECTED_BODY);
    assert.deepEqual(request.headers, { Authorization: 'Bearer ***', 'Content-Type': 'application/json' });
  });

  describe('scripts/databricks-run.ts', () => {
    let credentialsDir = '';
    before(async () => {
      credentialsDir = await mkdtemp(path.join(tmpdir(), 'pp-dbx-creds-'));
    });
    after(() => rm(credentialsDir, { recursive: true, force: true }));

    const script = (args: string[]) =>
      run(process.execPath, ['--import', 'tsx', path.join(PROJECT_ROOT, 'scripts', 'databricks-run.ts'), ...args], {
        cwd: PROJECT_ROOT,
        env: {
          ...process.env,
          PP_CREDENTIALS_DIR: credentialsDir,
          DATABRICKS_HOST: api.url,
          DATABRICKS_TOKEN: TOKEN,
          DATABRICKS_CLUSTER_ID: '0123-456789-abc',
          DATABRICKS_NOTEBOOK_PATH: '/Users/me/databricks/batch_clean',
        },
      });

    test('--dry-run prints the request with the token redacted and sends nothing', async () => {
      const { stdout } = await script(['--dry-run']);
      const printed = JSON.parse(stdout);
      assert.equal(printed.url, `${api.url}/api/2.2/jobs/runs/submit`);
      assert.deepEqual(printed.body, EXPECTED_BODY);
      assert.doesNotMatch(stdout, new RegExp(TOKEN));
      assert.equal(api.seen.length, 0);
    });

    test('a successful run prints progress and the run page and exits 0', async () => {
      api.states = [RUNNING, { life_cycle_state: 'TERMINATED', result_state: 'SUCCESS' }];
      const { stdout } = await script(['--poll-seconds', '1']);
      assert.match(stdout, /run 4242 RUNNING after \d+s/);
      assert.match(stdout, new RegExp(`run page: ${api.url}/#job/1/run/4242`));
    });

    test('a failed run exits 1 with a one-line reason', async () => {
      api.states = [{ life_cycle_state: 'TERMINATED', result_state: 'FAILED', state_message: 'boom' }];
      await assert.rejects(script([]), (error: { code: number; stderr: string }) => {
        assert.equal(error.code, 1);
        assert.equal(
          error.stderr.trim(),
          `error: run 4242 ended TERMINATED/FAILED: boom; see ${api.url}/#job/1/run/4242`,
        );
        return true;
      });
    });

    test('401 exits 1 saying to check DATABRICKS_TOKEN', async () => {
      api.answers.set('/api/2.2/jobs/runs/submit', [
        { status: 401, body: { error_code: 'UNAUTHENTICATED', message: 'Invalid access token.' } },
      ]);
      await assert.rejects(script([]), (error: { code: number; stderr: string }) => {
        assert.equal(error.code, 1);
        assert.match(
          error.stderr.trim(),
          /^error: Databricks answered 401 to POST \/api\/2\.2\/jobs\/runs\/submit; check DATABRICKS_TOKEN/,
        );
        assert.equal(error.stderr.trim().split('\n').length, 1);
        return true;
      });
    });
  });
});
