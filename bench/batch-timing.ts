/**
 * Times the batch step exactly as `npm start` runs it, through S3: read every sink object from S3
 * into DuckDB, clean with the shared SQL, write output/clean, answer the nine questions, write the
 * report. See `--help`.
 *
 * The S3 server (s3rver) runs in a child process so that this process's peak memory is the
 * pipeline's own; the sink objects are written once per (posts, flush size) into a cache folder and
 * reused by later runs. Measure with `/usr/bin/time -v node --import tsx bench/batch-timing.ts ...`
 * as well: its "Maximum resident set size" is the larger of this process and the server.
 */
import { fork, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { existsSync } from 'node:fs';
import { mkdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { answerQuestions } from '../src/analysis/analyse';
import { openDatabase } from '../src/duckdb';
import { s3SinkStore } from '../src/batch/read-sink';
import { cleanBatch } from '../src/batch/run-batch';
import { samplePosts, writeSinkObjects } from '../src/batch/sample-bucket';
import { intOption, parseCommandLine, runMain, type CommandSpec } from '../scripts/lib/cli';
import { createS3Client } from '../src/clients';
import { namesFor } from '../src/config';
import { startS3Server } from '../src/local-stack/s3-server';
import { writeReport } from '../src/report/write-report';

export const SPEC: CommandSpec = {
  name: 'node --import tsx bench/batch-timing.ts',
  summary:
    'Times read + clean + analyse (and the report) of the batch step, through S3, on generated posts held by s3rver in a child process.',
  options: {
    posts: { type: 'string', value: 'N', description: 'posts (each is three records)', default: '11153' },
    'flush-size': {
      type: 'string',
      value: 'N',
      description: "records per S3 object, as the sink's flush.size",
      default: '1',
    },
    concurrency: { type: 'string', value: 'N', description: 'GetObject calls in flight', default: '16' },
    cache: {
      type: 'string',
      value: 'DIR',
      description: 'where the generated sink objects are kept between runs',
      default: path.join(tmpdir(), 'pp-bench-batch'),
    },
    'serve-s3': { type: 'string', value: 'DIR', description: '(internal) run s3rver on DIR and print its endpoint' },
  },
  examples: ['/usr/bin/time -v node --import tsx bench/batch-timing.ts --posts 100000'],
};

const BUCKET = 'user-bench-bucket';
const SEED = 42;

/** Child mode: serves `dir` with s3rver and tells the parent its endpoint. */
async function serveS3(dir: string): Promise<void> {
  const server = await startS3Server({ dir, bucket: BUCKET, port: 0 });
  process.send?.({ endpoint: server.endpoint });
  process.on('disconnect', () => {
    void server.close().then(() => process.exit(0));
  });
}

async function startServerProcess(dir: string): Promise<{ endpoint: string; child: ChildProcess }> {
  const child = fork(__filename, ['--serve-s3', dir], {
    execArgv: ['--import', 'tsx'],
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  const [message] = (await once(child, 'message')) as [{ endpoint: string }];
  return { endpoint: message.endpoint, child };
}

const mb = (bytes: number) => `${(bytes / 1024 / 1024).toFixed(0)} MB`;

export async function main(argv: string[]): Promise<void> {
  const values = parseCommandLine(SPEC, argv);
  if (!values) return;
  if (typeof values['serve-s3'] === 'string') return serveS3(values['serve-s3']);
  const posts = intOption(values, 'posts', 1) as number;
  const flushSize = intOption(values, 'flush-size', 1) as number;
  const concurrency = intOption(values, 'concurrency', 1) as number;
  const dir = path.join(String(values.cache), `${posts}-posts-flush-${flushSize}`);
  const ready = path.join(dir, 'READY');
  const { endpoint, child } = await startServerProcess(path.join(dir, 's3'));
  const s3 = createS3Client({ region: 'us-east-1', endpoint });
  const topics = namesFor('bench').topics;
  const out = path.join(tmpdir(), `pp-bench-out-${process.pid}`);
  try {
    if (!existsSync(ready)) {
      const started = performance.now();
      const written = await writeSinkObjects({
        s3,
        bucket: BUCKET,
        topics,
        posts: samplePosts({ rows: posts, seed: SEED, duplicateEvery: 50 }),
        flushSize,
        concurrency,
      });
      await writeFile(ready, JSON.stringify(written));
      console.log(
        `prepared ${written.objects} objects in ${((performance.now() - started) / 1000).toFixed(1)} s (not part of the timing)`,
      );
    }
    const times: [string, number][] = [];
    let last = performance.now();
    const lap = (name: string) => {
      const now = performance.now();
      times.push([name, now - last]);
      last = now;
    };
    const start = last;
    const db = await openDatabase();
    try {
      await mkdir(out, { recursive: true });
      const result = await cleanBatch({
        connection: db.connection,
        store: s3SinkStore(s3, BUCKET),
        topics,
        concurrency,
        cleanDir: path.join(out, 'clean'),
      });
      lap('read into DuckDB + clean + write output/clean');
      const answers = await answerQuestions(db.connection);
      lap('analyse (9 queries)');
      const total = performance.now() - start;
      await writeReport({ answers, outDir: out });
      lap('write report (not in the total)');
      console.log(
        `posts ${posts}, flush.size ${flushSize}: ${result.read.objects} objects, ${result.read.records} records, ${result.clean.pin.output} clean pins`,
      );
      for (const { table, readMs, cleanMs } of result.timings)
        console.log(`  ${`${table}: read ${(readMs / 1000).toFixed(2)} s, clean ${(cleanMs / 1000).toFixed(2)} s`}`);
      for (const [name, ms] of times) console.log(`  ${name.padEnd(46)} ${(ms / 1000).toFixed(2)} s`);
      console.log(`  ${'total read + clean + analyse'.padEnd(46)} ${(total / 1000).toFixed(2)} s`);
    } finally {
      db.close();
    }
    const usage = process.resourceUsage();
    console.log(`  peak RSS of this process (excl. s3rver) ${mb(usage.maxRSS * 1024)}`);
  } finally {
    s3.destroy();
    child.disconnect();
    await once(child, 'exit');
    await rm(out, { recursive: true, force: true });
  }
}

if (require.main === module) runMain(main);
