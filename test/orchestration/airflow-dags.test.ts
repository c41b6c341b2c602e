/**
 * The DAGs of dags/ on real Airflow 3 (.venv, npm run setup:python): loaded by a DagBag, imported with
 * DeprecationWarning as an error, and the Databricks DAG run with dag.test() against a local Jobs API
 * stand-in over https (a self-signed certificate made here, trusted through REQUESTS_CA_BUNDLE).
 * The local DAG's end-to-end run is in airflow-local-dag.test.ts.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer, type Server } from 'node:https';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { DEFAULT_USER_ID, namesFor, PROJECT_ROOT } from '../../src/config';
import {
  airflowEnv,
  DAGS_DIR,
  listDagFiles,
  readDagFacts,
  type DagBagFacts,
  type DagFacts,
} from '../../src/orchestration/airflow-dags';
import { pythonSkip, runPython } from './python-env';

const DAG_TEST = path.join(__dirname, 'airflow_dag_test.py');

/** The last line of a Python helper's output: its JSON. */
function lastJson<T>(stdout: string): T {
  const lines = stdout.trim().split('\n');
  return JSON.parse(lines[lines.length - 1]) as T;
}

function assertDagBasics(dag: DagFacts, file: string): void {
  assert.equal(dag.file, file);
  assert.ok(dag.docstring && dag.docstring.length > 80, 'module docstring');
  assert.equal(dag.schedule, '@daily');
  assert.equal(dag.catchup, false);
  assert.ok(Date.parse(dag.start_date) < Date.now(), 'fixed start_date in the past');
  assert.equal(typeof dag.default_args.owner, 'string');
  assert.equal(typeof dag.default_args.retries, 'number');
  assert.deepEqual(Object.keys(dag.default_args.retry_delay as object), ['seconds'], 'retry_delay is a timedelta');
  const source = readFileSync(path.join(DAGS_DIR, file), 'utf8');
  assert.match(source, /^DAG_ID = /m, 'a DAG_ID constant');
  assert.match(source, /^from airflow\.sdk import DAG$/m, 'Airflow 3 import');
  assert.doesNotMatch(
    source,
    /Variable\.get|from airflow\.models|from airflow import DAG|airflow\.operators\./,
    'no Airflow 2 imports, no metadata calls at parse time',
  );
  for (const task of dag.tasks) {
    assert.match(
      source,
      new RegExp(`^    ${task.task_id} = \\w+\\(\\n        task_id="${task.task_id}",`, 'm'),
      `task_id equals the variable name: ${task.task_id}`,
    );
    assert.equal(task.owner, dag.default_args.owner, 'default args reach the tasks');
    assert.equal(task.retries, dag.default_args.retries);
  }
  const edges = dag.tasks.flatMap((t) => t.downstream.map((d) => `${t.task_id} >> ${d}`));
  const lastLine = source.trimEnd().split('\n').pop()?.trim();
  assert.equal(lastLine, dag.tasks.length ? chain(dag) : '', 'dependencies wired with >> at the end');
  assert.ok(edges.length === dag.tasks.length - 1);
}

/** The `a >> b >> c` line of a DAG whose tasks form one chain. */
function chain(dag: DagFacts): string {
  const byId = new Map(dag.tasks.map((t) => [t.task_id, t]));
  const first = dag.tasks.find((t) => !dag.tasks.some((o) => o.downstream.includes(t.task_id)));
  const order: string[] = [];
  for (let t = first; t; t = t.downstream.length === 1 ? byId.get(t.downstream[0]) : undefined) order.push(t.task_id);
  return order.join(' >> ');
}

