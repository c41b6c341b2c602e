/**
 * The batch step on its own (`npm run clean`): reads what the S3 sink wrote for the three topics
 * into DuckDB, quarantines bad records, cleans the tables with the shared cleaning SQL and writes
 * output/clean/. See `--help`.
 */
import { openDatabase } from '../src/duckdb';
import { openSinkInput } from '../src/batch/open-sink-input';
import { s3SinkStore } from '../src/batch/read-sink';
import { checkCleanBatch, cleanBatch, summariseCleanBatch, type CleanBatchResult } from '../src/batch/run-batch';
import { folderSinkStore } from '../src/batch/sink-folder';
import { intOption, parseCommandLine, pathOption, runMain, type CommandSpec } from './lib/cli';
import { loadConfig } from '../src/config';
import { createProgress } from '../src/progress';
import { formatTable } from '../src/terminal-table';
// The --sample option's generated bucket is test support, imported deliberately.
import { openSampleSinkInput } from '../test/support/sink-fixture';

const CLEAN_DIR = 'output/clean';
const QUARANTINE_DIR = 'output/quarantine';

export const SPEC: CommandSpec = {
  name: 'npm run clean --',
  summary: 'Reads every object the S3 sink wrote for the three topics into DuckDB, quarantines records that are not rows, cleans pin, geo and user with the shared cleaning SQL (src/cleaning/, PIPELINE_SPEC.md §5) and writes them as CSV and JSON lines. Fails when there is nothing to read, or when the sink\'s offsets show records that no object holds.',
  options: {
    'out': { type: 'string', value: 'DIR', description: 'folder of the cleaned tables', default: CLEAN_DIR },
    'quarantine': { type: 'string', value: 'DIR', description: 'folder of the quarantine files (batch-read-<table>.jsonl)', default: QUARANTINE_DIR },
    'concurrency': { type: 'string', value: 'N', description: 'S3 GetObject calls in flight', default: '16' },
    's3-endpoint': { type: 'string', value: 'URL', description: 'S3 endpoint (default: the local stack running from .local-stack/, or AWS when credentials/aws.yaml has an invoke_url)' },
    'bucket': { type: 'string', value: 'NAME', description: 'bucket to read (default: the configured user-<user_id>-bucket)' },
    'sink-folder': { type: 'string', value: 'DIR', description: 'read a folder copy of the bucket instead (e.g. made by aws s3 sync s3://<bucket> DIR)' },
    'sample': { type: 'string', value: 'N', description: 'read nothing from S3: generate N posts into a private temporary S3 first (no stack needed)' },
    'allow-gaps': { type: 'boolean', description: 'exit 0 even when the sink\'s offsets show missing records (they are still reported)' },
  },
  examples: ['npm run clean', 'npm run clean -- --sample 1000 --out /tmp/clean', 'npm run clean -- --sink-folder ./my-bucket-copy'],
};

export async function main(argv: string[]): Promise<CleanBatchResult | undefined> {
  const values = parseCommandLine(SPEC, argv);
  if (!values) return undefined;
  const config = loadConfig();
  const concurrency = intOption(values, 'concurrency', 1) ?? 16;
  const folder = pathOption(values, 'sink-folder');
  const sample = intOption(values, 'sample', 1);
  const input = folder ? undefined : sample !== undefined ? await openSampleSinkInput({ config, rows: sample }) : await openSinkInput({
    config,
    ...(typeof values['s3-endpoint'] === 'string' ? { endpoint: values['s3-endpoint'] } : {}),
    ...(typeof values.bucket === 'string' ? { bucket: values.bucket } : {}),
  });
  const store = folder ? folderSinkStore(folder) : s3SinkStore(input!.s3, input!.bucket);
  const topics = input?.topics ?? config.names.topics;
  console.log(`reading ${input?.description ?? `the sink folder ${folder}`}`);
  const progress = createProgress({ label: `reading ${store.description}/topics/`, total: 0, fields: ['records', 'quarantined'] });
  const db = await openDatabase();
  try {
    const outDir = pathOption(values, 'out', CLEAN_DIR);
    const result = await cleanBatch({
      connection: db.connection, store, topics, concurrency,
      cleanDir: outDir,
      quarantineDir: pathOption(values, 'quarantine', QUARANTINE_DIR),
      onProgress: (p) => {
        progress.setTotal(p.objectsListed);
        progress.update(p.objectsRead, { records: p.records, quarantined: p.quarantined });
      },
    }).finally(() => progress.stop());
    console.log(formatTable(summariseCleanBatch(result), ['table', 'objects', 'records', 'missing', 'quarantined', 'parsed', 'duplicates', 'cleaned']));
    console.log(`cleaned tables: ${outDir}/{pin,geo,user}.{csv,jsonl}`);
    if (result.read.quarantined > 0) console.log(`quarantined records: ${Object.values(result.read.quarantineFiles).join(', ')}`);
    const verdict = checkCleanBatch(result, { store: store.description, topics });
    for (const line of verdict.gapLines) console.error(line);
    if (verdict.gapError) {
      if (!values['allow-gaps']) throw verdict.gapError;
      console.error(`warning: ${verdict.gapError.message}`);
    }
    return result;
  } finally {
    db.close();
    await input?.close();
  }
}

if (require.main === module) runMain(main);
