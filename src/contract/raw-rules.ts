/**
 * The rules of a raw record (PIPELINE_SPEC.md §1), as one list per table: what each column may hold
 * (its `RawKind`; the column of kind `id` is the table's id) and the limits every reader keeps.
 * Three readers are made from this list, so none spells a rule of its own:
 * - `validateRecord` (raw-records.ts), the definition, in TypeScript: the record-by-record reader of
 *   the batch step and the stream consumer;
 * - `duckdbPlainCheck` / `duckdbPlainCast`: the batch step's fast path in DuckDB (src/batch/load-sink.ts);
 * - `sparkPlainRule` and `sparkColumnRule`: the batch_clean notebook's read and checked view on Spark
 *   (src/orchestration/databricks-notebooks.ts).
 */
import type { Dialect } from './sql-dialect';
import { COLUMNS, TABLES, type TableKey } from './tables';

/**
 * What a raw column may hold. `text`: a string (a number is turned into its text, as MySQL would
 * print it); `int`: a whole number or a string of digits; `float`: a finite number or numeric text;
 * `id`: a whole number >= 0 or a string of digits, never missing. Every kind but `id` also takes
 * null; an empty string in an `int` or `float` column is read as null.
 */
export type RawKind = 'id' | 'text' | 'int' | 'float';

/** The rule list: the kind of every raw column of each table. */
export const RAW_KINDS: { [K in TableKey]: Record<string, RawKind> } = {
  pin: {
    index: 'id',
    unique_id: 'text',
    title: 'text',
    description: 'text',
    poster_name: 'text',
    follower_count: 'text',
    tag_list: 'text',
    is_image_or_video: 'text',
    image_src: 'text',
    downloaded: 'int',
    save_location: 'text',
    category: 'text',
  },
  geo: { ind: 'id', timestamp: 'text', latitude: 'float', longitude: 'float', country: 'text' },
  user: { ind: 'id', first_name: 'text', last_name: 'text', age: 'int', date_joined: 'text' },
};

/** The id column of each table (the one of kind `id`): `index` in pins, `ind` in the other two. */
export const ID_COLUMN = Object.fromEntries(
  TABLES.map((table) => {
    const ids = (COLUMNS[table] as string[]).filter((column) => RAW_KINDS[table][column] === 'id');
    if (ids.length !== 1) throw new Error(`RAW_KINDS.${table} must have one column of kind id, has ${ids.length}`);
    return [table, ids[0]];
  }),
) as Record<TableKey, string>;

/** The id of a row of `table` (its `ID_COLUMN` value) as it is; undefined when there is no row. */
export function rowId(table: TableKey, row: object | null | undefined): unknown {
  return (row as Record<string, unknown> | null | undefined)?.[ID_COLUMN[table]];
}

/**
 * The largest whole number every reader keeps exactly: 2^53 - 1 (JSON.parse rounds larger ones).
 * An `id` or `int` beyond it is a value of an impossible type.
 */
export const MAX_WHOLE_NUMBER = Number.MAX_SAFE_INTEGER;

/** Text an `id` or `int` column reads as a whole number (after trimming). */
export const DIGITS_PATTERN = '^[+-]?[0-9]+$';
/** Text a `float` column reads as a number (after trimming). */
export const NUMBER_PATTERN = '^[+-]?([0-9]+[.]?[0-9]*|[.][0-9]+)([eE][+-]?[0-9]+)?$';

/** The SQL type of a raw column of each kind, per dialect. */
const RAW_TYPES: Record<Dialect, Record<RawKind, string>> = {
  duckdb: { id: 'BIGINT', text: 'VARCHAR', int: 'BIGINT', float: 'DOUBLE' },
  spark: { id: 'BIGINT', text: 'STRING', int: 'BIGINT', float: 'DOUBLE' },
};

/** The SQL type of a raw column of `kind` in a dialect. */
export function rawSqlType(kind: RawKind, dialect: Dialect): string {
  return RAW_TYPES[dialect][kind];
}

