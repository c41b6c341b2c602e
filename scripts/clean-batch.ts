/**
 * The batch step on its own: reads what the S3 sink wrote for the three topics, quarantines bad
 * records, cleans the tables and writes output/clean/. See `--help`.
 */
import path from 'node:path';
import { openSinkInput } from '../src/batch/open-sink-input';
import { cleanBatch, summariseCleanBatch, type CleanBatchResult } from '../src/batch/run-batch';
import { intOption, parseCommandLine, runMain, type CommandSpec } from '../src/cli';
import { loadConfig, PROJECT_ROOT } from '../src/config';
import { createProgress } from '../src/progress';

export const SPEC: CommandSpec = {
  name: 'tsx scripts/clean-batch.ts',
  summary: 'Reads every object the S3 sink wrote for the three topics, quarantines records that are not rows, cleans pin, geo and user (PIPELINE_SPEC.md §5) and writes them as CSV and JSON lines.',
  options: {
    'out': { type: 'string', value: 'DIR', description: 'folder of the cleaned tables', default: 'output/clean' },
    'quarantine': { type: 'string', value: 'DIR', description: 'folder of the quarantine files (batch-read-<table>.jsonl)', default: 'output/quarantine' },
    'concurrency': { type: 'string', value: 'N', description: 'S3 GetObject calls in flight', default: '16' },
    's3-endpoint': { type: 'string', value: 'URL', description: 'S3 endpoint (default: the local stack running from .local-stack/, or AWS when credentials/aws.yaml has an invoke_url)' },
    'bucket': { type: 'string', value: 'NAME', description: 'bucket to read (default: the configured user-<user_id>-bucket)' },
    'sample': { type: 'string', value: 'N', description: 'read nothing from S3: generate N posts into a private temporary S3 first (no stack needed)' },
  },
  examples: ['tsx scripts/clean-batch.ts', 'tsx scripts/clean-batch.ts --sample 1000 --out /tmp/clean'],
};

/** A folder option: relative paths are taken from the workspace root. */
function fromRoot(value: unknown): string {
  return path.resolve(PROJECT_ROOT, String(value));
}

export async function main(argv: string[]): Promise<CleanBatchResult | undefined> {
  const values = parseCommandLine(SPEC, argv);
  if (!values) return undefined;
  const config = loadConfig();
  const concurrency = intOption(values, 'concurrency', 1) ?? 16;
  const input = await openSinkInput({
    config,
    sample: intOption(values, 'sample', 1),
    ...(typeof values['s3-endpoint'] === 'string' ? { endpoint: values['s3-endpoint'] } : {}),
    ...(typeof values.bucket === 'string' ? { bucket: values.bucket } : {}),
  });
  console.log(`reading ${input.description}`);
  const progress = createProgress({ label: `reading s3://${input.bucket}/topics/`, total: 0, fields: ['records', 'quarantined'] });
  try {
    const result = await cleanBatch({
      s3: input.s3, bucket: input.bucket, topics: input.topics, concurrency,
      cleanDir: fromRoot(values.out),
      quarantineDir: fromRoot(values.quarantine),
      onProgress: (p) => {
        progress.setTotal(p.objectsListed);
        progress.update(p.objectsRead, { records: p.records, quarantined: p.quarantined });
      },
    });
    progress.stop();
    console.log('table  objects  records  quarantined  parsed  duplicates  cleaned');
    for (const row of summariseCleanBatch(result)) {
      console.log(`${row.table.padEnd(5)}  ${String(row.objects).padStart(7)}  ${String(row.records).padStart(7)}  ${String(row.quarantined).padStart(11)}  ${String(row.parsed).padStart(6)}  ${String(row.duplicates).padStart(10)}  ${String(row.cleaned).padStart(7)}`);
    }
    console.log(`cleaned tables: ${fromRoot(values.out)}/{pin,geo,user}.{csv,jsonl}`);
    if (result.read.quarantined > 0) console.log(`quarantined records: ${Object.values(result.read.quarantineFiles).join(', ')}`);
    return result;
  } finally {
    await input.close();
  }
}

if (require.main === module) runMain(main);
