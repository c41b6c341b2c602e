import { formatDateTime } from '../contract/tables';

/** A row as JSON text, or the reason it cannot be sent. */
export type Serialised = { ok: true; json: string } | { ok: false; reason: string };

/**
 * Serialises a row as the course did (`json.dumps(row, default=str)`): datetimes become
 * `"YYYY-MM-DD HH:MM:SS"` (UTC, `formatDateTime`), everything else is plain JSON. Values JSON
 * cannot carry faithfully make the row unserialisable instead of being silently changed:
 * BigInt, NaN and ±Infinity (JSON.stringify would write null), invalid dates, binary buffers,
 * functions, symbols, undefined column values and circular references.
 */
export function serialiseRow(row: unknown): Serialised {
  const problem = findProblem(row, '$', new Set());
  if (problem) return { ok: false, reason: `unserialisable: ${problem}` };
  return { ok: true, json: JSON.stringify(row, dateReplacer) };
}

/** JSON.stringify calls Date#toJSON before the replacer, so dates are recognised on the holder. */
function dateReplacer(this: Record<string, unknown>, key: string, value: unknown): unknown {
  const original = this[key];
  return original instanceof Date ? formatDateTime(original) : value;
}

function findProblem(value: unknown, where: string, seen: Set<object>): string | undefined {
  switch (typeof value) {
    case 'string':
    case 'boolean':
      return undefined;
    case 'number':
      return Number.isFinite(value) ? undefined : `${where} is ${value} (JSON has no non-finite numbers)`;
    case 'bigint':
      return `${where} is a BigInt (${value}n)`;
    case 'undefined':
      return `${where} has no value (undefined)`;
    case 'function':
    case 'symbol':
      return `${where} is a ${typeof value}`;
    default:
      break;
  }
  if (value === null) return undefined;
  if (value instanceof Date) return Number.isNaN(value.getTime()) ? `${where} is an invalid date` : undefined;
  if (Buffer.isBuffer(value) || ArrayBuffer.isView(value)) return `${where} is binary data`;
  const object = value as object;
  if (seen.has(object)) return `${where} refers back to itself (circular)`;
  seen.add(object);
  const entries = Array.isArray(object) ? object.map((v, i) => [String(i), v] as const) : Object.entries(object);
  for (const [key, child] of entries) {
    const problem = findProblem(child, Array.isArray(object) ? `${where}[${key}]` : `${where}.${key}`, seen);
    if (problem) return problem;
  }
  seen.delete(object);
  return undefined;
}

/**
 * A readable copy of any row for the quarantine file, never throwing: BigInt as text, circular
 * references as "[circular]", NaN and Infinity as text. (The quarantine cuts it: `cutPreview`.)
 */
export function readableRow(row: unknown): unknown {
  const seen = new WeakSet<object>();
  const text =
    JSON.stringify(row, function (this: Record<string, unknown>, key: string, value: unknown) {
      const original = key === '' ? value : this[key];
      if (original instanceof Date) return Number.isNaN(original.getTime()) ? 'Invalid Date' : formatDateTime(original);
      if (typeof value === 'bigint') return `${value}n`;
      if (typeof value === 'number' && !Number.isFinite(value)) return String(value);
      if (value === undefined && key !== '') return '[undefined]';
      if (typeof value === 'function' || typeof value === 'symbol') return `[${typeof value}]`;
      if (value !== null && typeof value === 'object') {
        if (seen.has(value)) return '[circular]';
        seen.add(value);
      }
      return value;
    }) ?? 'undefined';
  return JSON.parse(text) as unknown;
}
