import { ConfigError } from '../errors';

/** One key of a configuration file: how to read it and what to say when it is wrong. */
export interface KeySpec<T> {
  expected: string;
  parse(value: unknown): T | undefined;
}

export const text: KeySpec<string> = {
  expected: 'a non-empty string',
  parse: (value) => (typeof value === 'string' && value.trim() !== '' ? value.trim() : typeof value === 'number' ? String(value) : undefined),
};

/** Passwords may be empty (MariaDB's root here has none), but must be a string. */
export const secretText: KeySpec<string> = {
  expected: 'a string (may be empty)',
  parse: (value) => (typeof value === 'string' ? value : typeof value === 'number' ? String(value) : value === null ? '' : undefined),
};

export const port: KeySpec<number> = {
  expected: 'an integer port between 1 and 65535',
  parse: (value) => {
    const n = typeof value === 'string' && /^\d+$/.test(value.trim()) ? Number(value) : value;
    return typeof n === 'number' && Number.isInteger(n) && n >= 1 && n <= 65535 ? n : undefined;
  },
};

export const httpUrl: KeySpec<string> = {
  expected: 'an http(s) URL such as https://abc123.execute-api.us-east-1.amazonaws.com/prod',
  parse: (value) => {
    if (typeof value !== 'string') return undefined;
    try {
      const url = new URL(value.trim());
      return url.protocol === 'http:' || url.protocol === 'https:' ? value.trim().replace(/\/+$/, '') : undefined;
    } catch {
      return undefined;
    }
  },
};

/** The course's user id becomes part of topic, stream and bucket names, so it must fit all three. */
export const userId: KeySpec<string> = {
  expected: 'lowercase letters, digits and hyphens, 3-40 characters (it names the topics, streams and bucket)',
  parse: (value) => (typeof value === 'string' && /^[a-z0-9][a-z0-9-]{1,38}[a-z0-9]$/.test(value.trim()) ? value.trim() : undefined),
};

export const bucketName: KeySpec<string> = {
  expected: 'a valid S3 bucket name (3-63 lowercase letters, digits, dots, hyphens)',
  parse: (value) => (typeof value === 'string' && /^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/.test(value.trim()) ? value.trim() : undefined),
};

export function oneOf<T extends string>(...choices: T[]): KeySpec<T> {
  return {
    expected: `one of ${choices.join(', ')}`,
    parse: (value) => (typeof value === 'string' && (choices as string[]).includes(value.trim()) ? (value.trim() as T) : undefined),
  };
}

/** Reads `key` of `record` with `spec`; throws a ConfigError naming file and key when invalid. */
export function readKey<T>(file: string, record: Record<string, unknown>, key: string, spec: KeySpec<T>, required: true): T;
export function readKey<T>(file: string, record: Record<string, unknown>, key: string, spec: KeySpec<T>, required: false): T | undefined;
export function readKey<T>(file: string, record: Record<string, unknown>, key: string, spec: KeySpec<T>, required: boolean): T | undefined {
  const raw = record[key];
  if (raw === undefined || (raw === null && spec !== secretText)) {
    if (required) throw new ConfigError(file, key, `missing; expected ${spec.expected}`);
    return undefined;
  }
  const parsed = spec.parse(raw);
  if (parsed === undefined) throw new ConfigError(file, key, `expected ${spec.expected}, got ${describeValue(raw, spec === secretText)}`);
  return parsed;
}

function describeValue(value: unknown, secret: boolean): string {
  if (secret) return `a ${Array.isArray(value) ? 'list' : typeof value}`;
  if (typeof value === 'string') return JSON.stringify(value.length > 40 ? `${value.slice(0, 40)}…` : value);
  if (Array.isArray(value)) return 'a list';
  if (value !== null && typeof value === 'object') return 'a mapping';
  return String(value);
}
