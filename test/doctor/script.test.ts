/**
 * `npm run doctor` as a learner runs it: the real script, spawned. With no aws.yaml it checks the
 * local stack running from its data folder (started here as `npm run stack` starts it, then
 * `create-topics`'s topics and streams): exit 0 when every hop is ✅, exit 1 with one `error:` line
 * when one is ❌ (here Databricks refusing the token). With no stack running it says to start one.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { fakeDatabricks, type FakeDatabricks } from './helpers';
import { EPHEMERAL_PORTS, startLocalStack, type LocalStack } from '../../src/local-stack/start-local-stack';
import { runTsScript } from '../support/run-process';

describe('npm run doctor, spawned', { timeout: 200_000 }, () => {
  const work = mkdtempSync(path.join(tmpdir(), 'pp-doctor-script-'));
  const credentials = mkdtempSync(path.join(work, 'credentials-'));
  let dbx: FakeDatabricks;
  const userId = `dsc-${randomBytes(4).toString('hex')}`;
  const env = (extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv => {
    const out: NodeJS.ProcessEnv = { ...process.env, PP_CREDENTIALS_DIR: credentials, PP_USER_ID: userId, ...extra };
    for (const name of [
      'PP_SOURCE',
      'DB_HOST',
      'DB_PORT',
      'DB_USER',
      'DB_PASSWORD',
      'DB_DATABASE',
      'PP_INVOKE_URL',
      'PP_KINESIS_VIA',
      'DATABRICKS_HOST',
      'DATABRICKS_TOKEN',
      'DATABRICKS_CLUSTER_ID',
      'DATABRICKS_NOTEBOOK_PATH',
      'PP_DEBUG',
    ]) {
      if (!(name in extra)) delete out[name];
    }
    return out;
  };
  const dataDir = path.join(work, 'stack');
  let stack: LocalStack;

  before(async () => {
    dbx = await fakeDatabricks('dapi-the-right-one');
    stack = await startLocalStack({
      dataDir,
      ports: EPHEMERAL_PORTS,
      userId,
      provision: true,
      logger: { info: () => undefined, warn: () => undefined, error: () => undefined },
    });
  });
  after(async () => {
    await stack.stop();
    await dbx.close();
    rmSync(work, { recursive: true, force: true });
  });

  test('every hop healthy: the lines, then exit 0', async () => {
    const run = await runTsScript('scripts/doctor.ts', ['--data-dir', dataDir], { env: env() });
    const context = `stdout:\n${run.stdout}\nstderr:\n${run.stderr}`;
    assert.equal(run.code, 0, context);
    assert.match(run.stdout, /^doctor: checking the local stack running from .* for user dsc-/m, context);
    assert.equal(run.stdout.split('\n').filter((l) => l.startsWith('✅ ')).length, 4, context);
    assert.equal(run.stdout.split('\n').filter((l) => l.startsWith('– ')).length, 2, context);
    assert.match(run.stdout, /every hop is healthy/);
    assert.doesNotMatch(run.stderr, /^error:/m, context);
  });

  test('Databricks refusing the token: its ❌ line, one error: line, exit 1', async () => {
    const run = await runTsScript('scripts/doctor.ts', ['--data-dir', dataDir, '--timeout', '10'], {
      env: env({ DATABRICKS_HOST: dbx.host, DATABRICKS_TOKEN: 'dapi-expired-one', DATABRICKS_CLUSTER_ID: '0101-abc' }),
    });
    const context = `stdout:\n${run.stdout}\nstderr:\n${run.stderr}`;
    assert.equal(run.code, 1, context);
    assert.match(
      run.stdout,
      /^❌ Databricks: http:\/\/127\.0\.0\.1:\d+ refused the token \(401\) — fix: DATABRICKS_TOKEN is not valid/m,
      context,
    );
    assert.equal(run.stdout.split('\n').filter((l) => l.startsWith('✅ ')).length, 4, context);
    const errors = run.stderr.split('\n').filter((l) => l.startsWith('error:'));
    assert.deepEqual(
      errors,
      ['error: 1 hop failed (Databricks); fix the first ❌ and run npm run doctor again'],
      context,
    );
    assert.doesNotMatch(run.stdout + run.stderr, /dapi-expired-one/);
  });

  test('no stack running: one line saying to start it, exit 1', async () => {
    const empty = path.join(work, 'no-stack-here');
    const run = await runTsScript('scripts/doctor.ts', ['--data-dir', empty], { env: env() });
    assert.equal(run.code, 1, run.stderr);
    assert.deepEqual(run.errors, [
      `error: no local stack is running in ${empty}: start it with \`npm run stack\` -- --data-dir ${empty} (in another terminal, or with --background)`,
    ]);
  });

  test('--help prints the usage and exits 0', async () => {
    const run = await runTsScript('scripts/doctor.ts', ['--help'], { env: env() });
    assert.equal(run.code, 0, run.stderr);
    assert.match(run.stdout, /^Usage: npm run doctor -- \[options\]/);
    assert.match(run.stdout, /--timeout SECONDS/);
    assert.match(run.stdout, /--local/);
  });

  test('a wrong --timeout is one error line and exit 1', async () => {
    const run = await runTsScript('scripts/doctor.ts', ['--timeout', 'soon'], { env: env() });
    assert.equal(run.code, 1);
    assert.match(run.stderr, /^error: --timeout expects a number >= 1, got "soon"$/m);
  });
});