describe('the DAGs on real Airflow 3', { skip: pythonSkip() }, () => {
  let home: string;
  let facts: DagBagFacts;

  before(async () => {
    home = await mkdtemp(path.join(tmpdir(), 'pp-airflow-'));
    facts = await readDagFacts();
  });
  after(async () => {
    if (home) await rm(home, { recursive: true, force: true });
  });

  test('the DagBag loads both DAGs with no import errors and no warnings from our files', () => {
    assert.deepEqual(facts.import_errors, {});
    assert.deepEqual(facts.warnings, []);
    assert.deepEqual(listDagFiles(), ['localuser_dag.py', 'pinterest_local_dag.py']);
    assert.deepEqual(Object.keys(facts.dags).sort(), [namesFor(DEFAULT_USER_ID).dagId, 'pinterest_local_dag'].sort());
  });

  for (const file of ['localuser_dag.py', 'pinterest_local_dag.py']) {
    test(`python -W error::DeprecationWarning imports dags/${file}`, async () => {
      const run = await runPython(
        [
          '-W',
          'error::DeprecationWarning',
          '-c',
          `import sys; sys.path.insert(0, ${JSON.stringify(DAGS_DIR)}); import ${file.replace(/\.py$/, '')}`,
        ],
        { env: airflowEnv(home) },
      );
      assert.equal(run.code, 0, run.stderr.slice(-3000));
    });
  }

  test(`dags/${DEFAULT_USER_ID}_dag.py submits batch_clean then analysis to Databricks`, () => {
    const dagId = namesFor(DEFAULT_USER_ID).dagId;
    const dag = facts.dags[dagId];
    assertDagBasics(dag, `${dagId}.py`);
    assert.deepEqual(dag.default_args, {
      owner: DEFAULT_USER_ID,
      depends_on_past: false,
      retries: 2,
      retry_delay: { seconds: 300 },
    });
    assert.deepEqual(
      dag.tasks.map((t) => [t.task_id, t.class, t.module]),
      [
        ['batch_clean', 'DatabricksSubmitRunOperator', 'airflow.providers.databricks.operators.databricks'],
        ['analysis', 'DatabricksSubmitRunOperator', 'airflow.providers.databricks.operators.databricks'],
      ],
    );
    const notebookDir = `/Users/${DEFAULT_USER_ID}/pinterest-pipeline/databricks`;
    const [batchClean, analysis] = dag.tasks;
    for (const task of dag.tasks) {
      assert.equal(task.arguments.databricks_conn_id, 'databricks_default');
      assert.equal(
        task.arguments.existing_cluster_id,
        "{{ var.value.get('databricks_cluster_id', '1234-567890-abcdefgh') }}",
      );
    }
    assert.deepEqual(batchClean.arguments.notebook_task, {
      notebook_path: `{{ var.value.get('databricks_notebook_dir', '${notebookDir}') }}/batch_clean`,
      base_parameters: { user_id: DEFAULT_USER_ID, sink_access: 'instance_profile' },
    });
    assert.deepEqual(analysis.arguments.notebook_task, {
      notebook_path: `{{ var.value.get('databricks_notebook_dir', '${notebookDir}') }}/analysis`,
      base_parameters: { user_id: DEFAULT_USER_ID },
    });
    for (const name of ['batch_clean.sql', 'analysis.sql'])
      assert.ok(existsSync(path.join(PROJECT_ROOT, 'databricks', name)), `databricks/${name}`);
    assert.deepEqual(batchClean.downstream, ['analysis']);
    assert.deepEqual(analysis.downstream, []);
  });

  test('dags/pinterest_local_dag.py runs the npm scripts in order in the workspace', () => {
    const dag = facts.dags.pinterest_local_dag;
    assertDagBasics(dag, 'pinterest_local_dag.py');
    assert.deepEqual(dag.default_args, {
      owner: 'pinterest-pipeline',
      depends_on_past: false,
      retries: 1,
      retry_delay: { seconds: 60 },
    });
    assert.deepEqual(
      dag.tasks.map((t) => [t.task_id, t.class, t.arguments.bash_command, t.arguments.cwd]),
      [
        ['create_topics', 'BashOperator', 'npm run create-topics', PROJECT_ROOT],
        ['emulate_batch', 'BashOperator', 'npm run emulate:batch -- --count 500', PROJECT_ROOT],
        ['clean_batch', 'BashOperator', 'npm run clean', PROJECT_ROOT],
        ['analyse', 'BashOperator', 'npm run analyse', PROJECT_ROOT],
      ],
    );
    const scripts = (
      JSON.parse(readFileSync(path.join(PROJECT_ROOT, 'package.json'), 'utf8')) as { scripts: Record<string, string> }
    ).scripts;
    for (const name of ['create-topics', 'emulate:batch', 'clean', 'analyse'])
      assert.ok(scripts[name], `npm run ${name} exists`);
  });
});

interface JobsRequest {
  method: string;
  path: string;
  body: unknown;
}

/** The Jobs API 2.2 stand-in: runs/submit gives a run id, runs/get walks each run PENDING → RUNNING → TERMINATED SUCCESS. */
function startJobsApi(key: string, cert: string): Promise<{ server: Server; port: number; requests: JobsRequest[] }> {
  const requests: JobsRequest[] = [];
  const polls = new Map<number, number>();
  let nextRun = 700;
  const server = createServer({ key, cert }, (req, res) => {
    let body = '';
    req.on('data', (chunk: Buffer) => {
      body += chunk.toString();
    });
    req.on('end', () => {
      const url = new URL(req.url ?? '/', 'https://localhost');
      requests.push({
        method: req.method ?? '',
        path: url.pathname + url.search,
        body: body ? JSON.parse(body) : null,
      });
      const reply = (status: number, value: unknown) => {
        res.writeHead(status, { 'content-type': 'application/json' });
        res.end(JSON.stringify(value));
      };
      if (req.headers.authorization !== 'Bearer dapi-test-token')
        return reply(401, { error_code: 'UNAUTHENTICATED', message: 'bad token' });
      if (req.method === 'POST' && url.pathname === '/api/2.2/jobs/runs/submit') {
        nextRun += 1;
        polls.set(nextRun, 0);
        return reply(200, { run_id: nextRun });
      }
      if (req.method === 'GET' && url.pathname === '/api/2.2/jobs/runs/get') {
        const runId = Number(url.searchParams.get('run_id'));
        if (!polls.has(runId)) return reply(404, { error_code: 'RESOURCE_DOES_NOT_EXIST', message: `run ${runId}` });
        const n = (polls.get(runId) ?? 0) + 1;
        polls.set(runId, n);
        const state =
          n <= 1
            ? { life_cycle_state: 'PENDING', state_message: '' }
            : n <= 2
              ? { life_cycle_state: 'RUNNING', state_message: '' }
              : { life_cycle_state: 'TERMINATED', result_state: 'SUCCESS', state_message: '' };
        return reply(200, { run_id: runId, run_page_url: `https://127.0.0.1/#job/1/run/${runId}`, state, tasks: [] });
      }
      return reply(404, { error_code: 'ENDPOINT_NOT_FOUND', message: `${req.method} ${url.pathname}` });
    });
  });
  return new Promise((resolve) =>
    server.listen(0, '127.0.0.1', () => resolve({ server, port: (server.address() as AddressInfo).port, requests })),
  );
}

