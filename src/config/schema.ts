import { distance as levenshtein } from 'fastest-levenshtein';
import { z } from 'zod';
import { ConfigError } from '../errors';

/**
 * The shapes of the three credentials files and of the environment variables that override them,
 * as zod schemas. Objects are strict: a key a file must not have (a typo such as `invoke_ulr`) is
 * an error naming the file, the key and the nearest valid key. Every failure becomes one
 * ConfigError line: `<file or $VARIABLE>: <key>: expected <what>, got <what was found>`.
 */

/** One setting: its schema, what it expects in words, and the environment variable that overrides it. */
export interface FieldSpec<T = unknown> {
  schema: z.ZodType<T>;
  expected: string;
  /** The variable that overrides the file's key, when there is one. */
  env?: string;
  /** Never shown: a wrong value is described by its type only. */
  secret?: boolean;
}

const digits = z.string().trim().regex(/^\d+$/).transform(Number);

/** A non-empty string (numbers are taken as their text: `HOST: 10` is "10"). */
export const text = z.union([z.string().trim().min(1), z.number().transform(String)]);
/** Passwords may be empty (MariaDB's root here has none), but must be a string; `PASSWORD:` alone is empty. */
export const secretText = z.union([z.string(), z.number().transform(String), z.null().transform(() => '')]);
export const port = z.union([z.number(), digits]).pipe(z.number().int().min(1).max(65535));
export const positiveInt = z.union([z.number(), digits]).pipe(z.number().int().min(1));
export const wholeNumber = z.union([z.number(), digits]).pipe(z.number().int().min(0));
export const httpUrl = z
  .string()
  .trim()
  .pipe(z.url({ protocol: /^https?$/ }))
  .transform((url) => url.replace(/\/+$/, ''));
/** The course's user id becomes part of topic, stream and bucket names, so it must fit all three. */
export const userId = z
  .string()
  .trim()
  .regex(/^[a-z0-9][a-z0-9-]{1,38}[a-z0-9]$/);
export const bucketName = z
  .string()
  .trim()
  .regex(/^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/);

export const TEXT_EXPECTED = 'a non-empty string';
export const PORT_EXPECTED = 'an integer port between 1 and 65535';
export const URL_EXPECTED = 'an http(s) URL such as https://abc123.execute-api.us-east-1.amazonaws.com/prod';
export const USER_ID_EXPECTED =
  'lowercase letters, digits and hyphens, 3-40 characters (it names the topics, streams and bucket)';

/** `credentials/db_creds.yaml`: the course's file, with its upper-case keys. */
export const DB_FIELDS = {
  HOST: { schema: text, expected: TEXT_EXPECTED, env: 'DB_HOST' },
  USER: { schema: text, expected: TEXT_EXPECTED, env: 'DB_USER' },
  PASSWORD: { schema: secretText, expected: 'a string (may be empty)', env: 'DB_PASSWORD', secret: true },
  DATABASE: { schema: text, expected: TEXT_EXPECTED, env: 'DB_DATABASE' },
  PORT: { schema: port, expected: PORT_EXPECTED, env: 'DB_PORT' },
} satisfies Record<string, FieldSpec>;

/** `credentials/aws.yaml`. */
export const AWS_FIELDS = {
  user_id: { schema: userId, expected: USER_ID_EXPECTED, env: 'PP_USER_ID' },
  invoke_url: { schema: httpUrl, expected: URL_EXPECTED, env: 'PP_INVOKE_URL' },
  region: { schema: text, expected: TEXT_EXPECTED, env: 'AWS_REGION' },
  bucket: {
    schema: bucketName,
    expected: 'a valid S3 bucket name (3-63 lowercase letters, digits, dots, hyphens)',
    env: 'PP_BUCKET',
  },
  kinesis_via: { schema: z.enum(['sdk', 'gateway']), expected: 'one of sdk, gateway', env: 'PP_KINESIS_VIA' },
} satisfies Record<string, FieldSpec>;

