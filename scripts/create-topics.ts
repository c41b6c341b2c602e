/**
 * Creates the three topics (REST Proxy v3) and the three Kinesis streams, waiting until ACTIVE.
 * Idempotent: what exists is reported as such. Names come from configuration.
 */
import { choiceOption, intOption, parseCommandLine, pathOption, runMain, type CommandSpec } from './lib/cli';
import { loadConfig } from '../src/config';
import { PipelineError } from '../src/errors';
import { createLogger } from '../src/log';
import type { SetupResult } from '../src/emulation/create-topics';
import { DEFAULT_DATA_DIR } from '../src/local-stack/defaults';
import { formatTable } from '../src/terminal-table';
import { requireRunningStack } from './lib/preflight';
import { createProgress } from '../src/progress';

export const SPEC: CommandSpec = {
  name: 'npm run create-topics --',
  summary:
    'Creates the topics <user_id>.pin|geo|user through the REST Proxy v3 API and the streams streaming-<user_id>-pin|geo|user in Kinesis (waiting until ACTIVE). Safe to run again.',
  options: {
    'topics-only': { type: 'boolean', description: 'create the topics, not the streams' },
    'streams-only': { type: 'boolean', description: 'create the streams, not the topics' },
    partitions: { type: 'string', value: 'N', description: 'partitions of each new topic', default: '1' },
    'replication-factor': {
      type: 'string',
      value: 'N',
      description: 'copies of each partition (default: 1 locally, 3 on AWS)',
    },
    shards: { type: 'string', value: 'N', description: 'shards of each new stream', default: '1' },
    'stream-via': {
      type: 'string',
      value: 'ROUTE',
      description: 'sdk or gateway (default: kinesis_via of credentials/aws.yaml, sdk locally)',
    },
    'rest-proxy': {
      type: 'string',
      value: 'URL',
      description: 'on AWS: the REST Proxy URL, when its v3 API is not behind the invoke URL',
    },
    'data-dir': {
      type: 'string',
      value: 'DIR',
      description: 'local stack: data folder of a running stack, or to start one from',
      default: DEFAULT_DATA_DIR,
    },
  },
  examples: ['npm run create-topics', 'npm run create-topics -- --streams-only --shards 2'],
};

/** Parses `argv`, creates what is missing and prints one line per topic and stream (undefined after --help). */
export async function main(
  argv: string[],
  io: { out?: NodeJS.WritableStream } = {},
): Promise<SetupResult[] | undefined> {
  const values = parseCommandLine(SPEC, argv);
  if (!values) return undefined;
  if (values['topics-only'] && values['streams-only'])
    throw new PipelineError('USAGE', '--topics-only and --streams-only exclude each other');
  const streamVia = choiceOption(values, 'stream-via', ['sdk', 'gateway'] as const);
  const config = loadConfig();
  const dataDir = pathOption(values, 'data-dir', DEFAULT_DATA_DIR);
  await requireRunningStack(config, dataDir);
  const log = createLogger('create-topics');
  // Loaded after parsing: --help answers without loading the clients.
  const { ensureDestinations, openEmulationTargets } =
    require('../src/emulation/targets') as typeof import('../src/emulation/targets');
  const targets = await openEmulationTargets(config, {
    dataDir,
    streamVia,
    restProxyUrl: values['rest-proxy'] as string | undefined,
    log,
  });
  try {
    const kinds = (values['streams-only'] ? 0 : 1) + (values['topics-only'] ? 0 : 1);
    const progress = createProgress({
      label: 'creating the topics, then the streams (until ACTIVE)',
      total: 3 * kinds,
    });
    const results = await ensureDestinations(targets, {
      onResult: () => progress.increment(),
      topics: values['streams-only'] !== true,
      streams: values['topics-only'] !== true,
      partitions: intOption(values, 'partitions', 1),
      replicationFactor: intOption(values, 'replication-factor', 1),
      shards: intOption(values, 'shards', 1),
    }).finally(() => progress.stop());
    const out = io.out ?? process.stdout;
    const rows = results.map((r) => ({
      kind: r.kind,
      name: r.name,
      outcome: `${r.outcome}${r.status ? ` (${r.status})` : ''}`,
    }));
    out.write(`${formatTable(rows, ['kind', 'name', 'outcome'])}\n`);
    return results;
  } finally {
    await targets.close();
  }
}

if (require.main === module) runMain(main);
