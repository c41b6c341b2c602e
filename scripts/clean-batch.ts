/**
 * The batch step on its own (`npm run clean`): waits until the S3 sink holds every record below the
 * topics' end offsets, reads the objects into DuckDB, quarantines bad records, cleans the tables
 * with the shared cleaning SQL and writes output/clean/ with the run's record. See `--help`.
 * The pipeline's modules are imported after the arguments are parsed, so `--help` answers at once.
 */
import { intOption, numberOption, parseCommandLine, pathOption, runMain, type CommandSpec } from './lib/cli';
import type { CleanStepResult } from '../src/batch/clean-step';
import { loadConfig } from '../src/config';
import { DEFAULT_OBJECTS_IN_FLIGHT, S3_REQUESTS_IN_FLIGHT } from '../src/s3-in-flight';
import { requireRunningStack } from './lib/preflight';

const CLEAN_DIR = 'output/clean';
const QUARANTINE_DIR = 'output/quarantine';
const DATA_DIR = '.local-stack';

export const SPEC: CommandSpec = {
  name: 'npm run clean --',
  summary:
    "Asks the Kafka REST proxy for each topic's end offsets, waits until the S3 sink's objects hold every record below them, reads the objects into DuckDB, quarantines records that are not rows, cleans pin, geo and user with the shared cleaning SQL (src/cleaning/, PIPELINE_SPEC.md §5) and writes them as CSV and JSON lines with run.json, the record of this run. Fails when a table has nothing to read, when the sink is still behind after --timeout, or when records below the end offsets are in no object.",
  options: {
    out: { type: 'string', value: 'DIR', description: 'folder of the cleaned tables', default: CLEAN_DIR },
    quarantine: {
      type: 'string',
      value: 'DIR',
      description: 'folder of the quarantine files (batch-read-<table>.jsonl)',
      default: QUARANTINE_DIR,
    },
    concurrency: {
      type: 'string',
      value: 'N',
      description: `objects read at a time (default: ${S3_REQUESTS_IN_FLIGHT} GetObject calls from S3, ${DEFAULT_OBJECTS_IN_FLIGHT} from --sink-folder)`,
    },
    timeout: {
      type: 'string',
      value: 'SECONDS',
      description: 'how long to wait for the sink to hold every record below the end offsets',
      default: '120',
    },
    'data-dir': {
      type: 'string',
      value: 'DIR',
      description: 'local stack: the data folder of the stack running (npm run stack)',
      default: DATA_DIR,
    },
    's3-endpoint': {
      type: 'string',
      value: 'URL',
      description: 'S3 endpoint to read instead of the local stack or AWS (end offsets then only with --rest-proxy)',
    },
    'rest-proxy': {
      type: 'string',
      value: 'URL',
      description:
        "the Kafka REST proxy that knows the end offsets (default: the local stack's; on AWS the invoke URL, whose {proxy+} reaches it)",
    },
    bucket: {
      type: 'string',
      value: 'NAME',
      description: 'bucket to read (default: the configured user-<user_id>-bucket)',
    },
    'sink-folder': {
      type: 'string',
      value: 'DIR',
      description:
        'read a folder copy of the bucket instead (npm run download-bucket -- DIR, or aws s3 sync s3://<bucket> DIR); no end offsets',
    },
    sample: {
      type: 'string',
      value: 'N',
      description: 'read nothing from S3: generate N posts into a private temporary S3 first (no stack needed)',
    },
    'allow-gaps': {
      type: 'boolean',
      description: 'exit 0 even when records below the end offsets are in no object (they are still reported)',
    },
  },
  examples: [
    'npm run clean',
    'npm run clean -- --sample 1000 --out /tmp/clean',
    'npm run download-bucket -- --to ./my-bucket-copy && npm run clean -- --sink-folder ./my-bucket-copy',
  ],
};

