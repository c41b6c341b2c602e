/**
 * dags/pinterest_local_dag.py end to end on real Airflow 3: the test starts the local stack (the
 * code of `npm run stack`, in this process), runs the DAG with dag.test() (its tasks are the npm
 * scripts create-topics, emulate:batch, clean and analyse) and stops the stack. A user id of its own
 * names the topics and the bucket; the workspace's output/ receives the cleaned tables and the report.
 */
import assert from 'node:assert/strict';
import { existsSync, readFileSync, statSync } from 'node:fs';
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Writable } from 'node:stream';
import { after, before, describe, test } from 'node:test';
import { projectPath } from '../../src/config';
import { DEFAULT_DATA_DIR, readRunningStack } from '../../src/local-stack/start-local-stack';
import { airflowEnv, DAGS_DIR } from '../../src/orchestration/airflow-dags';
import { main as stackMain } from '../../scripts/stack';
import { pythonSkip, runPython } from './python-env';

const USER_ID = `afl${process.pid}`;
const POSTS = 120;

describe('dag.test() of pinterest_local_dag on the local stack', { skip: pythonSkip() }, () => {
  let dir: string;
  const stop = new AbortController();
  let stack: Promise<void> | undefined;
  const started = Date.now();

  before(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'pp-airflow-local-'));
    const dataDir = projectPath(DEFAULT_DATA_DIR);
    assert.equal(
      await readRunningStack(dataDir),
      undefined,
      `a local stack already runs from ${dataDir}; stop it (Ctrl-C in its terminal) before this test`,
    );
    let log = '';
    const out = new Writable({
      write(chunk, _encoding, done) {
        log += String(chunk);
        done();
      },
    });
    stack = stackMain(
      [
        '--user-id',
        USER_ID,
        '--data-dir',
        dataDir,
        '--gateway-port',
        '0',
        '--rest-proxy-port',
        '0',
        '--s3-port',
        '0',
        '--kinesis-port',
        '0',
      ],
      { signal: stop.signal, out },
    );
    for (let i = 0; i < 600 && !(await readRunningStack(dataDir)); i++) await new Promise((r) => setTimeout(r, 100));
    assert.ok(await readRunningStack(dataDir), `the local stack did not start: ${log}`);
  });
  after(async () => {
    stop.abort();
    await stack;
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  test('runs create_topics, emulate_batch, clean_batch and analyse to success and writes the report', async () => {
    // No credentials/ (the local stack, not AWS), this test's user id, a small emulation.
    await mkdir(path.join(dir, 'credentials'));
    const env = airflowEnv(path.join(dir, 'airflow'), {
      PP_USER_ID: USER_ID,
      PP_CREDENTIALS_DIR: path.join(dir, 'credentials'),
      PINTEREST_POST_COUNT: String(POSTS),
    });
    for (const name of ['PP_INVOKE_URL', 'PP_BUCKET', 'PP_SOURCE']) delete env[name];
    const run = await runPython(
      [path.join(__dirname, 'airflow_dag_test.py'), DAGS_DIR, 'pinterest_local_dag', '--no-retries'],
      { env },
    );
    assert.equal(run.code, 0, `${run.stdout.slice(-4000)}\n${run.stderr.slice(-4000)}`);
    const lines = run.stdout.trim().split('\n');
    const result = JSON.parse(lines[lines.length - 1]) as { state: string; tasks: Record<string, string> };
    assert.deepEqual(
      result,
      {
        state: 'success',
        tasks: { create_topics: 'success', emulate_batch: 'success', clean_batch: 'success', analyse: 'success' },
      },
      run.stdout.slice(-4000),
    );

    const report = projectPath('output', 'report.html');
    assert.ok(existsSync(report) && statSync(report).mtimeMs >= started, 'output/report.html written by this run');
    assert.match(readFileSync(report, 'utf8'), /<html/i);
    const pins = readFileSync(projectPath('output', 'clean', 'pin.jsonl'), 'utf8')
      .trim()
      .split('\n');
    assert.ok(
      pins.length > POSTS * 0.5 && pins.length <= POSTS,
      `the cleaned pins of the ${POSTS} emulated posts (${pins.length})`,
    );
  });
});