/** Digits of a whole number that is always exact (2^53 - 1 has 16 digits; any 15 are below it). */
const SAFE_DIGITS = `{1,${String(MAX_WHOLE_NUMBER).length - 1}}`;
/** An id's text that every reader keeps exactly: at most 15 digits (a regular expression, unanchored). */
const ID_DIGITS = `[0-9]${SAFE_DIGITS}`;
/** A whole number's text that every reader keeps exactly, with its sign. */
const WHOLE_DIGITS = `-?${ID_DIGITS}`;
/** The text of a JSON number (yyjson's and Jackson's: digits, a fraction, an exponent). */
const NUMBER_DIGITS = '-?[0-9]+([.][0-9]+)?([eE][-+]?[0-9]+)?';
const NUMBER_TEXT = `'${NUMBER_DIGITS}'`;

/**
 * DuckDB: SQL that is true when a column read as VARCHAR holds what `validateRecord` makes of the
 * JSON value, whatever JSON type it had. DuckDB reads every value as text (a string as itself, a
 * number, boolean, object or array as its JSON text), so:
 * - a whole number of at most 15 digits reads the same from `12` and `"12"`, and both are 12 to
 *   `validateRecord`; a float's text read back as a DOUBLE is the number JSON.parse gives;
 * - text is plain unless it could be the JSON text of something `validateRecord` rejects or prints
 *   differently: a boolean, an object or array, NaN/Infinity, or a number that is not a short whole
 *   number (`1.0` is "1" to JavaScript). A real string that looks like one ("true", "2.5") only
 *   costs its file a record-by-record read.
 */
export function duckdbPlainCheck(column: string, kind: RawKind): string {
  const c = `"${column}"`;
  switch (kind) {
    case 'id':
      return `regexp_full_match(${c}, '${ID_DIGITS}')`;
    case 'int':
      return `(${c} IS NULL OR regexp_full_match(${c}, '${WHOLE_DIGITS}'))`;
    case 'float':
      return `(${c} IS NULL OR (regexp_full_match(${c}, ${NUMBER_TEXT}) AND isfinite(TRY_CAST(${c} AS DOUBLE))))`;
    case 'text': {
      // By the first character (`ord`, cheaper than comparing text), so that each test runs only on
      // the values it concerns: '-', '.', '/' or a digit (45-57) may be a number, '[' or '{' (91,
      // 123) an array or object, and only F, I, N, T, f, i, n, t or '-' can begin a short word.
      const numberLike = `regexp_full_match(${c}, ${NUMBER_TEXT}) AND NOT regexp_full_match(${c}, '${WHOLE_DIGITS}')`;
      const word = `(length(${c}) <= 9 AND lower(${c}) IN ('true', 'false', 'nan', '-nan', 'inf', '-inf', 'infinity', '-infinity'))`;
      return (
        `(${c} IS NULL OR CASE WHEN ord(${c}) BETWEEN 45 AND 57 THEN NOT (${numberLike}) AND NOT ${word} ` +
        `WHEN ord(${c}) IN (91, 123) THEN FALSE WHEN ord(${c}) IN (70, 73, 78, 84, 102, 105, 110, 116) THEN NOT ${word} ELSE TRUE END)`
      );
    }
  }
}

/** DuckDB: SQL turning a column read as VARCHAR, holding a plain value, into the raw table's type. */
export function duckdbPlainCast(column: string, kind: RawKind): string {
  const c = `"${column}"`;
  return kind === 'text' ? c : `TRY_CAST(${c} AS ${rawSqlType(kind, 'duckdb')})`;
}

/**
 * Spark: the fast reading of one raw column, for the records whose every value can be read only one
 * way. Over `x_<c>`, the value as text (Spark's `from_json` with the column as STRING: a string as
 * itself, a number, boolean, object or array as its JSON text, NULL when absent or null) and, for a
 * float, `n_<c>` (the field of the record's VARIANT as a double). `plain` is true only when
 * `sparkColumnRule` would accept the value whatever its JSON type was, and read it as `value`: text
 * that cannot be a boolean, object, array or number other than a short whole one (the text of a
 * fraction may be spelled otherwise by the VARIANT, "1.5" for 1.50; Jackson writes "Infinity" for a
 * number too large, quotes included); an id or int of at most 15 digits (the same number as a string or a JSON number); a
 * float in plain decimals. `plain` is never NULL. Any other value takes `sparkColumnRule`.
 */
