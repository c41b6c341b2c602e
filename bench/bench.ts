/**
 * `npm run bench`: how the pipeline's batch step (the one `npm start` runs) behaves as the data
 * grows, next to what a learner would write in pandas or Polars (bench/reference/). See `--help` and
 * bench/README.md.
 *
 * 1. Datasets of generated posts are written as the S3 sink writes them (sink-folder.ts), once, and
 *    kept in `--data` for later runs.
 * 2. On the 10,000-post set every engine's answers and counts are checked equal to pandas' before
 *    anything is timed; every timed run is checked again.
 * 3. read + clean + analyse is timed per size and engine, each run a process of its own (its peak
 *    resident memory is its own), engines taking turns; the median of the runs is reported.
 * 4. Emulation throughput into the local REST Proxy (durable) and Kinesis, and the streaming
 *    latency at 1,000 records/s, on a local stack started for the purpose.
 * 5. `bench/results/latest.json` and `.md`; `--update-readme` puts the table in README.md.
 */
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { promisify } from 'node:util';
import { samplePosts, writeSinkFolder } from '../src/batch/sample-bucket';
import { listSinkFolder } from '../src/batch/sink-folder';
import { intOption, parseCommandLine, runMain, type CommandSpec } from '../scripts/lib/cli';
import { namesFor } from '../src/config';
import { PROJECT_ROOT } from '../src/config';
import { describeError, PipelineError } from '../src/errors';
import { kafkaKinds, measureEmulationThroughput } from './emulation-throughput';
import { compareRuns, median } from './compare-runs';
import { renderMarkdown, replaceReadmeSection } from './render-results';
import type { BenchResults } from './bench-results';
import { ENGINES, type EngineRun } from './run-engine';
import { runSpark } from './run-spark';
import { timeNpmStart } from './npm-start-timing';
import { measureStreamingLatency } from './streaming-latency';

const execFileAsync = promisify(execFile);

/** The hand-written Python pipelines the shipped step is measured against; pandas is the reference every answer is checked against. */
export type { BatchResult, BenchResults } from './bench-results';

export const REFERENCES = ['pandas', 'polars'] as const;
/** The Polars reference in its lazy/streaming form, timed in place of `polars` above --skip-reference-above. */
export const POLARS_STREAMING = 'polars-streaming';
/** The generated Databricks notebooks on local Spark (run-spark.ts). */
export const SPARK = 'spark';
const ALL_ENGINES: readonly string[] = [...ENGINES, ...REFERENCES, SPARK];

export const SPEC: CommandSpec = {
  name: 'npm run bench --',
  summary:
    'Times read + clean + analyse of the shipped batch step against pandas (and Polars, when a Python with polars is there) at growing sizes, emulation throughput and streaming latency; writes bench/results/latest.json and .md.',
  options: {
    quick: {
      type: 'boolean',
      description:
        'only the 10,000-post size, a short emulation and latency run (under a minute); writes bench/results/quick.json',
    },
    sizes: { type: 'string', value: 'N,N', description: 'posts per dataset', default: '10000,100000,1000000' },
    runs: {
      type: 'string',
      value: 'N',
      description: 'timed runs per size and engine (the median is reported)',
      default: '3',
    },
    engines: {
      type: 'string',
      value: 'A,B',
      description: `engines to time: ${[...ENGINES, ...REFERENCES, 'spark'].join(', ')} (polars and spark are skipped, with a note, when the .venv has no polars or pyspark)`,
      default: 'pipeline,pandas,polars,spark',
    },
    'spark-runs': {
      type: 'string',
      value: 'N',
      description: 'timed runs of the spark engine per size (a Spark run at 1,000,000 posts takes minutes)',
      default: '1',
    },
    'course-shape': {
      type: 'boolean',
      description: `also time the course's sink shape: ${'11,153'} posts at flush.size 1 (one object per record)`,
    },
    'skip-reference-above': {
      type: 'string',
      value: 'N',
      description:
        'time the Python references only up to this many posts (pandas cannot hold 10 million posts in 24 GiB)',
      default: '1000000',
    },
    data: {
      type: 'string',
      value: 'DIR',
      description: 'where the datasets are written and kept between runs',
      default: 'bench/data',
    },
    out: {
      type: 'string',
      value: 'FILE',
      description:
        'the results as JSON, the markdown next to it as .md (default bench/results/latest.json; quick.json with --quick)',
    },
    'emulation-posts': {
      type: 'string',
      value: 'N',
      description: 'posts per emulation path (three records each)',
      default: '100000',
    },
    'latency-seconds': {
      type: 'string',
      value: 'N',
      description: 'how long to stream at 1,000 records/s',
      default: '20',
    },
    'skip-emulation': { type: 'boolean', description: 'do not measure emulation throughput' },
    'skip-streaming': { type: 'boolean', description: 'do not measure streaming latency' },
    'start-runs': {
      type: 'string',
      value: 'N',
      description: 'times npm start is timed on the embedded defaults (0: not timed)',
      default: '3',
    },
    'update-readme': {
      type: 'boolean',
      description: "replace the table in README.md's Performance section with this run's",
    },
    python: {
      type: 'string',
      value: 'FILE',
      description: "the Python that has pandas (Debian's python3-pandas)",
      default: '/usr/bin/python3',
    },
    'polars-python': {
      type: 'string',
      value: 'FILE',
      description: "the Python that has polars (the project's .venv, npm run setup:python)",
      default: '.venv/bin/python',
    },
  },
  examples: [
    'npm run bench',
    'npm run bench -- --quick',
    'npm run bench -- --sizes 100000 --runs 5 --skip-emulation --skip-streaming',
  ],
};