export async function main(argv: string[]): Promise<CleanStepResult | undefined> {
  const values = parseCommandLine(SPEC, argv);
  if (!values) return undefined;
  const config = loadConfig();
  const local =
    values['sink-folder'] === undefined && values.sample === undefined && values['s3-endpoint'] === undefined;
  if (local) await requireRunningStack(config, pathOption(values, 'data-dir', DATA_DIR));
  // Loaded now, not at the top: `--help`, a wrong flag and a missing stack answer without loading the pipeline.
  const { openDatabase } = require('../src/duckdb') as typeof import('../src/duckdb');
  const { inputEndOffsets, openSinkInput } =
    require('../src/batch/open-sink-input') as typeof import('../src/batch/open-sink-input');
  const { s3SinkStore } = require('../src/batch/read-sink') as typeof import('../src/batch/read-sink');
  const { folderSinkStore } = require('../src/batch/sink-folder') as typeof import('../src/batch/sink-folder');
  const { runCleanStep, summariseCleanStep } =
    require('../src/batch/clean-step') as typeof import('../src/batch/clean-step');
  const { createLogger } = require('../src/log') as typeof import('../src/log');
  const { formatTable } = require('../src/terminal-table') as typeof import('../src/terminal-table');
  const sampleBucket =
    values.sample === undefined
      ? undefined
      : (require('../src/batch/sample-bucket') as typeof import('../src/batch/sample-bucket'));
  const log = createLogger('clean');
  const folder = pathOption(values, 'sink-folder');
  const sample = intOption(values, 'sample', 1);
  const input = folder
    ? undefined
    : sample !== undefined && sampleBucket
      ? await sampleBucket.openSampleSinkInput({ config, rows: sample })
      : await openSinkInput({
          config,
          dataDir: pathOption(values, 'data-dir', DATA_DIR),
          ...(typeof values['s3-endpoint'] === 'string' ? { endpoint: values['s3-endpoint'] } : {}),
          ...(typeof values['rest-proxy'] === 'string' ? { restProxyUrl: values['rest-proxy'] } : {}),
          ...(typeof values.bucket === 'string' ? { bucket: values.bucket } : {}),
        });
  const db = await openDatabase();
  try {
    const store = folder ? folderSinkStore(folder) : s3SinkStore(input!.s3, input!.bucket);
    const topics = input?.topics ?? config.names.topics;
    console.log(`reading ${input?.description ?? `the sink folder ${folder}`}`);
    const outDir = pathOption(values, 'out', CLEAN_DIR);
    const result = await runCleanStep({
      connection: db.connection,
      store,
      topics,
      log,
      ends: input ? await inputEndOffsets(input) : { unavailable: 'a folder copy of the bucket' },
      concurrency: intOption(values, 'concurrency', 1),
      sinkWaitMs: (numberOption(values, 'timeout', 0) ?? 120) * 1000,
      cleanDir: outDir,
      quarantineDir: pathOption(values, 'quarantine', QUARANTINE_DIR),
      allowGaps: values['allow-gaps'] === true,
    });
    console.log(
      formatTable(summariseCleanStep(result), [
        'table',
        'objects',
        'records',
        'missing',
        'quarantined',
        'parsed',
        'duplicates',
        'cleaned',
      ]),
    );
    console.log(`cleaned tables: ${outDir}/{pin,geo,user}.{csv,jsonl}`);
    console.log(
      `batch run ${result.run.run}${result.run.checkedAgainstEndOffsets ? ": every record below the topics' end offsets read" : ''} (${outDir}/run.json)`,
    );
    if (result.read.quarantined > 0)
      console.log(`quarantined records: ${Object.values(result.read.quarantineFiles).join(', ')}`);
    if (result.acceptedLoss) {
      for (const line of result.gapLines) console.error(line);
      console.error(`warning: ${result.acceptedLoss.message}`);
    }
    return result;
  } finally {
    db.close();
    await input?.close();
  }
}

if (require.main === module) runMain(main);