describe(
  `dag.test() of ${namesFor(DEFAULT_USER_ID).dagId} against a Jobs API stand-in over https`,
  { skip: pythonSkip() },
  () => {
    let dir: string;
    let api: Awaited<ReturnType<typeof startJobsApi>>;

    before(async () => {
      dir = await mkdtemp(path.join(tmpdir(), 'pp-airflow-dbx-'));
      execFileSync(
        'openssl',
        [
          'req',
          '-x509',
          '-newkey',
          'rsa:2048',
          '-nodes',
          '-days',
          '1',
          '-subj',
          '/CN=127.0.0.1',
          '-addext',
          'subjectAltName=IP:127.0.0.1',
          '-keyout',
          path.join(dir, 'key.pem'),
          '-out',
          path.join(dir, 'cert.pem'),
        ],
        { stdio: 'ignore' },
      );
      api = await startJobsApi(
        readFileSync(path.join(dir, 'key.pem'), 'utf8'),
        readFileSync(path.join(dir, 'cert.pem'), 'utf8'),
      );
    });
    after(async () => {
      api?.server.close();
      if (dir) await rm(dir, { recursive: true, force: true });
    });

    test('submits exactly the expected runs/submit bodies and follows runs/get to the end state', async () => {
      const dagId = namesFor(DEFAULT_USER_ID).dagId;
      const env = airflowEnv(path.join(dir, 'airflow'), {
        AIRFLOW_CONN_DATABRICKS_DEFAULT: JSON.stringify({
          conn_type: 'databricks',
          host: '127.0.0.1',
          port: api.port,
          password: 'dapi-test-token',
        }),
        AIRFLOW_VAR_DATABRICKS_CLUSTER_ID: '0101-test-cluster',
        REQUESTS_CA_BUNDLE: path.join(dir, 'cert.pem'),
      });
      const run = await runPython([DAG_TEST, DAGS_DIR, dagId, '--polling-seconds', '1', '--no-retries'], { env });
      assert.equal(run.code, 0, `${run.stdout.slice(-3000)}\n${run.stderr.slice(-3000)}`);
      const result = lastJson<{ state: string; tasks: Record<string, string> }>(run.stdout);
      assert.deepEqual(result, { state: 'success', tasks: { batch_clean: 'success', analysis: 'success' } });

      const submits = api.requests.filter((r) => r.path === '/api/2.2/jobs/runs/submit');
      const notebookDir = `/Users/${DEFAULT_USER_ID}/pinterest-pipeline/databricks`;
      assert.deepEqual(
        submits.map((r) => r.body),
        [
          {
            existing_cluster_id: '0101-test-cluster',
            notebook_task: {
              notebook_path: `${notebookDir}/batch_clean`,
              base_parameters: { user_id: DEFAULT_USER_ID, sink_access: 'instance_profile' },
            },
            run_name: 'batch_clean',
          },
          {
            existing_cluster_id: '0101-test-cluster',
            notebook_task: { notebook_path: `${notebookDir}/analysis`, base_parameters: { user_id: DEFAULT_USER_ID } },
            run_name: 'analysis',
          },
        ],
      );
      for (const runId of [701, 702]) {
        const gets = api.requests.filter(
          (r) =>
            r.method === 'GET' &&
            r.path.startsWith('/api/2.2/jobs/runs/get?') &&
            new URL(r.path, 'https://x').searchParams.get('run_id') === String(runId),
        );
        assert.ok(
          gets.length >= 3,
          `run ${runId} followed through PENDING and RUNNING to TERMINATED (${gets.length} runs/get)`,
        );
      }
      const order = api.requests.map((r) => `${r.method} ${r.path.split('?')[0]}`);
      assert.ok(
        order.lastIndexOf('POST /api/2.2/jobs/runs/submit') > order.indexOf('GET /api/2.2/jobs/runs/get'),
        'analysis is submitted after batch_clean was followed',
      );
      assert.ok(
        api.requests.every((r) => r.path.startsWith('/api/2.2/')),
        `only Jobs API 2.2: ${[...new Set(order)].join(', ')}`,
      );
    });
  },
);