/** The posts of the answer check: always written and checked first. */
export const CHECK_POSTS = 10_000;
const SEED = 42;
/** Every 20th post sent twice, as the course's random emulation re-sends posts now and then. */
const DUPLICATE_EVERY = 20;
const TOPIC_PREFIX = 'bench';
/** The course's sink: about 11,000 posts, flush.size 1 (one object per record). */
const COURSE_SHAPE = { posts: 11_153, flushSize: 1 };

/** flush.size of a dataset: 1/50 of its posts, at least 500 (objects of 500 to 20,000 records). */
export function flushSizeFor(posts: number): number {
  return Math.max(500, Math.round(posts / 50));
}

export interface DatasetInfo {
  posts: number;
  records: number;
  flushSize: number;
  objects: number;
  bytes: number;
  dir: string;
}

/** Writes (once) the dataset of `posts` posts under `dataDir`; a READY file marks it complete. */
export async function ensureDataset(
  dataDir: string,
  posts: number,
  flushSize = flushSizeFor(posts),
): Promise<DatasetInfo> {
  const dir = path.join(dataDir, `posts-${posts}-seed-${SEED}-flush-${flushSize}`);
  const ready = path.join(dir, 'READY.json');
  if (existsSync(ready)) return JSON.parse(await readFile(ready, 'utf8')) as DatasetInfo;
  await rm(dir, { recursive: true, force: true });
  const started = performance.now();
  log(
    `writing ${posts.toLocaleString('en-US')} posts as the S3 sink would (flush.size ${flushSize}) to ${path.relative(PROJECT_ROOT, dir) || dir} …`,
  );
  const topics = namesFor(TOPIC_PREFIX).topics;
  const written = await writeSinkFolder({
    dir,
    topics,
    posts: samplePosts({ rows: posts, seed: SEED, duplicateEvery: DUPLICATE_EVERY }),
    flushSize,
  });
  const records = written.records.pin + written.records.geo + written.records.user;
  const bytes = (await listSinkFolder(dir, topics)).reduce((sum, object) => sum + object.size, 0);
  const info: DatasetInfo = { posts, records, flushSize, objects: written.objects, bytes, dir };
  await writeFile(ready, JSON.stringify(info));
  log(
    `  ${written.objects} objects, ${records.toLocaleString('en-US')} records, ${(info.bytes / 1e6).toFixed(0)} MB in ${((performance.now() - started) / 1000).toFixed(1)} s (not timed)`,
  );
  return info;
}

function log(line: string): void {
  process.stderr.write(`${line}\n`);
}

/** Whether `python` can import `module`. */
async function hasModule(python: string, module: string): Promise<boolean> {
  try {
    await execFileAsync(python, ['-c', `import ${module}`]);
    return true;
  } catch {
    return false;
  }
}