export function sparkPlainRule(column: string, kind: RawKind): { plain: string; value: string } {
  const x = `x_${column}`;
  switch (kind) {
    case 'text': {
      // The regular expressions run only for text starting with '-', '.', '/' or a digit.
      const other = `${x} IN ('true', 'false') OR startswith(${x}, '{') OR startswith(${x}, '[') OR startswith(${x}, '"')`;
      const number = `${x} >= '-' AND ${x} < ':' AND REGEXP_LIKE(${x}, '^${NUMBER_DIGITS}$') AND NOT REGEXP_LIKE(${x}, '^${WHOLE_DIGITS}$')`;
      return { plain: `(${x} IS NULL OR NOT (${other} OR ${number}))`, value: x };
    }
    case 'id':
      return { plain: `coalesce(REGEXP_LIKE(${x}, '^${ID_DIGITS}$'), false)`, value: `CAST(${x} AS BIGINT)` };
    case 'int':
      return { plain: `(${x} IS NULL OR REGEXP_LIKE(${x}, '^${WHOLE_DIGITS}$'))`, value: `CAST(${x} AS BIGINT)` };
    case 'float':
      return {
        plain: `(${x} IS NULL OR REGEXP_LIKE(${x}, '^${WHOLE_DIGITS}([.][0-9]${SAFE_DIGITS})?$'))`,
        value: `n_${column}`,
      };
  }
}

/**
 * Spark: what the rule of a column needs computed from the field `v_<c>` (the field as VARIANT,
 * NULL when absent): `t_<c>`, its `schema_of_variant` (STRING, BIGINT, DECIMAL(p,s), DOUBLE,
 * BOOLEAN, OBJECT<…>, ARRAY<…>, VOID for JSON null); for other kinds than text also `s_<c>` (its
 * text, trimmed) and `d_<c>` (its value as a double).
 */
export function sparkColumnInputs(column: string, kind: RawKind): string {
  const v = `v_${column}`;
  const type = `schema_of_variant(${v}) AS t_${column}`;
  return kind === 'text'
    ? type
    : `${type}, trim(try_variant_get(${v}, '$', 'string')) AS s_${column}, try_variant_get(${v}, '$', 'double') AS d_${column}`;
}

/**
 * Spark: the check and the value of one raw column, the rules of `validateRecord` for its kind, in
 * SQL over the columns of `sparkColumnInputs`.
 */
export function sparkColumnRule(column: string, kind: RawKind): { ok: string; value: string } {
  const [e, t, s, d] = ['v', 't', 's', 'd'].map((p) => `${p}_${column}`);
  const absent = `(${e} IS NULL OR ${t} = 'VOID')`;
  const numeric = `(${t} IN ('BIGINT', 'DOUBLE') OR ${t} LIKE 'DECIMAL%')`;
  switch (kind) {
    case 'text':
      return {
        ok: `${absent} OR ${t} = 'STRING' OR ${numeric}`,
        value: `CASE WHEN ${absent} THEN NULL ELSE try_variant_get(${e}, '$', 'string') END`,
      };
    case 'id':
    case 'int': {
      const value = `CASE WHEN ${absent} THEN NULL WHEN ${t} = 'STRING' THEN try_cast(${s} AS BIGINT) ELSE CAST(${d} AS BIGINT) END`;
      const digits = `${t} = 'STRING' AND REGEXP_LIKE(${s}, '${DIGITS_PATTERN}') AND abs(try_cast(${s} AS DECIMAL(38, 0))) <= ${MAX_WHOLE_NUMBER}`;
      const whole = `${numeric} AND ${d} = floor(${d}) AND abs(${d}) <= ${MAX_WHOLE_NUMBER}`;
      const ok =
        kind === 'id'
          ? `${absent} OR ((${digits} OR ${whole}) AND ${value} >= 0)`
          : `${absent} OR (${t} = 'STRING' AND ${s} = '') OR ${digits} OR ${whole}`;
      return { ok, value };
    }
    case 'float':
      return {
        ok: `${absent} OR (${t} = 'STRING' AND (${s} = '' OR REGEXP_LIKE(${s}, '${NUMBER_PATTERN}'))) OR ${numeric}`,
        value: `CASE WHEN ${absent} THEN NULL WHEN ${t} = 'STRING' THEN try_cast(NULLIF(${s}, '') AS DOUBLE) ELSE ${d} END`,
      };
  }
}
