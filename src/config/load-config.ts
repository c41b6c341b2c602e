import { existsSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { parse as parseYaml } from 'yaml';
import { ConfigError } from '../errors';
import { registerSecret } from '../log';
import { TABLES, type TableKey } from '../tables';
import { PROJECT_ROOT } from './paths';
import { bucketName, httpUrl, oneOf, port, readKey, secretText, text, userId as userIdSpec } from './schema';

export const DEFAULT_USER_ID = 'localuser';
export const DEFAULT_ROWS = 11_153;
export const DEFAULT_SEED = 42;

export interface EmbeddedSourceConfig {
  kind: 'embedded';
  /** Posts the generator makes: the course's 11,153 by default. */
  rows: number;
  seed: number;
}

export interface MysqlSourceConfig {
  kind: 'mysql';
  host: string;
  user: string;
  password: string;
  database: string;
  port: number;
  /** Where the settings came from, for messages. */
  file: string;
}

export type SourceConfig = EmbeddedSourceConfig | MysqlSourceConfig;

export interface Names {
  topics: Record<TableKey, string>;
  streams: Record<TableKey, string>;
  bucket: string;
  /** Delta tables of the streaming path (`<user_id>_pin_table`, ...). */
  streamTables: Record<TableKey, string>;
  dagId: string;
}

export interface AwsConfig {
  region: string;
  /** API Gateway invoke URL, including the stage (`https://.../prod`). Unset: the embedded local stack. */
  invokeUrl?: string;
  /** How the streaming path reaches Kinesis when an invoke URL exists: the SDK, or the gateway's Kinesis routes. */
  kinesisVia: 'sdk' | 'gateway';
}

export interface DatabricksConfig {
  host?: string;
  clusterId?: string;
  notebookPath?: string;
  token?: string;
}

export interface PipelineConfig {
  credentialsDir: string;
  /** `local`: the embedded stack on 127.0.0.1; `aws`: the endpoints in credentials/. */
  target: 'local' | 'aws';
  userId: string;
  names: Names;
  source: SourceConfig;
  aws: AwsConfig;
  databricks: DatabricksConfig;
  /** `key -> origin` (file or environment variable) for every setting that was not a default. */
  origins: Record<string, string>;
}

export interface LoadConfigOptions {
  /** Folder of the YAML files; defaults to `$PP_CREDENTIALS_DIR` or `credentials/` in the workspace root. */
  credentialsDir?: string;
  env?: NodeJS.ProcessEnv;
  /** Base for relative paths; the workspace root by default, wherever the process runs. */
  cwd?: string;
}

export function namesFor(userId: string): Names {
  const topics = {} as Record<TableKey, string>;
  const streams = {} as Record<TableKey, string>;
  const streamTables = {} as Record<TableKey, string>;
  for (const table of TABLES) {
    topics[table] = `${userId}.${table}`;
    streams[table] = `streaming-${userId}-${table}`;
    streamTables[table] = `${userId.replace(/-/g, '_')}_${table}_table`;
  }
  return { topics, streams, streamTables, bucket: `user-${userId}-bucket`, dagId: `${userId.replace(/-/g, '_')}_dag` };
}

type YamlRecord = Record<string, unknown>;

function readYaml(file: string, label: string): YamlRecord | undefined {
  if (!existsSync(file)) return undefined;
  let parsed: unknown;
  try {
    parsed = parseYaml(readFileSync(file, 'utf8'));
  } catch (error) {
    const reason = error instanceof Error ? error.message.split('\n')[0] : String(error);
    throw new ConfigError(label, undefined, `is not valid YAML (${reason}); compare it with credentials.example/`, error);
  }
  if (parsed === null || parsed === undefined) return {};
  if (typeof parsed !== 'object' || Array.isArray(parsed)) throw new ConfigError(label, undefined, 'expected a mapping of KEY: value lines, as in credentials.example/');
  return parsed as YamlRecord;
}

/** Overlays environment variables on a file's keys; each variable that is set wins. */
function overlay(record: YamlRecord | undefined, env: NodeJS.ProcessEnv, mapping: Record<string, string>, origins: Record<string, string>, label: string): YamlRecord {
  const out: YamlRecord = { ...(record ?? {}) };
  for (const key of Object.keys(out)) origins[`${label}:${key}`] = label;
  for (const [key, variable] of Object.entries(mapping)) {
    const value = env[variable];
    if (value !== undefined && value !== '') {
      out[key] = value;
      origins[`${label}:${key}`] = `$${variable}`;
    }
  }
  return out;
}

/**
 * Reads `credentials/` (db_creds.yaml, aws.yaml, databricks.yaml) with environment overrides.
 * No credentials at all means the embedded local stack and the embedded source.
 */
export function loadConfig(options: LoadConfigOptions = {}): PipelineConfig {
  const env = options.env ?? process.env;
  const cwd = options.cwd ?? PROJECT_ROOT;
  const explicitDir = options.credentialsDir ?? env.PP_CREDENTIALS_DIR;
  const credentialsDir = path.resolve(cwd, explicitDir ?? 'credentials');
  const shown = (name: string) => path.relative(cwd, path.join(credentialsDir, name)) || name;
  if (explicitDir !== undefined && (!existsSync(credentialsDir) || !statSync(credentialsDir).isDirectory())) {
    throw new ConfigError(explicitDir, undefined, 'credentials folder not found; copy credentials.example/ there or unset PP_CREDENTIALS_DIR');
  }
  const origins: Record<string, string> = {};

  // Source: db_creds.yaml (the course's file) or the embedded generator.
  const dbLabel = shown('db_creds.yaml');
  const dbFile = readYaml(path.join(credentialsDir, 'db_creds.yaml'), dbLabel);
  const sourceKind = readKey('$PP_SOURCE', { PP_SOURCE: env.PP_SOURCE ?? (dbFile || env.DB_HOST ? 'mysql' : 'embedded') }, 'PP_SOURCE', oneOf('embedded', 'mysql'), true);
  let source: SourceConfig;
  if (sourceKind === 'mysql') {
    if (!dbFile && !env.DB_HOST) {
      throw new ConfigError(dbLabel, undefined, 'not found, but PP_SOURCE=mysql needs it; copy credentials.example/db_creds.yaml there and fill it in');
    }
    const db = overlay(dbFile, env, { HOST: 'DB_HOST', USER: 'DB_USER', PASSWORD: 'DB_PASSWORD', DATABASE: 'DB_DATABASE', PORT: 'DB_PORT' }, origins, dbLabel);
    const label = dbFile ? dbLabel : 'environment (DB_*)';
    source = {
      kind: 'mysql',
      host: readKey(label, db, 'HOST', text, true),
      user: readKey(label, db, 'USER', text, true),
      password: readKey(label, db, 'PASSWORD', secretText, false) ?? '',
      database: readKey(label, db, 'DATABASE', text, true),
      port: readKey(label, db, 'PORT', port, false) ?? 3306,
      file: label,
    };
    registerSecret(source.password);
  } else {
    const rows = readKey('$PP_ROWS', { PP_ROWS: env.PP_ROWS }, 'PP_ROWS', positiveInt, false) ?? DEFAULT_ROWS;
    const seed = readKey('$PP_SEED', { PP_SEED: env.PP_SEED }, 'PP_SEED', wholeNumber, false) ?? DEFAULT_SEED;
    source = { kind: 'embedded', rows, seed };
  }

  // AWS: aws.yaml; no invoke URL means the local stack.
  const awsLabel = shown('aws.yaml');
  const aws = overlay(readYaml(path.join(credentialsDir, 'aws.yaml'), awsLabel), env, {
    user_id: 'PP_USER_ID', region: 'AWS_REGION', invoke_url: 'PP_INVOKE_URL', bucket: 'PP_BUCKET', kinesis_via: 'PP_KINESIS_VIA',
  }, origins, awsLabel);
  const userId = readKey(awsLabel, aws, 'user_id', userIdSpec, false) ?? DEFAULT_USER_ID;
  const invokeUrl = readKey(awsLabel, aws, 'invoke_url', httpUrl, false);
  const names = namesFor(userId);
  names.bucket = readKey(awsLabel, aws, 'bucket', bucketName, false) ?? names.bucket;
  const awsConfig: AwsConfig = {
    region: readKey(awsLabel, aws, 'region', text, false) ?? 'us-east-1',
    kinesisVia: readKey(awsLabel, aws, 'kinesis_via', oneOf('sdk', 'gateway'), false) ?? 'sdk',
    ...(invokeUrl ? { invokeUrl } : {}),
  };

  // Databricks: databricks.yaml; the token only ever from the environment.
  const dbxLabel = shown('databricks.yaml');
  const dbx = overlay(readYaml(path.join(credentialsDir, 'databricks.yaml'), dbxLabel), env, {
    host: 'DATABRICKS_HOST', cluster_id: 'DATABRICKS_CLUSTER_ID', notebook_path: 'DATABRICKS_NOTEBOOK_PATH',
  }, origins, dbxLabel);
  if (dbx.token !== undefined) {
    throw new ConfigError(dbxLabel, 'token', 'must not be stored in a file; set the DATABRICKS_TOKEN environment variable instead');
  }
  const databricks: DatabricksConfig = {
    host: readKey(dbxLabel, dbx, 'host', httpUrl, false),
    clusterId: readKey(dbxLabel, dbx, 'cluster_id', text, false),
    notebookPath: readKey(dbxLabel, dbx, 'notebook_path', text, false),
    token: env.DATABRICKS_TOKEN || undefined,
  };
  registerSecret(databricks.token);
  registerSecret(env.AWS_SECRET_ACCESS_KEY);

  return { credentialsDir, target: invokeUrl ? 'aws' : 'local', userId, names, source, aws: awsConfig, databricks, origins };
}

const positiveInt = {
  expected: 'a positive integer',
  parse: (value: unknown) => {
    const n = typeof value === 'string' && /^\d+$/.test(value.trim()) ? Number(value) : value;
    return typeof n === 'number' && Number.isInteger(n) && n > 0 ? n : undefined;
  },
};

const wholeNumber = {
  expected: 'a whole number (0 or more)',
  parse: (value: unknown) => {
    const n = typeof value === 'string' && /^\d+$/.test(value.trim()) ? Number(value) : value;
    return typeof n === 'number' && Number.isInteger(n) && n >= 0 ? n : undefined;
  },
};