/** One engine run in a process of its own; `pythons` gives the Python of each reference. */
async function runOnce(
  engine: string,
  dataset: string,
  pythons: Record<string, string>,
  scratch: string,
): Promise<EngineRun> {
  const out = path.join(scratch, `${engine}-${Date.now()}-${Math.random().toString(36).slice(2)}.json`);
  if (engine === SPARK) return runSpark(dataset, TOPIC_PREFIX, out);
  // Polars' lazy/streaming form: the same script with --streaming.
  const reference = engine === POLARS_STREAMING ? 'polars' : engine;
  const [command, args] = (REFERENCES as readonly string[]).includes(reference)
    ? [
        pythons[reference] ?? '',
        [
          path.join(PROJECT_ROOT, `bench/reference/${reference}_pipeline.py`),
          dataset,
          '--topic-prefix',
          TOPIC_PREFIX,
          '--out',
          out,
          ...(engine === POLARS_STREAMING ? ['--streaming'] : []),
        ],
      ]
    : [
        process.execPath,
        [
          '--import',
          'tsx',
          path.join(PROJECT_ROOT, 'bench/run-engine.ts'),
          '--engine',
          engine,
          '--dataset',
          dataset,
          '--topic-prefix',
          TOPIC_PREFIX,
          '--out',
          out,
        ],
      ];
  try {
    await execFileAsync(command, args, { cwd: PROJECT_ROOT, maxBuffer: 64 * 1024 * 1024 });
  } catch (error) {
    const stderr = String((error as { stderr?: string }).stderr ?? '')
      .trim()
      .split('\n')
      .slice(-3)
      .join(' | ');
    if (engine === 'pandas' && /No module named .?pandas/.test(stderr)) {
      throw new PipelineError(
        'PANDAS_MISSING',
        `${pythons.pandas} has no pandas; install Debian's: apt-get install -y python3-pandas (or give --python)`,
        { cause: error },
      );
    }
    throw new PipelineError('BENCH_RUN_FAILED', `${engine} on ${dataset} failed: ${stderr || describeError(error)}`, {
      cause: error,
    });
  }
  return JSON.parse(await readFile(out, 'utf8')) as EngineRun;
}

const INTO: Record<string, string> = {
  'batch-direct': 'REST Proxy (direct)',
  'batch-gateway': 'REST Proxy via the API Gateway routes',
  'stream-sdk': 'Kinesis (SDK PutRecords)',
  'stream-gateway': 'Kinesis via the API Gateway routes',
};

function parseList(value: unknown, name: string): string[] {
  const items = String(value)
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
  if (!items.length) throw new PipelineError('USAGE', `--${name} needs at least one value`);
  return items;
}

