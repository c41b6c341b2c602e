/**
 * Checking one record read back from the S3 sink (or a stream) against the raw shape of its table
 * (PIPELINE_SPEC.md §1) before any cleaning.
 *
 * A record is rejected (and quarantined by the reader) only when it cannot be a row of its table:
 * it is not a JSON object, it has no id (`index` for pins, `ind` otherwise), or a column holds a
 * value of an impossible type (an object where text belongs, `"abc"` as an age, 1.5 as an id).
 * Dirty but possible values (placeholders, empty strings, unparsable dates) pass: removing those is
 * the cleaning's job. Missing columns become null.
 *
 * What each column may hold, the id column and the limits are the rule list of raw-rules.ts, from
 * which DuckDB's and Spark's checks are made too.
 *
 * Unknown extra fields are dropped (the course's tables have fixed columns, and Spark's
 * `from_json` with an explicit schema ignores them too); the reader counts them per field name so
 * a change in the producer is visible, and they never make a record fail.
 */
import { DIGITS_PATTERN, ID_COLUMN, MAX_WHOLE_NUMBER, NUMBER_PATTERN, RAW_KINDS, type RawKind } from './raw-rules';
import { COLUMNS, type GeoRow, type PinRow, type TableKey, type UserRow } from './tables';

/** Every column may be null except the id. */
type Nullable<T> = { [K in keyof T]: T[K] | null };

export type RawPinRow = Nullable<PinRow> & { index: number };
export type RawGeoRow = Nullable<GeoRow> & { ind: number };
export type RawUserRow = Nullable<UserRow> & { ind: number };

export interface RawRowByTable {
  pin: RawPinRow;
  geo: RawGeoRow;
  user: RawUserRow;
}

/** Raw rows of the three tables, in the order they were read. */
export interface RawTables {
  pin: RawPinRow[];
  geo: RawGeoRow[];
  user: RawUserRow[];
}

export type Validated<K extends TableKey> =
  { ok: true; row: RawRowByTable[K]; unknownFields: string[] } | { ok: false; reason: string };

/** Checks a parsed JSON value against the raw columns of `table`; see the module comment. */
export function validateRecord<K extends TableKey>(table: K, value: unknown): Validated<K> {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    return { ok: false, reason: `not a JSON object (got ${describeJson(value)})` };
  }
  const record = value as Record<string, unknown>;
  const kinds = RAW_KINDS[table];
  const idColumn = ID_COLUMN[table];
  if (record[idColumn] === undefined || record[idColumn] === null)
    return { ok: false, reason: `missing id: no "${idColumn}"` };
  const row: Record<string, unknown> = {};
  for (const column of COLUMNS[table] as string[]) {
    const read = readValue(kinds[column], record[column]);
    if (!read.ok) return { ok: false, reason: `"${column}" ${read.reason}` };
    row[column] = read.value;
  }
  const unknownFields = Object.keys(record).filter((key) => !(key in kinds));
  return { ok: true, row: row as unknown as RawRowByTable[K], unknownFields };
}

type Read = { ok: true; value: string | number | null } | { ok: false; reason: string };

const DIGITS = new RegExp(DIGITS_PATTERN);
const NUMBER = new RegExp(NUMBER_PATTERN);

function readValue(kind: RawKind, value: unknown): Read {
  if (value === undefined || value === null) return { ok: true, value: null };
  switch (kind) {
    case 'text':
      if (typeof value === 'string') return { ok: true, value };
      if (typeof value === 'number' && Number.isFinite(value)) return { ok: true, value: String(value) };
      return { ok: false, reason: `is ${describeJson(value)}, expected text` };
    case 'id':
    case 'int': {
      if (kind === 'int' && typeof value === 'string' && value.trim() === '') return { ok: true, value: null };
      const n = typeof value === 'string' && DIGITS.test(value.trim()) ? Number(value.trim()) : value;
      if (typeof n !== 'number' || !Number.isInteger(n) || Math.abs(n) > MAX_WHOLE_NUMBER)
        return { ok: false, reason: `is ${describeJson(value)}, expected a whole number` };
      if (kind === 'id' && n < 0) return { ok: false, reason: `is ${n}, expected an id (a whole number >= 0)` };
      return { ok: true, value: n };
    }
    case 'float': {
      if (typeof value === 'string' && value.trim() === '') return { ok: true, value: null };
      const n = typeof value === 'string' && NUMBER.test(value.trim()) ? Number(value.trim()) : value;
      if (typeof n !== 'number' || !Number.isFinite(n))
        return { ok: false, reason: `is ${describeJson(value)}, expected a number` };
      return { ok: true, value: n };
    }
  }
}

/** A short description of a JSON value for a quarantine reason. */
export function describeJson(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  if (typeof value === 'object') return 'an object';
  if (typeof value === 'string') return JSON.stringify(value.length > 40 ? `${value.slice(0, 40)}…` : value);
  if (typeof value === 'boolean') return `a boolean (${value})`;
  return String(value);
}
