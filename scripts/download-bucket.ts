/**
 * `npm run download-bucket -- DIR`: copies what the S3 sink wrote (the local stack's bucket, or the
 * configured one on AWS) to a folder, for `npm run clean -- --sink-folder DIR` and
 * `npm run spark -- … --sink DIR`. See `--help`.
 */
import { intOption, parseCommandLine, pathOption, runMain, type CommandSpec } from './lib/cli';
import { PipelineError } from '../src/errors';
import { loadConfig } from '../src/config';
import { S3_REQUESTS_IN_FLIGHT } from '../src/s3-in-flight';
import { DEFAULT_DATA_DIR } from '../src/local-stack/defaults';
import { requireRunningStack } from './lib/preflight';

export const SPEC: CommandSpec = {
  name: 'npm run download-bucket --',
  summary:
    "Copies every object under topics/ of the sink's bucket (the local stack's, or the configured user-<user_id>-bucket on AWS) to a folder laid out as `aws s3 sync s3://<bucket> DIR` leaves it.",
  options: {
    to: { type: 'string', value: 'DIR', description: 'the folder to write (created; existing files are overwritten)' },
    'data-dir': {
      type: 'string',
      value: 'DIR',
      description: 'local stack: the data folder of the stack running (npm run stack)',
      default: DEFAULT_DATA_DIR,
    },
    concurrency: {
      type: 'string',
      value: 'N',
      description: 'GetObject calls in flight',
      default: String(S3_REQUESTS_IN_FLIGHT),
    },
  },
  examples: [
    'npm run download-bucket -- --to ./my-bucket-copy',
    'npm run clean -- --sink-folder ./my-bucket-copy',
    'npm run spark -- databricks/batch_clean.sql --sink ./my-bucket-copy',
  ],
};

export async function main(argv: string[]): Promise<{ objects: number; bytes: number } | undefined> {
  const values = parseCommandLine(SPEC, argv);
  if (!values) return undefined;
  const dir = pathOption(values, 'to');
  if (!dir) throw new PipelineError('USAGE', 'give the folder to write: npm run download-bucket -- --to DIR');
  const config = loadConfig();
  const dataDir = pathOption(values, 'data-dir', DEFAULT_DATA_DIR);
  await requireRunningStack(config, dataDir);
  // Loaded after parsing: --help answers without loading the S3 client.
  const { openSinkInput } = require('../src/batch/open-sink-input') as typeof import('../src/batch/open-sink-input');
  const { downloadBucket } = require('../src/batch/download-bucket') as typeof import('../src/batch/download-bucket');
  const { createProgress } = require('../src/progress') as typeof import('../src/progress');
  const input = await openSinkInput({ config, dataDir });
  try {
    const progress = createProgress({ label: `copying ${input.description} to ${dir} (objects)`, total: 0 });
    const result = await downloadBucket({
      s3: input.s3,
      bucket: input.bucket,
      dir,
      concurrency: intOption(values, 'concurrency', 1) ?? S3_REQUESTS_IN_FLIGHT,
      progress,
    }).finally(() => progress.stop());
    console.log(
      `${result.objects.toLocaleString('en-US')} objects (${(result.bytes / 1e6).toFixed(1)} MB) in ${dir}; read them with npm run clean -- --sink-folder ${dir}`,
    );
    return result;
  } finally {
    await input.close();
  }
}

if (require.main === module) runMain(main);
