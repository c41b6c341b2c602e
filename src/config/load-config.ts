import { existsSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { parse as parseYaml } from 'yaml';
import { ConfigError } from '../errors';
import { registerSecret } from '../log';
import { TABLES, type TableKey } from '../contract/tables';
import { PROJECT_ROOT } from './paths';
import {
  AWS_FIELDS,
  DATABRICKS_FIELDS,
  DB_FIELDS,
  ENV_FIELDS,
  parseSection,
  type FieldSpec,
  type Origin,
} from './schema';

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

/** What the MySQL settings default to when only some (or none) of the `DB_*` variables are set: the same as `npm run db:seed`. */
export const MYSQL_DEFAULTS = {
  host: '127.0.0.1',
  port: 3306,
  user: 'root',
  password: '',
  database: 'pinterest_data',
} as const;

/** The label of MySQL settings that come from the environment alone, for messages. */
export const MYSQL_ENV_LABEL = 'DB_* variables';

function readYaml(file: string, label: string): YamlRecord | undefined {
  if (!existsSync(file)) return undefined;
  let parsed: unknown;
  try {
    parsed = parseYaml(readFileSync(file, 'utf8'));
  } catch (error) {
    const reason = error instanceof Error ? error.message.split('\n')[0] : String(error);
    throw new ConfigError(
      label,
      undefined,
      `is not valid YAML (${reason}); compare it with credentials.example/`,
      error,
    );
  }
  if (parsed === null || parsed === undefined) {
    throw new ConfigError(
      label,
      undefined,
      `is empty; fill it in as in credentials.example/${path.basename(file)}, or delete it`,
    );
  }
  if (typeof parsed !== 'object' || Array.isArray(parsed))
    throw new ConfigError(label, undefined, 'expected a mapping of KEY: value lines, as in credentials.example/');
  return parsed as YamlRecord;
}

/**
 * A file's keys with the environment variables of `fields` laid over them (each variable that is
 * set wins), and where each key came from, for messages and `origins`.
 */
function overlay(
  record: YamlRecord | undefined,
  env: NodeJS.ProcessEnv,
  fields: Record<string, FieldSpec>,
  origins: Record<string, string>,
  label: string,
): { values: YamlRecord; from: Record<string, Origin> } {
  const values: YamlRecord = { ...(record ?? {}) };
  const from: Record<string, Origin> = {};
  for (const key of Object.keys(values)) origins[`${label}:${key}`] = label;
  for (const [key, field] of Object.entries(fields)) {
    const value = field.env ? env[field.env] : undefined;
    if (field.env && value !== undefined && value !== '') {
      values[key] = value;
      origins[`${label}:${key}`] = `$${field.env}`;
      from[key] = { label: `$${field.env}` };
    }
  }
  return { values, from };
}

/**
 * MySQL settings from the `DB_*` variables alone; each one unset takes the default of
 * `MYSQL_DEFAULTS` (those of `npm run db:seed`). A wrong value names its variable.
 */
export function mysqlFromEnv(
  env: NodeJS.ProcessEnv = process.env,
  origins: Record<string, string> = {},
): MysqlSourceConfig {
  const { values, from } = overlay(undefined, env, DB_FIELDS, origins, MYSQL_ENV_LABEL);
  const db = parseSection(MYSQL_ENV_LABEL, DB_FIELDS, values, { origins: from });
  // DB_PASSWORD may be set to the empty string on purpose (overlay skips empty values).
  const password = db.PASSWORD ?? env.DB_PASSWORD ?? MYSQL_DEFAULTS.password;
  return {
    kind: 'mysql',
    host: db.HOST ?? MYSQL_DEFAULTS.host,
    user: db.USER ?? MYSQL_DEFAULTS.user,
    password,
    database: db.DATABASE ?? MYSQL_DEFAULTS.database,
    port: db.PORT ?? MYSQL_DEFAULTS.port,
    file: MYSQL_ENV_LABEL,
  };
}

/** A setting read from the environment only (`PP_SOURCE`, `PP_ROWS`, `PP_SEED`). */
function envSetting<K extends keyof typeof ENV_FIELDS>(
  env: NodeJS.ProcessEnv,
  name: K,
): ReturnType<typeof parseSection<Pick<typeof ENV_FIELDS, K>>>[K] {
  const value = env[name];
  if (value === undefined || value === '') return undefined;
  const fields = { [name]: ENV_FIELDS[name] } as Pick<typeof ENV_FIELDS, K>;
  return parseSection(
    `$${name}`,
    fields,
    { [name]: value },
    { origins: { [name]: { label: `$${name}` } } as Record<string, Origin> },
  )[name];
}

/** The folder of the YAML files, checked when named explicitly, and how to show a file of it in messages. */
function credentialsFolder(
  options: LoadConfigOptions,
  env: NodeJS.ProcessEnv,
): { credentialsDir: string; shown: (name: string) => string } {
  const cwd = options.cwd ?? PROJECT_ROOT;
  const explicitDir = options.credentialsDir ?? env.PP_CREDENTIALS_DIR;
  const credentialsDir = path.resolve(cwd, explicitDir ?? 'credentials');
  const shown = (name: string) => path.relative(cwd, path.join(credentialsDir, name)) || name;
  if (explicitDir !== undefined && (!existsSync(credentialsDir) || !statSync(credentialsDir).isDirectory())) {
    throw new ConfigError(
      explicitDir,
      undefined,
      'credentials folder not found; copy credentials.example/ there or unset PP_CREDENTIALS_DIR',
    );
  }
  return { credentialsDir, shown };
}

/** Source: db_creds.yaml (the course's file), the DB_* variables, or the embedded generator. */
function loadSource(
  credentialsDir: string,
  dbLabel: string,
  env: NodeJS.ProcessEnv,
  origins: Record<string, string>,
): SourceConfig {
  const dbFile = readYaml(path.join(credentialsDir, 'db_creds.yaml'), dbLabel);
  const sourceKind = envSetting(env, 'PP_SOURCE') ?? (dbFile || env.DB_HOST ? 'mysql' : 'embedded');
  if (sourceKind === 'mysql' && dbFile) {
    const { values, from } = overlay(dbFile, env, DB_FIELDS, origins, dbLabel);
    const db = parseSection(dbLabel, DB_FIELDS, values, { required: ['HOST', 'USER', 'DATABASE'], origins: from });
    return {
      kind: 'mysql',
      host: db.HOST as string,
      user: db.USER as string,
      password: db.PASSWORD ?? '',
      database: db.DATABASE as string,
      port: db.PORT ?? MYSQL_DEFAULTS.port,
      file: dbLabel,
    };
  }
  if (sourceKind === 'mysql') return mysqlFromEnv(env, origins);
  return {
    kind: 'embedded',
    rows: envSetting(env, 'PP_ROWS') ?? DEFAULT_ROWS,
    seed: envSetting(env, 'PP_SEED') ?? DEFAULT_SEED,
  };
}

/** AWS: aws.yaml; no invoke URL means the local stack. */
function loadAws(
  credentialsDir: string,
  awsLabel: string,
  env: NodeJS.ProcessEnv,
  origins: Record<string, string>,
): { userId: string; names: Names; aws: AwsConfig } {
  const awsInput = overlay(
    readYaml(path.join(credentialsDir, 'aws.yaml'), awsLabel),
    env,
    AWS_FIELDS,
    origins,
    awsLabel,
  );
  const aws = parseSection(awsLabel, AWS_FIELDS, awsInput.values, { origins: awsInput.from });
  const userId = aws.user_id ?? DEFAULT_USER_ID;
  const invokeUrl = aws.invoke_url;
  const names = namesFor(userId);
  names.bucket = aws.bucket ?? names.bucket;
  const awsConfig: AwsConfig = {
    region: aws.region ?? 'us-east-1',
    kinesisVia: aws.kinesis_via ?? 'sdk',
    ...(invokeUrl ? { invokeUrl } : {}),
  };
  return { userId, names, aws: awsConfig };
}

/** Databricks: databricks.yaml; the token only ever from the environment. */
function loadDatabricks(
  credentialsDir: string,
  dbxLabel: string,
  env: NodeJS.ProcessEnv,
  origins: Record<string, string>,
): DatabricksConfig {
  const dbxInput = overlay(
    readYaml(path.join(credentialsDir, 'databricks.yaml'), dbxLabel),
    env,
    DATABRICKS_FIELDS,
    origins,
    dbxLabel,
  );
  if (dbxInput.values.token !== undefined) {
    throw new ConfigError(
      dbxLabel,
      'token',
      'must not be stored in a file; set the DATABRICKS_TOKEN environment variable instead',
    );
  }
  const dbx = parseSection(dbxLabel, DATABRICKS_FIELDS, dbxInput.values, { origins: dbxInput.from });
  return {
    host: dbx.host,
    clusterId: dbx.cluster_id,
    notebookPath: dbx.notebook_path,
    token: env.DATABRICKS_TOKEN || undefined,
  };
}

/**
 * Reads `credentials/` (db_creds.yaml, aws.yaml, databricks.yaml) with environment overrides.
 * No credentials at all means the embedded local stack and the embedded source. Every file is
 * checked strictly (src/config/schema.ts): an unknown key, a wrong value or an empty file stops
 * with one line naming the file (or variable), the key and what is expected.
 */
export function loadConfig(options: LoadConfigOptions = {}): PipelineConfig {
  const env = options.env ?? process.env;
  const { credentialsDir, shown } = credentialsFolder(options, env);
  const origins: Record<string, string> = {};
  const source = loadSource(credentialsDir, shown('db_creds.yaml'), env, origins);
  if (source.kind === 'mysql') registerSecret(source.password);
  const { userId, names, aws } = loadAws(credentialsDir, shown('aws.yaml'), env, origins);
  const databricks = loadDatabricks(credentialsDir, shown('databricks.yaml'), env, origins);
  registerSecret(databricks.token);
  registerSecret(env.AWS_SECRET_ACCESS_KEY);
  return {
    credentialsDir,
    target: aws.invokeUrl ? 'aws' : 'local',
    userId,
    names,
    source,
    aws,
    databricks,
    origins,
  };
}
