/**
 * `npm run aws:kit`: writes the AWS and Databricks kit for the configured user id into
 * output/aws-kit/ (see `--help` and docs/from-local-to-aws.md).
 */
import path from 'node:path';
import { parseCommandLine, pathOption, runMain, type CommandSpec } from './lib/cli';
import { loadConfig } from '../src/config';
import { PipelineError } from '../src/errors';
import { buildKit, DEFAULT_KIT_DIR, placeholdersIn, writeKit } from '../src/kit/write-kit';
import { kitSettings, type KitOverrides } from '../src/kit/kit-settings';

export const SPEC: CommandSpec = {
  name: 'npm run aws:kit --',
  summary: 'Writes the AWS and Databricks kit for your user id (credentials/aws.yaml): the REST proxy and client properties for MSK IAM, the MSK Connect S3 sink configuration, the API Gateway OpenAPI definition, the IAM policies and the MWAA/Databricks steps. What AWS alone knows stays a <your-...> placeholder unless given below.',
  options: {
    out: { type: 'string', value: 'DIR', description: 'folder to write the kit into', default: DEFAULT_KIT_DIR },
    'account-id': { type: 'string', value: 'ID', description: 'your 12-digit AWS account id (role and resource ARNs)' },
    'bootstrap-servers': { type: 'string', value: 'LIST', description: 'MSK bootstrap servers for IAM (MSK → cluster → View client information)' },
    'zookeeper-connect': { type: 'string', value: 'LIST', description: "MSK's Apache ZooKeeper connection string (plaintext)" },
    'rest-proxy-host': { type: 'string', value: 'HOST', description: "the EC2 client's public DNS name (the {proxy+} integration's endpoint)" },
    'cluster-name': { type: 'string', value: 'NAME', description: 'MSK cluster name (IAM resource ARNs)' },
  },
  examples: ['npm run aws:kit', 'npm run aws:kit -- --account-id 123456789012 --rest-proxy-host ec2-1-2-3-4.compute-1.amazonaws.com --out /tmp/kit'],
};

export interface AwsKitResult {
  dir: string;
  files: string[];
  placeholders: string[];
}

export async function main(argv: string[], options: { out?: NodeJS.WritableStream } = {}): Promise<AwsKitResult | undefined> {
  const values = parseCommandLine(SPEC, argv);
  if (!values) return undefined;
  const out = options.out ?? process.stdout;
  const text = (name: string) => values[name] as string | undefined;
  const accountId = text('account-id');
  if (accountId !== undefined && !/^\d{12}$/.test(accountId)) throw new PipelineError('USAGE', `--account-id expects the 12 digits of your AWS account id, got ${JSON.stringify(accountId)}`);
  const overrides: KitOverrides = {
    accountId,
    bootstrapServers: text('bootstrap-servers'),
    zookeeperConnect: text('zookeeper-connect'),
    restProxyHost: text('rest-proxy-host'),
    clusterName: text('cluster-name'),
  };
  const settings = kitSettings(loadConfig(), Object.fromEntries(Object.entries(overrides).filter(([, v]) => v !== undefined)) as KitOverrides);
  const dir = pathOption(values, 'out', DEFAULT_KIT_DIR);
  const files = buildKit(settings);
  const written = await writeKit(dir, files);
  const placeholders = placeholdersIn(files);
  out.write(`AWS and Databricks kit for user ${settings.userId} (region ${settings.region}, bucket ${settings.names.bucket}) in ${dir}:\n`);
  for (const file of written) out.write(`  ${path.relative(dir, file)}\n`);
  out.write(placeholders.length ? `still to fill in: ${placeholders.join(', ')} (see --help)\n` : 'no placeholders left\n');
  out.write(`start with ${path.join(dir, 'README.md')}; run npm run doctor after each step\n`);
  return { dir, files: written, placeholders };
}

if (require.main === module) runMain(main);
