/**
 * One timed run of read + clean + analyse over a sink folder, in a process of its own so that its
 * peak memory is its own: `bench/bench.ts` starts it once per run, next to the Python references
 * (`bench/reference/pandas_pipeline.py`, `polars_pipeline.py`), whose output it mirrors.
 *
 * The engine is the batch step that ships (`npm start`, `npm run clean`): `cleanBatch` reads the
 * sink into DuckDB and cleans it with the shared cleaning SQL, then `answerQuestions` runs the nine
 * queries in the same database. It reads the folder through `folderSinkStore`, as
 * `npm run clean -- --sink-folder DIR` does; against S3 the same code reads through `s3SinkStore`.
 */
import { writeFileSync } from 'node:fs';
import { performance } from 'node:perf_hooks';
import { answerQuestions, type Answer } from '../src/analysis/analyse';
import { openDatabase } from '../src/duckdb';
import type { ReadCounts } from '../src/batch/read-sink';
import { cleanBatch, type CleanCounts } from '../src/batch/run-batch';
import { folderSinkStore } from '../src/batch/sink-folder';
import { parseCommandLine, runMain, type CommandSpec } from '../scripts/lib/cli';
import { namesFor } from '../src/config';
import { PipelineError } from '../src/errors';
import { TABLES, type TableKey } from '../src/contract/tables';

export const ENGINES = ['pipeline'] as const;
export type Engine = (typeof ENGINES)[number];

export const SPEC: CommandSpec = {
  name: 'node --import tsx bench/run-engine.ts',
  summary:
    'Reads, cleans and answers the nine questions over a sink folder once, and prints the timings, peak memory, counts and answers as JSON.',
  options: {
    engine: { type: 'string', value: 'NAME', description: `one of ${ENGINES.join(', ')}`, default: 'pipeline' },
    dataset: { type: 'string', value: 'DIR', description: 'the sink folder (topics/<prefix>.<table>/partition=<p>/…)' },
    'topic-prefix': {
      type: 'string',
      value: 'NAME',
      description: 'the topics are <prefix>.pin, .geo, .user',
      default: 'bench',
    },
    out: { type: 'string', value: 'FILE', description: 'write the JSON here instead of stdout' },
  },
  examples: ['node --import tsx bench/run-engine.ts --dataset bench/data/posts-10000 --out /tmp/pipeline.json'],
};

/**
 * Per table, as the pandas reference counts: records read, dropped as duplicates, rows out, and
 * (only when there are any) rows without a usable id: `read === invalid + duplicates + output`.
 */
export type EngineCounts = Record<TableKey, { read: number; invalid?: number; duplicates: number; output: number }>;

/** What one run reports; the pandas reference prints the same shape. */
export interface EngineRun {
  engine: string;
  /** `session`: the Spark session's start (spark engine only), not in `total`. */
  seconds: { read: number; clean: number; analyse: number; total: number; session?: number };
  peak_rss_bytes: number;
  counts: EngineCounts;
  /** Records quarantined by the reader (the pandas reference has no quarantine). */
  quarantined?: number;
  answers: Record<string, Record<string, unknown>[]>;
}

function engineCounts(read: ReadCounts, clean: Record<TableKey, CleanCounts>): EngineCounts {
  const out = {} as EngineCounts;
  for (const table of TABLES) {
    const { invalid, duplicates, output } = clean[table];
    out[table] = { read: read.tables[table].records, ...(invalid ? { invalid } : {}), duplicates, output };
  }
  return out;
}

const answerMap = (answers: Answer[]) => Object.fromEntries(answers.map((a) => [a.question.id, a.rows]));
const seconds = (ms: number) => Math.round(ms) / 1000;

/** Runs the shipped batch step once over `dataset`. */
export async function runEngine(engine: Engine, dataset: string, topicPrefix: string): Promise<EngineRun> {
  const topics = namesFor(topicPrefix).topics;
  const started = performance.now();
  const db = await openDatabase();
  try {
    const result = await cleanBatch({ connection: db.connection, store: folderSinkStore(dataset), topics });
    const cleaned = performance.now();
    const answers = await answerQuestions(db.connection);
    const done = performance.now();
    const sum = (f: (t: { readMs: number; cleanMs: number }) => number) => result.timings.reduce((n, t) => n + f(t), 0);
    return {
      engine,
      seconds: {
        read: seconds(sum((t) => t.readMs)),
        clean: seconds(sum((t) => t.cleanMs)),
        analyse: seconds(done - cleaned),
        total: seconds(done - started),
      },
      peak_rss_bytes: process.resourceUsage().maxRSS * 1024,
      counts: engineCounts(result.read, result.clean),
      quarantined: result.read.quarantined,
      answers: answerMap(answers),
    };
  } finally {
    db.close();
  }
}

export async function main(argv: string[]): Promise<void> {
  const values = parseCommandLine(SPEC, argv);
  if (!values) return;
  const engine = String(values.engine) as Engine;
  if (!ENGINES.includes(engine))
    throw new PipelineError('USAGE', `--engine must be one of ${ENGINES.join(', ')}, got ${JSON.stringify(engine)}`);
  if (typeof values.dataset !== 'string')
    throw new PipelineError(
      'USAGE',
      '--dataset DIR is required (a sink folder; npm run bench writes them under bench/data/)',
    );
  const run = await runEngine(engine, values.dataset, String(values['topic-prefix']));
  const body = `${JSON.stringify(run)}\n`;
  if (typeof values.out === 'string') writeFileSync(values.out, body);
  else process.stdout.write(body);
}

if (require.main === module) runMain(main);
