import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { groupOutlived, runTsScript } from '../support/run-process';

/** Every step script that talks to the local stack, with the arguments a learner would give and `--data-dir`. */
const STEP_SCRIPTS: [script: string, args: (dataDir: string) => string[]][] = [
  ['scripts/create-topics.ts', (d) => ['--data-dir', d]],
  ['scripts/emulate-batch.ts', (d) => ['--data-dir', d]],
  ['scripts/emulate-stream.ts', (d) => ['--data-dir', d]],
  ['scripts/clean-batch.ts', (d) => ['--data-dir', d]],
  ['scripts/stream.ts', (d) => ['--data-dir', d]],
  ['scripts/download-bucket.ts', (d) => ['--to', 'unused', '--data-dir', d]],
  ['scripts/doctor.ts', (d) => ['--data-dir', d]],
  ['scripts/produce-sample.ts', (d) => ['--data-dir', d]],
  ['scripts/kafka.ts', (d) => ['--data-dir', d, 'kafka-topics', '--list']],
];

/**
 * With no local stack running, no step script starts one of its own: each fails at once with one
 * line saying to start it, and leaves no process behind (PIPELINE_SPEC.md §9).
 */
describe('with no local stack running, each step script fails at once saying to start it', () => {
  let dir: string;
  before(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'pp-no-stack-'));
  });
  after(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  for (const [script, args] of STEP_SCRIPTS) {
    test(script, { timeout: 60_000 }, async () => {
      const dataDir = path.join(dir, path.basename(script, '.ts'));
      const run = await runTsScript(script, args(dataDir), {
        group: true,
        timeoutMs: 30_000,
        env: { ...process.env, PP_CREDENTIALS_DIR: dir },
      });
      assert.equal(run.code, 1, run.stderr);
      assert.deepEqual(run.errors, [
        `error: no local stack is running in ${dataDir}: start it with \`npm run stack\` -- --data-dir ${dataDir} (in another terminal, or with --background)`,
      ]);
      assert.ok(run.ms < 5_000, `it took ${Math.round(run.ms)} ms to say so`);
      assert.equal(await groupOutlived(run.pid), false, 'no process it started is left');
    });
  }
});
