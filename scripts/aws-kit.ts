/**
 * `npm run aws:kit`: writes the AWS and Databricks kit for the configured user id into
 * output/aws-kit/ (see `--help` and docs/from-local-to-aws.md). `--example` writes the copy
 * committed in docs/aws-kit/ (the default user id, every placeholder left), `--check` compares.
 */
import path from 'node:path';
import { parseCommandLine, pathOption, runMain, type CommandSpec } from './lib/cli';
import { DEFAULT_USER_ID, loadConfig, namesFor } from '../src/config';
import { PipelineError } from '../src/errors';
import {
  buildKit,
  DEFAULT_KIT_DIR,
  EXAMPLE_KIT_DIR,
  placeholdersIn,
  staleKitFiles,
  writeKit,
} from '../src/kit/write-kit';
import { describePlaceholders, kitSettings, type KitConfig, type KitOverrides } from '../src/kit/kit-settings';

export const SPEC: CommandSpec = {
  name: 'npm run aws:kit --',
  summary:
    'Writes the AWS and Databricks kit for your user id (credentials/aws.yaml): the REST proxy and client properties for MSK IAM, the MSK Connect S3 sink configuration, the API Gateway OpenAPI definition, the IAM policies and the MWAA/Databricks steps. What AWS alone knows stays a <your-...> placeholder unless given below; the last lines name what fills each one left.',
  options: {
    out: {
      type: 'string',
      value: 'DIR',
      description: `folder to write the kit into (default: ${DEFAULT_KIT_DIR}, or ${EXAMPLE_KIT_DIR} with --example)`,
    },
    'account-id': { type: 'string', value: 'ID', description: 'your 12-digit AWS account id (role and resource ARNs)' },
    'bootstrap-servers': {
      type: 'string',
      value: 'LIST',
      description: 'MSK bootstrap servers for IAM (MSK → cluster → View client information)',
    },
    'zookeeper-connect': {
      type: 'string',
      value: 'LIST',
      description: "MSK's Apache ZooKeeper connection string (plaintext)",
    },
    'rest-proxy-host': {
      type: 'string',
      value: 'HOST',
      description: "the EC2 client's public DNS name (the {proxy+} integration's endpoint)",
    },
    'cluster-name': { type: 'string', value: 'NAME', description: 'MSK cluster name (IAM resource ARNs)' },
    'mwaa-bucket': {
      type: 'string',
      value: 'NAME',
      description: 'the S3 bucket of your MWAA environment (its dags/ folder takes the DAG)',
    },
    example: {
      type: 'boolean',
      description: `the example kit committed in ${EXAMPLE_KIT_DIR}/: user ${DEFAULT_USER_ID}, every placeholder left; credentials/ and the environment are not read`,
    },
    check: {
      type: 'boolean',
      description:
        'write nothing; fail when a file of the folder differs from the generated kit, is missing or is extra',
    },
  },
  examples: [
    'npm run aws:kit',
    'npm run aws:kit -- --account-id 123456789012 --rest-proxy-host ec2-1-2-3-4.compute-1.amazonaws.com --out /tmp/kit',
    `npm run aws:kit -- --example           # regenerate ${EXAMPLE_KIT_DIR}/`,
    `npm run aws:kit -- --example --check   # is ${EXAMPLE_KIT_DIR}/ up to date?`,
  ],
};

export interface AwsKitResult {
  dir: string;
  files: string[];
  placeholders: string[];
}

/** The configuration of the example kit: the defaults, whatever credentials/ and the environment say. */
export function exampleKitConfig(): KitConfig {
  return {
    userId: DEFAULT_USER_ID,
    names: namesFor(DEFAULT_USER_ID),
    aws: { region: 'us-east-1', kinesisVia: 'sdk' },
    databricks: {},
  };
}

const OVERRIDE_OPTIONS: [keyof KitOverrides, string][] = [
  ['accountId', 'account-id'],
  ['bootstrapServers', 'bootstrap-servers'],
  ['zookeeperConnect', 'zookeeper-connect'],
  ['restProxyHost', 'rest-proxy-host'],
  ['clusterName', 'cluster-name'],
  ['mwaaBucket', 'mwaa-bucket'],
];

export async function main(
  argv: string[],
  options: { out?: NodeJS.WritableStream } = {},
): Promise<AwsKitResult | undefined> {
  const values = parseCommandLine(SPEC, argv);
  if (!values) return undefined;
  const out = options.out ?? process.stdout;
  const example = values.example === true;
  const overrides: KitOverrides = {};
  for (const [key, option] of OVERRIDE_OPTIONS) {
    const value = values[option];
    if (typeof value !== 'string') continue;
    if (example)
      throw new PipelineError(
        'USAGE',
        `--example writes the kit with every placeholder left; drop --${option}, or drop --example to write your own kit`,
      );
    overrides[key] = value;
  }
  if (overrides.accountId !== undefined && !/^\d{12}$/.test(overrides.accountId)) {
    throw new PipelineError(
      'USAGE',
      `--account-id expects the 12 digits of your AWS account id, got ${JSON.stringify(overrides.accountId)}`,
    );
  }
  const settings = kitSettings(example ? exampleKitConfig() : loadConfig(), overrides);
  const dir = pathOption(values, 'out', example ? EXAMPLE_KIT_DIR : DEFAULT_KIT_DIR);
  const files = buildKit(settings);
  const placeholders = placeholdersIn(files);
  if (values.check) {
    const stale = await staleKitFiles(dir, files);
    if (stale.length) {
      throw new PipelineError(
        'KIT_STALE',
        `${dir} differs from the generated kit (${stale.join(', ')}); rerun npm run aws:kit -- ${example ? '--example' : `--out ${dir}`}`,
      );
    }
    out.write(`${dir} is up to date (${Object.keys(files).length} files)\n`);
    return {
      dir,
      files: Object.keys(files)
        .sort()
        .map((name) => path.join(dir, name)),
      placeholders,
    };
  }
  const written = await writeKit(dir, files);
  out.write(
    `AWS and Databricks kit for user ${settings.userId} (region ${settings.region}, bucket ${settings.names.bucket}) in ${dir}:\n`,
  );
  for (const file of written) out.write(`  ${path.relative(dir, file)}\n`);
  if (placeholders.length) {
    out.write('still to fill in, and what fills each (rerun with the option, or set the key and rerun):\n');
    for (const line of describePlaceholders(placeholders)) out.write(`  ${line}\n`);
  } else {
    out.write('no placeholders left\n');
  }
  out.write(`start with ${path.join(dir, 'README.md')}; run npm run doctor after each step\n`);
  return { dir, files: written, placeholders };
}

if (require.main === module) runMain(main);