export async function main(argv: string[]): Promise<BenchResults | undefined> {
  const values = parseCommandLine(SPEC, argv);
  if (!values) return undefined;
  const quick = values.quick === true;
  const sizes = quick
    ? [CHECK_POSTS]
    : parseList(values.sizes, 'sizes').map((s) => {
        const n = Number(s);
        if (!Number.isSafeInteger(n) || n < 1)
          throw new PipelineError('USAGE', `--sizes expects whole numbers >= 1, got ${JSON.stringify(s)}`);
        return n;
      });
  // --quick stays under a minute: Spark only when asked for by name.
  const requested = parseList(values.engines, 'engines').filter(
    (e) => !quick || e !== SPARK || argv.some((a) => a.startsWith('--engines')),
  );
  for (const engine of requested) {
    if (!ALL_ENGINES.includes(engine))
      throw new PipelineError(
        'USAGE',
        `--engines: unknown engine ${JSON.stringify(engine)}; use ${ALL_ENGINES.join(', ')}`,
      );
  }
  if (!requested.includes('pandas'))
    throw new PipelineError('USAGE', '--engines must include pandas: every answer is checked against it');
  const runs = intOption(values, 'runs', 1) as number;
  const sparkRuns = intOption(values, 'spark-runs', 1) as number;
  const referenceMax = intOption(values, 'skip-reference-above', 1) as number;
  const pythons: Record<string, string> = {
    pandas: String(values.python),
    polars: path.resolve(PROJECT_ROOT, String(values['polars-python'])),
  };
  const notes: string[] = [];
  const engines = [];
  for (const engine of requested) {
    if (engine === 'polars' && !(await hasModule(pythons.polars, 'polars'))) {
      notes.push(
        `Polars not timed: ${path.relative(PROJECT_ROOT, pythons.polars) || pythons.polars} has no polars (npm run setup:python builds .venv with it).`,
      );
      log(`skipping polars: ${pythons.polars} has no polars (npm run setup:python)`);
      continue;
    }
    if (engine === SPARK && !(await hasModule(pythons.polars, 'pyspark'))) {
      notes.push(
        `Spark not timed: ${path.relative(PROJECT_ROOT, pythons.polars) || pythons.polars} has no pyspark (npm run setup:python builds .venv with it).`,
      );
      log(`skipping spark: ${pythons.polars} has no pyspark (npm run setup:python)`);
      continue;
    }
    engines.push(engine);
  }
  const dataDir = path.resolve(PROJECT_ROOT, String(values.data));
  const outFile = path.resolve(
    PROJECT_ROOT,
    typeof values.out === 'string' ? values.out : `bench/results/${quick ? 'quick' : 'latest'}.json`,
  );
  const emulationPosts = quick ? 5_000 : (intOption(values, 'emulation-posts', 1) as number);
  const latencySeconds = quick ? 5 : (intOption(values, 'latency-seconds', 1) as number);
  const startRuns = quick ? 0 : (intOption(values, 'start-runs', 0) as number);
  const scratch = await mkdtemp(path.join(os.tmpdir(), 'pp-bench-'));

  // Polars' streaming form is checked too when a size above --skip-reference-above will time it.
  const checked =
    engines.includes('polars') && sizes.some((posts) => posts > referenceMax)
      ? [...engines, POLARS_STREAMING]
      : engines;
  const results: BenchResults = {
    generatedAt: new Date().toISOString(),
    command: `npm run bench${argv.length ? ` -- ${argv.join(' ')}` : ''}`,
    machine: {
      cpus: os.cpus().length,
      cpuModel: os.cpus()[0]?.model ?? 'unknown',
      memoryBytes: os.totalmem(),
      node: process.version,
      platform: `${os.type()} ${os.release()}`,
    },
    check: { posts: CHECK_POSTS, engines: checked, answersMatch: false },
    batch: [],
    notes,
  };
  try {
    await mkdir(dataDir, { recursive: true });
    // The answers first: nothing is timed unless every engine agrees with pandas on 10,000 posts.
    const checkSet = await ensureDataset(dataDir, CHECK_POSTS);
    log(`checking the answers on ${CHECK_POSTS.toLocaleString('en-US')} posts: ${checked.join(', ')}`);
    const checkRuns = new Map<string, EngineRun>();
    for (const engine of checked) checkRuns.set(engine, await runOnce(engine, checkSet.dir, pythons, scratch));
    const reference = checkRuns.get('pandas') as EngineRun;
    results.machine.pandas = (reference as EngineRun & { pandas?: string }).pandas;
    results.machine.polars = (checkRuns.get('polars') as (EngineRun & { polars?: string }) | undefined)?.polars;
    for (const engine of checked)
      compareRuns(reference, checkRuns.get(engine) as EngineRun, `${engine} on ${CHECK_POSTS} posts`);
    results.check.answersMatch = true;
    log('  the nine answers and the counts are equal');

    const shapes = sizes.map((posts) => ({ posts, flushSize: flushSizeFor(posts) }));
    if (values['course-shape']) shapes.push(COURSE_SHAPE);
    for (const { posts, flushSize } of shapes) {
      const dataset = await ensureDataset(dataDir, posts, flushSize);
      // Above --skip-reference-above: no pandas and no Spark, and Polars in its lazy/streaming form.
      const large = posts > referenceMax;
      const timed = large
        ? engines.filter((e) => e !== 'pandas' && e !== SPARK).map((e) => (e === 'polars' ? POLARS_STREAMING : e))
        : engines;
      if (large)
        notes.push(
          `${posts.toLocaleString('en-US')} posts: pandas and Spark not run (--skip-reference-above ${referenceMax})${timed.includes(POLARS_STREAMING) ? "; Polars in its lazy/streaming form (`--streaming`), and every engine's answers checked equal to its" : '; the answers there are not checked against a reference'}.`,
        );
      const byEngine = new Map<string, EngineRun[]>(timed.map((engine) => [engine, []]));
      for (let run = 1; run <= runs; run++) {
        for (const engine of timed.filter((e) => e !== SPARK || run <= sparkRuns)) {
          const result = await runOnce(engine, dataset.dir, pythons, scratch);
          (byEngine.get(engine) as EngineRun[]).push(result);
          const session =
            result.seconds.session === undefined
              ? ''
              : `  (Spark session ${result.seconds.session.toFixed(1)} s, not counted)`;
          log(
            `${posts.toLocaleString('en-US')} posts, flush.size ${flushSize}, run ${run}/${runs}: ${engine.padEnd(10)} ${result.seconds.total.toFixed(2).padStart(7)} s  peak ${(result.peak_rss_bytes / 2 ** 20).toFixed(0).padStart(5)} MiB${session}`,
          );
        }
      }
      const referenceRuns = byEngine.get('pandas') ?? byEngine.get(POLARS_STREAMING);
      for (const engine of timed) {
        const engineRuns = byEngine.get(engine) as EngineRun[];
        if (referenceRuns)
          for (const run of engineRuns) compareRuns(referenceRuns[0], run, `${engine} on ${posts} posts`);
        const pick = (f: (r: EngineRun) => number) => median(engineRuns.map(f));
        results.batch.push({
          posts,
          records: dataset.records,
          flushSize: dataset.flushSize,
          objects: dataset.objects,
          bytes: dataset.bytes,
          engine,
          runs: engineRuns.map((r) => ({ seconds: r.seconds, peakRssBytes: r.peak_rss_bytes })),
          median: {
            seconds: pick((r) => r.seconds.total),
            read: pick((r) => r.seconds.read),
            clean: pick((r) => r.seconds.clean),
            analyse: pick((r) => r.seconds.analyse),
            peakRssBytes: pick((r) => r.peak_rss_bytes),
            ...(engine === SPARK ? { session: pick((r) => r.seconds.session ?? NaN) } : {}),
          },
          counts: engineRuns[0].counts,
          answersMatchPandas: byEngine.has('pandas'),
        });
      }
      const pandas = results.batch.find((b) => b.posts === posts && b.engine === 'pandas');
      for (const b of results.batch.filter((r) => r.posts === posts)) {
        if (pandas)
          b.vsPandas = {
            time: b.median.seconds / pandas.median.seconds,
            memory: b.median.peakRssBytes / pandas.median.peakRssBytes,
          };
      }
    }

    if (!values['skip-emulation']) {
      log(`emulation throughput: ${emulationPosts.toLocaleString('en-US')} posts per path, rate unlimited`);
      // Both Kafkas under the REST proxy, side by side, when npm run setup:kafka has run.
      const rows = await measureEmulationThroughput({ posts: emulationPosts, kafka: kafkaKinds(undefined) });
      results.emulation = rows.map((row) => ({
        ...row,
        into: `${INTO[row.path] ?? row.path}${row.kafka === 'apache' ? ' on Apache Kafka' : ''}`,
      }));
      for (const row of results.emulation)
        log(
          `  ${row.into.padEnd(40)} ${Math.round(row.recordsPerSecond).toLocaleString('en-US').padStart(8)} records/s`,
        );
    }
    if (startRuns > 0) {
      log(`npm start on the embedded defaults, ${startRuns} run(s)`);
      results.npmStart = await timeNpmStart(startRuns, scratch);
      log(`  done in ${results.npmStart.pipelineSeconds.map((x) => `${x} s`).join(', ')}`);
    }
    if (!values['skip-streaming']) {
      log(`streaming latency: 1,000 records/s for ${latencySeconds} s`);
      results.streaming = await measureStreamingLatency({ recordsPerSecond: 1_000, seconds: latencySeconds });
      log(
        `  arrival → stored p50 ${results.streaming.fromArrival.p50} ms, p95 ${results.streaming.fromArrival.p95} ms`,
      );
    }
  } finally {
    await rm(scratch, { recursive: true, force: true });
  }

  await mkdir(path.dirname(outFile), { recursive: true });
  await writeFile(outFile, `${JSON.stringify(results, null, 2)}\n`);
  const markdown = renderMarkdown(results);
  await writeFile(outFile.replace(/\.json$/, '') + '.md', markdown);
  process.stdout.write(`${markdown}\n`);
  log(`wrote ${path.relative(PROJECT_ROOT, outFile)} and its .md`);
  if (values['update-readme']) {
    const readme = path.join(PROJECT_ROOT, 'README.md');
    await writeFile(readme, replaceReadmeSection(await readFile(readme, 'utf8'), markdown));
    log('updated the Performance section of README.md');
  }
  return results;
}

if (require.main === module) runMain(main);