/** `credentials/databricks.yaml`; the token only ever comes from `DATABRICKS_TOKEN`. */
export const DATABRICKS_FIELDS = {
  host: {
    schema: httpUrl,
    expected: 'an http(s) URL such as https://dbc-12345678-9abc.cloud.databricks.com',
    env: 'DATABRICKS_HOST',
  },
  cluster_id: { schema: text, expected: TEXT_EXPECTED, env: 'DATABRICKS_CLUSTER_ID' },
  notebook_path: { schema: text, expected: TEXT_EXPECTED, env: 'DATABRICKS_NOTEBOOK_PATH' },
} satisfies Record<string, FieldSpec>;

/** Environment-only settings. */
export const ENV_FIELDS = {
  PP_SOURCE: { schema: z.enum(['embedded', 'mysql']), expected: 'one of embedded, mysql' },
  PP_ROWS: { schema: positiveInt, expected: 'a positive integer' },
  PP_SEED: { schema: wholeNumber, expected: 'a whole number (0 or more)' },
} satisfies Record<string, FieldSpec>;

type Fields = Record<string, FieldSpec>;
type Parsed<F extends Fields> = { [K in keyof F]?: F[K] extends FieldSpec<infer T> ? T : never };

/** Where a setting came from: the file's key, or the variable that overrode it. */
export interface Origin {
  /** `credentials/aws.yaml`, or `$PP_INVOKE_URL`. */
  label: string;
  /** The key shown after the label (none for a variable: its name says it). */
  key?: string;
}

/** Levenshtein distance (fastest-levenshtein, kept and maintained), case-insensitive: how far a typed key is from a valid one. */
function distance(a: string, b: string): number {
  return levenshtein(a.toLowerCase(), b.toLowerCase());
}

/** The valid key closest to `key`. */
export function nearestKey(key: string, valid: readonly string[]): string {
  return [...valid].sort((a, b) => distance(key, a) - distance(key, b))[0];
}

function describeValue(value: unknown, secret: boolean): string {
  if (value === undefined) return 'nothing';
  if (secret) return `a ${Array.isArray(value) ? 'list' : value === null ? 'null' : typeof value}`;
  if (typeof value === 'string') return JSON.stringify(value.length > 40 ? `${value.slice(0, 40)}…` : value);
  if (Array.isArray(value)) return 'a list';
  if (value !== null && typeof value === 'object') return 'a mapping';
  return String(value);
}

/**
 * Validates `values` (a file's keys with environment overrides laid over them) against `fields`
 * with a strict zod object; `required` keys must be present. `origins` says where each key came
 * from, so an error names the file and key, or the variable. Returns the parsed values.
 */
export function parseSection<F extends Fields>(
  label: string,
  fields: F,
  values: Record<string, unknown>,
  options: { required?: readonly (keyof F & string)[]; origins?: Record<string, Origin> } = {},
): Parsed<F> {
  const required = new Set<string>(options.required ?? []);
  const shape: Record<string, z.ZodType> = {};
  for (const [key, field] of Object.entries(fields)) {
    // A YAML key with no value (`region:`) is null: missing, except for a password, where it is empty.
    const schema = field.secret ? field.schema : z.preprocess((v) => (v === null ? undefined : v), field.schema);
    shape[key] = required.has(key) ? schema : schema.optional();
  }
  const result = z.strictObject(shape).safeParse(values);
  if (result.success) return result.data as Parsed<F>;
  // A mistyped key explains a "missing" one (`host:` for HOST), so unknown keys are reported first.
  const issue = result.error.issues.find((i) => i.code === 'unrecognized_keys') ?? result.error.issues[0];
  if (issue.code === 'unrecognized_keys') {
    const key = issue.keys[0];
    const valid = Object.keys(fields);
    throw new ConfigError(
      label,
      key,
      `unknown key; did you mean ${nearestKey(key, valid)}? (valid keys: ${valid.join(', ')})`,
    );
  }
  const key = String(issue.path[0] ?? '');
  const field = fields[key];
  if (!field) throw new ConfigError(label, key || undefined, issue.message, result.error);
  const origin = options.origins?.[key] ?? { label, key };
  const raw = values[key];
  if (raw === undefined || (raw === null && !field.secret))
    throw new ConfigError(origin.label, origin.key, `missing; expected ${field.expected}`, result.error);
  throw new ConfigError(
    origin.label,
    origin.key,
    `expected ${field.expected}, got ${describeValue(raw, field.secret === true)}`,
    result.error,
  );
}
