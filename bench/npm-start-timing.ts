/**
 * `npm start` timed as a learner runs it, on the embedded defaults (the local stack, 11,153 posts on
 * both paths): each run a process of its own, in a data and output folder of the benchmark's, so
 * that a learner's `output/` is left alone. The figure is the pipeline's own ("done in … s", from
 * the stack's start to the report), and the process's wall time beside it (Node's start included).
 */
import { execFile } from 'node:child_process';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { promisify } from 'node:util';
import { PROJECT_ROOT } from '../src/config';
import { describeError, PipelineError } from '../src/errors';

const execFileAsync = promisify(execFile);

export interface NpmStartTiming {
  runs: number;
  /** The pipeline's "done in" figure of each run, in seconds. */
  pipelineSeconds: number[];
  /** Each run's process wall time, in seconds. */
  processSeconds: number[];
}

const DONE = /^done in ([0-9.]+) s$/m;

/** Runs `npm start` (scripts/start.ts) `runs` times in `scratch`; a run that fails or does not reconcile is an error. */
export async function timeNpmStart(runs: number, scratch: string): Promise<NpmStartTiming> {
  const timing: NpmStartTiming = { runs, pipelineSeconds: [], processSeconds: [] };
  for (let run = 1; run <= runs; run++) {
    const args = ['--import', 'tsx', 'scripts/start.ts', '--progress', 'silent'];
    args.push('--data-dir', path.join(scratch, 'start-stack'), '--out', path.join(scratch, 'start-output'));
    const started = performance.now();
    const { stdout } = await execFileAsync(process.execPath, args, {
      cwd: PROJECT_ROOT,
      maxBuffer: 16 * 1024 * 1024,
    }).catch((error: unknown) => {
      throw new PipelineError('BENCH_RUN_FAILED', `npm start failed in the benchmark: ${describeError(error)}`);
    });
    const done = DONE.exec(stdout);
    if (!done || !stdout.includes('every record is accounted for'))
      throw new PipelineError(
        'BENCH_RUN_FAILED',
        `npm start did not reconcile in the benchmark:\n${stdout.slice(-2000)}`,
      );
    timing.pipelineSeconds.push(Number(done[1]));
    timing.processSeconds.push(Math.round(performance.now() - started) / 1000);
  }
  return timing;
}
