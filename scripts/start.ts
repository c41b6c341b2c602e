import path from 'node:path';
import { choiceOption, intOption, parseCommandLine, pathOption, runMain, type CommandSpec } from './lib/cli';
import { describeConfig, loadConfig } from '../src/config';
import { DEFAULT_EMULATION_SEED } from '../src/emulation/defaults';
import { DEFAULT_DATA_DIR, DEFAULT_FLUSH_SIZE } from '../src/local-stack/defaults';
import { KAFKA_KINDS } from '../src/local-stack/topic-backend';
import { createLogger } from '../src/log';
import { formatTable } from '../src/terminal-table';

const DATA_DIR = `${DEFAULT_DATA_DIR}/pipeline`;
const OUT_DIR = 'output';

const spec: CommandSpec = {
  name: 'npm start --',
  summary:
    'Runs the whole Pinterest pipeline: local stack (or AWS from credentials/), emulated posts on both paths, S3 sink, cleaning, the nine answers and output/report.html.',
  options: {
    posts: {
      type: 'string',
      value: 'N',
      description: 'posts to emulate (default: all the source holds, 11,153 embedded)',
    },
    'flush-size': {
      type: 'string',
      value: 'N',
      description: 'S3 sink flush.size on the local stack (the course used 1: slower, same result)',
      default: String(DEFAULT_FLUSH_SIZE),
    },
    'no-stream': { type: 'boolean', description: 'skip the streaming path (Kinesis)' },
    seed: {
      type: 'string',
      value: 'N',
      description: "seed of the random row selection (the emulation scripts' too)",
      default: String(DEFAULT_EMULATION_SEED),
    },
    rate: {
      type: 'string',
      value: 'N',
      description: 'posts per second on each path (default: unlimited on the local stack, 50 against AWS)',
    },
    'data-dir': {
      type: 'string',
      value: 'DIR',
      description: 'local stack data folder (wiped at start)',
      default: DATA_DIR,
    },
    out: { type: 'string', value: 'DIR', description: 'output folder', default: OUT_DIR },
    progress: {
      type: 'string',
      value: 'MODE',
      description: 'auto (bar on a terminal), plain or silent',
      default: 'auto',
    },
    kafka: {
      type: 'string',
      value: 'KIND',
      description:
        'Kafka under the local stack: embedded (no Java) or apache (Apache Kafka 4.4.0; run npm run setup:kafka first)',
      default: 'embedded',
    },
  },
  examples: [
    'npm start',
    'npm start -- --posts 2000 --no-stream',
    'npm start -- --flush-size 1   # exactly the course connector',
    'npm start -- --kafka apache   # a real Kafka broker under the REST proxy',
  ],
};

export async function main(argv: string[]): Promise<void> {
  const options = parseCommandLine(spec, argv);
  if (!options) return;
  const progress = choiceOption(options, 'progress', ['auto', 'plain', 'silent'] as const) ?? 'auto';
  const dataDir = pathOption(options, 'data-dir', DATA_DIR);
  const outDir = pathOption(options, 'out', OUT_DIR);
  const config = loadConfig();
  // Loaded after parsing: --help answers without loading the pipeline.
  const { openPipelineTarget, reconciliationRows, runPipeline } =
    require('../src/pipeline/run-pipeline') as typeof import('../src/pipeline/run-pipeline');
  const { createRowSource } = require('../src/source/create-source') as typeof import('../src/source/create-source');
  const log = createLogger('pipeline');
  console.log(formatTable(describeConfig(config), ['setting', 'value'], { header: false }));
  const source = createRowSource(config);
  try {
    // The run's connections, opened here once (locally: a fresh stack for this run) and closed at the end.
    const target = await openPipelineTarget({
      config,
      dataDir,
      flushSize: intOption(options, 'flush-size', 1) ?? DEFAULT_FLUSH_SIZE,
      kafka: choiceOption(options, 'kafka', KAFKA_KINDS) ?? 'embedded',
      log,
    });
    const result = await runPipeline({
      config,
      target,
      source,
      posts: intOption(options, 'posts', 1),
      dataDir,
      outDir,
      stream: !options['no-stream'],
      seed: intOption(options, 'seed') ?? DEFAULT_EMULATION_SEED,
      rate: intOption(options, 'rate', 1),
      progress,
      log,
    }).finally(() => target.close());
    console.log('\nReconciliation (records per table)');
    const rows = reconciliationRows(result);
    console.log(formatTable(rows, Object.keys(rows[0] ?? {})));
    console.log(
      result.reconciled
        ? 'every record is accounted for: acknowledged = in S3 = quarantined + deduplicated + cleaned'
        : 'RECONCILIATION FAILED: the counts above do not add up',
    );
    if (result.streamingMatchesBatch) {
      const differ = Object.entries(result.streamingMatchesBatch)
        .filter(([, same]) => !same)
        .map(([table]) => table);
      console.log(
        differ.length === 0
          ? "the streaming tables hold exactly the batch step's cleaned rows"
          : `STREAMING DIFFERS: the streaming ${differ.join(', ')} table(s) do not hold the batch step's cleaned rows`,
      );
    }
    console.log(`\nreport:  ${result.reportPath}`);
    console.log(`answers: ${result.answerFiles.length} CSV files in ${path.join(outDir, 'answers')}`);
    console.log(`done in ${(result.elapsedMs / 1000).toFixed(1)} s`);
    if (!result.reconciled) process.exitCode = 1;
  } finally {
    await source.close();
  }
}

if (require.main === module) runMain(main);
