/**
 * The value-level rules of the cleaning (PIPELINE_SPEC.md §5), shared by the three tables and by
 * the streaming path. Each is a pure function of one value.
 */
import { formatDateTime } from '../tables';

/** A raw value as text (numbers as JavaScript prints them); null and undefined → null. */
export function asText(value: unknown): string | null {
  return value === null || value === undefined ? null : String(value);
}

/** A raw value when it is a number or text (for `toInteger`/`toNumber`); anything else → null. */
export function numberOrText(value: unknown): number | string | null {
  return typeof value === 'number' || typeof value === 'string' ? value : null;
}

/** null for null, an empty string or only white space; the value unchanged otherwise. */
export function emptyToNull(value: string | null | undefined): string | null {
  if (value === null || value === undefined) return null;
  return value.trim() === '' ? null : value;
}

/** null when `value` (compared without surrounding white space) is one of `placeholders` or empty. */
export function placeholderToNull(value: string | null | undefined, placeholders: readonly string[]): string | null {
  const text = emptyToNull(value);
  return text !== null && placeholders.includes(text.trim()) ? null : text;
}

const MULTIPLIERS: Record<string, number> = { k: 1_000, m: 1_000_000 };

/**
 * `follower_count` as a whole number: `"124k"` → 124000, `"2M"` → 2000000 (`k`/`M` in either case,
 * decimals allowed: `"1.5k"` → 1500), `"532"` → 532 (thousands separators allowed: `"1,234"`).
 * Anything else (`"User Info Error"`, empty, negative, unreadable text) → null. Results stay exact:
 * they are whole JavaScript numbers, exact up to 2^53.
 */
export function parseFollowerCount(value: string | number | null | undefined): number | null {
  if (value === null || value === undefined) return null;
  if (typeof value === 'number') return Number.isFinite(value) && value >= 0 ? checkSafe(Math.round(value)) : null;
  const text = value.trim();
  if (/^\d+$/.test(text)) return checkSafe(Number(text));
  if (/^\d{1,3}(,\d{3})+$/.test(text)) return checkSafe(Number(text.replace(/,/g, '')));
  const match = /^(\d+(?:\.\d+)?)\s*([kKmM])$/.exec(text);
  if (!match) return null;
  return checkSafe(Math.round(Number(match[1]) * MULTIPLIERS[match[2].toLowerCase()]));
}

function checkSafe(n: number): number | null {
  return Number.isSafeInteger(n) ? n : null;
}

/** `"Local save in /data/finance"` → `"/data/finance"`; a value without the prefix is kept; empty → null. */
export function savePath(value: string | null | undefined): string | null {
  const text = emptyToNull(value);
  if (text === null) return null;
  return emptyToNull(text.trim().replace(/^Local save in\s*/i, ''));
}

const DATE_TIME = /^(\d{4})-(\d{2})-(\d{2})(?:[ T](\d{2}):(\d{2})(?::(\d{2})(\.\d+)?)?)?\s*(Z|[+-]\d{2}:?\d{2})?$/i;

/**
 * A timestamp in the one representation the cleaned tables use: `"YYYY-MM-DD HH:MM:SS"`, UTC, no
 * fraction (the course's format, read by DuckDB and Spark as TIMESTAMP). Accepts that format, ISO
 * 8601 with `T`, fractions (dropped) and offsets (converted to UTC), and a bare date (midnight).
 * Impossible dates (`2021-02-30`) and anything else → null.
 */
export function normaliseTimestamp(value: string | null | undefined): string | null {
  const text = emptyToNull(value)?.trim();
  if (!text) return null;
  const m = DATE_TIME.exec(text);
  if (!m) return null;
  const [year, month, day, hour, minute, second] = [m[1], m[2], m[3], m[4] ?? '0', m[5] ?? '0', m[6] ?? '0'].map(Number);
  const local = Date.UTC(year, month - 1, day, hour, minute, second);
  const check = new Date(local);
  if (check.getUTCFullYear() !== year || check.getUTCMonth() !== month - 1 || check.getUTCDate() !== day || hour > 23 || minute > 59 || second > 59) return null;
  let offsetMinutes = 0;
  const zone = m[8];
  if (zone && zone.toUpperCase() !== 'Z') {
    const z = /^([+-])(\d{2}):?(\d{2})$/.exec(zone) as RegExpExecArray;
    offsetMinutes = (z[1] === '-' ? -1 : 1) * (Number(z[2]) * 60 + Number(z[3]));
  }
  return formatDateTime(new Date(local - offsetMinutes * 60_000));
}

/** A whole number kept as is; anything else → null. */
export function toInteger(value: number | string | null | undefined): number | null {
  if (value === null || value === undefined) return null;
  const n = typeof value === 'string' && /^[+-]?\d+$/.test(value.trim()) ? Number(value.trim()) : value;
  return typeof n === 'number' && Number.isSafeInteger(n) ? n : null;
}

/** A finite number kept as is; numeric text read; anything else → null. */
export function toNumber(value: number | string | null | undefined): number | null {
  if (value === null || value === undefined) return null;
  if (typeof value === 'string' && value.trim() === '') return null;
  const n = typeof value === 'string' ? Number(value.trim()) : value;
  return Number.isFinite(n) ? n : null;
}

/**
 * Keeps the first row of each key, in order. Rows whose key is undefined are all kept. Returns the
 * kept rows and how many were dropped.
 */
export function dropDuplicates<T>(rows: readonly T[], key: (row: T) => string | undefined): { rows: T[]; dropped: number } {
  const seen = new Set<string>();
  const kept: T[] = [];
  for (const row of rows) {
    const k = key(row);
    if (k !== undefined) {
      if (seen.has(k)) continue;
      seen.add(k);
    }
    kept.push(row);
  }
  return { rows: kept, dropped: rows.length - kept.length };
}

/** The key of an exact duplicate: every column's value, in column order. */
export function exactRowKey<T extends object>(columns: readonly (keyof T)[]): (row: T) => string {
  return (row) => JSON.stringify(columns.map((column) => row[column] ?? null));
}
