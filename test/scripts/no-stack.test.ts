import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { groupOutlived, runTsScript } from '../support/run-process';

/** Every step script that talks to the local stack, with the arguments a learner would give. */
const STEP_SCRIPTS: [script: string, args: string[]][] = [
  ['scripts/create-topics.ts', []],
  ['scripts/emulate-batch.ts', []],
  ['scripts/emulate-stream.ts', []],
  ['scripts/clean-batch.ts', []],
  ['scripts/stream.ts', []],
  ['scripts/download-bucket.ts', ['--to', 'unused']],
  ['scripts/doctor.ts', []],
  ['scripts/produce-sample.ts', []],
];

/**
 * With no local stack running, no step script starts one of its own: each fails at once with one
 * line saying to start it, and leaves no process behind (PIPELINE_SPEC.md §9).
 */
describe('with no local stack running, each step script fails at once saying to start it', () => {
  let dir: string;
  before(async () => { dir = await mkdtemp(path.join(tmpdir(), 'pp-no-stack-')); });
  after(async () => { await rm(dir, { recursive: true, force: true }); });

  for (const [script, args] of STEP_SCRIPTS) {
    test(script, { timeout: 60_000 }, async () => {
      const dataDir = path.join(dir, path.basename(script, '.ts'));
      const run = await runTsScript(script, [...args, '--data-dir', dataDir], { group: true, timeoutMs: 30_000, env: { ...process.env, PP_CREDENTIALS_DIR: dir } });
      assert.equal(run.code, 1, run.stderr);
      assert.deepEqual(run.errors, [`error: no local stack is running in ${dataDir}: start it with \`npm run stack\` -- --data-dir ${dataDir} (in another terminal, or with --background)`]);
      assert.ok(run.ms < 5_000, `it took ${Math.round(run.ms)} ms to say so`);
      assert.equal(await groupOutlived(run.pid), false, 'no process it started is left');
    });
  }
});
