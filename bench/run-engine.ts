/**
 * One timed run of read + clean + analyse over a sink folder, in a process of its own so that its
 * peak memory is its own: `bench/bench.ts` starts it once per run and engine, next to the pandas
 * reference (`bench/reference/pandas_pipeline.py`), whose output it mirrors.
 *
 * Engines:
 * - `duckdb`: the sink folder read by DuckDB and cleaned with the shared cleaning SQL
 *   (`cleanSinkFolderInDuckDb`), then the nine queries.
 * - `typescript`: the path `npm start` takes, record by record in JavaScript (`readSinkTables`,
 *   `cleanTables` into DataFrames), then the nine queries in DuckDB (`analyse`).
 */
import { writeFileSync } from 'node:fs';
import { performance } from 'node:perf_hooks';
import { answerQuestions, analyse, type Answer } from '../src/analysis/analyse';
import { openAnalysisDatabase } from '../src/analysis/duckdb';
import type { CleanCounts } from '../src/batch/clean-result';
import { cleanTables } from '../src/batch/clean-tables';
import type { ReadCounts } from '../src/batch/read-sink';
import { readSinkTables } from '../src/batch/read-sink';
import { cleanSinkFolderInDuckDb } from '../src/batch/read-sink-duckdb';
import { folderSinkStore } from '../src/batch/sink-folder';
import { parseCommandLine, runMain, type CommandSpec } from '../src/cli';
import { namesFor } from '../src/config/load-config';
import { PipelineError } from '../src/errors';
import { TABLES, type TableKey } from '../src/tables';

export const ENGINES = ['duckdb', 'typescript'] as const;
export type Engine = (typeof ENGINES)[number];

export const SPEC: CommandSpec = {
  name: 'node --import tsx bench/run-engine.ts',
  summary: 'Reads, cleans and answers the nine questions over a sink folder once, and prints the timings, peak memory, counts and answers as JSON.',
  options: {
    engine: { type: 'string', value: 'NAME', description: `one of ${ENGINES.join(', ')}`, default: 'duckdb' },
    dataset: { type: 'string', value: 'DIR', description: 'the sink folder (topics/<prefix>.<table>/partition=<p>/…)' },
    'topic-prefix': { type: 'string', value: 'NAME', description: 'the topics are <prefix>.pin, .geo, .user', default: 'bench' },
    out: { type: 'string', value: 'FILE', description: 'write the JSON here instead of stdout' },
  },
  examples: ['node --import tsx bench/run-engine.ts --engine duckdb --dataset bench/data/posts-10000 --out /tmp/duckdb.json'],
};

/**
 * Per table, as the pandas reference counts: records read, dropped as duplicates, rows out, and
 * (only when there are any) rows without a usable id: `read === invalid + duplicates + output`.
 */
export type EngineCounts = Record<TableKey, { read: number; invalid?: number; duplicates: number; output: number }>;

/** What one run reports; the pandas reference prints the same shape. */
export interface EngineRun {
  engine: string;
  seconds: { read: number; clean: number; analyse: number; total: number };
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

/** Runs one engine once over `dataset`. */
export async function runEngine(engine: Engine, dataset: string, topicPrefix: string): Promise<EngineRun> {
  const topics = namesFor(topicPrefix).topics;
  const started = performance.now();
  if (engine === 'duckdb') {
    const db = await openAnalysisDatabase();
    try {
      let read = 0;
      let clean = 0;
      const result = await cleanSinkFolderInDuckDb({
        connection: db.connection, dir: dataset, topics,
        onStage: (event) => { if (event.stage === 'read') read += event.ms; else clean += event.ms; },
      });
      const cleaned = performance.now();
      const answers = await answerQuestions(db.connection);
      const done = performance.now();
      return {
        engine, seconds: { read: seconds(read), clean: seconds(clean), analyse: seconds(done - cleaned), total: seconds(done - started) },
        peak_rss_bytes: process.resourceUsage().maxRSS * 1024, counts: engineCounts(result.counts, result.clean), quarantined: result.counts.quarantined, answers: answerMap(answers),
      };
    } finally {
      db.close();
    }
  }
  const read = await readSinkTables({ store: folderSinkStore(dataset), topics });
  const readDone = performance.now();
  const cleaned = cleanTables(read.rows);
  const cleanDone = performance.now();
  const answers = await analyse({ frames: cleaned.frames });
  const done = performance.now();
  return {
    engine, seconds: { read: seconds(readDone - started), clean: seconds(cleanDone - readDone), analyse: seconds(done - cleanDone), total: seconds(done - started) },
    peak_rss_bytes: process.resourceUsage().maxRSS * 1024, counts: engineCounts(read.counts, cleaned.counts), quarantined: read.counts.quarantined, answers: answerMap(answers),
  };
}

export async function main(argv: string[]): Promise<void> {
  const values = parseCommandLine(SPEC, argv);
  if (!values) return;
  const engine = String(values.engine) as Engine;
  if (!ENGINES.includes(engine)) throw new PipelineError('USAGE', `--engine must be one of ${ENGINES.join(', ')}, got ${JSON.stringify(engine)}`);
  if (typeof values.dataset !== 'string') throw new PipelineError('USAGE', '--dataset DIR is required (a sink folder; npm run bench writes them under bench/data/)');
  const run = await runEngine(engine, values.dataset, String(values['topic-prefix']));
  const body = `${JSON.stringify(run)}\n`;
  if (typeof values.out === 'string') writeFileSync(values.out, body);
  else process.stdout.write(body);
}

if (require.main === module) runMain(main);
