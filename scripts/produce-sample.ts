/**
 * `npm run produce-sample`: sends one pin, one geo and one user row down both paths of
 * the local stack (batch: invoke URL → REST proxy → S3 sink → S3; streaming: invoke URL →
 * Kinesis) and prints where each landed: its own topics and streams (sampleNames), never read by
 * the learner's tables. Uses the stack running from --data-dir (`npm run stack`); none running is an error.
 */
import { numberOption, parseCommandLine, pathOption, runMain, type CommandSpec } from './lib/cli';
import { DEFAULT_DATA_DIR } from '../src/local-stack/defaults';
import { findRunningStack } from '../src/local-stack/running-stack';

export const SPEC: CommandSpec = {
  name: 'npm run produce-sample --',
  summary:
    'Sends one post (pin, geo, user) through the local stack and shows the S3 object and Kinesis record of each row. The post goes to topics and streams of its own (<user_id>.sample.<table>, streaming-<user_id>-sample-<table>), which the S3 sink copies but npm run clean and npm run stream never read, so your tables stay as they are.',
  options: {
    'data-dir': {
      type: 'string',
      value: 'DIR',
      description: 'local stack: the data folder of the stack running (npm run stack)',
      default: DEFAULT_DATA_DIR,
    },
    timeout: { type: 'string', value: 'SECONDS', description: 'how long to wait for the S3 sink', default: '15' },
  },
  examples: ['npm run stack   # in another terminal, then:', 'npm run produce-sample'],
};

/** Runs the sample round trip and prints where each record landed. */
export async function main(argv: string[], out: NodeJS.WritableStream = process.stdout): Promise<void> {
  const values = parseCommandLine(SPEC, argv);
  if (!values) return;
  const dataDir = pathOption(values, 'data-dir', DEFAULT_DATA_DIR);
  const timeoutMs = (numberOption(values, 'timeout', 0) ?? 15) * 1000;
  await findRunningStack(dataDir);
  // Loaded after parsing and the stack check: --help and a missing stack answer without loading the clients.
  const { connectLocalStack } =
    require('../src/local-stack/start-local-stack') as typeof import('../src/local-stack/start-local-stack');
  const { createSampleHttpClient, roundTripRows, runSampleRoundTrip } =
    require('../src/local-stack/sample-roundtrip') as typeof import('../src/local-stack/sample-roundtrip');
  const connection = await connectLocalStack(dataDir);
  const http = createSampleHttpClient(connection.endpoints.invokeUrl);
  try {
    out.write(`Using the stack running from ${dataDir} (${connection.endpoints.invokeUrl}).\n`);
    const result = await runSampleRoundTrip(connection, { timeoutMs, http });
    for (const row of roundTripRows(result)) {
      out.write(`\n${row.path}, ${row.table}: ${row.landed}\n  ${row.content.split('\n').join('\n  ')}\n`);
    }
  } finally {
    http.close();
    await connection.close();
  }
}

if (require.main === module) runMain(main);
