/**
 * Looking at the raw tables before cleaning them, and at what each cleaning rule changed: the
 * learner's view of step 3 (notebook 03). The raw rows are a danfojs DataFrame, profiled with
 * danfojs (value counts, maps, group-bys) in generic terms (the shape of a text, its most frequent
 * values, what precedes a path, repeated ids), so the profile shows the dirt without knowing the
 * rules; the rules themselves are only in the cleaning SQL, whose output `ruleExamples` compares with
 * the raw rows.
 */
import type { DuckDBConnection } from '@duckdb/node-api';
import * as dfd from 'danfojs-node';
import { queryFrame } from '../duckdb';
import { RAW_VIEWS } from '../cleaning/cleaning-sql';
import { rowsToFrame, type Frame } from '../frames';
import { COLUMNS, type TableKey } from '../contract/tables';
import { SQL_TABLES } from '../contract/clean-schema';
import { ID_COLUMN } from '../contract/raw-rules';

/** A raw table (`pin_raw`, …) as a DataFrame, its first `limit` rows by id (all when omitted). The pin table's `index` is `ind` there. */
export async function rawTableFrame(connection: DuckDBConnection, table: TableKey, limit?: number): Promise<Frame> {
  const columns = (COLUMNS[table] as string[]).map((c) => (c === 'index' ? '"index" AS ind' : `"${c}"`)).join(', ');
  return queryFrame(
    connection,
    `SELECT ${columns} FROM ${RAW_VIEWS[table]} ORDER BY "${ID_COLUMN[table]}"${limit === undefined ? '' : ` LIMIT ${Math.floor(limit)}`}`,
  );
}

/** The shape of a text: each run of digits `9`, of letters `a` (case kept as `A`), other characters as they are; null `(null)`. */
export function textShape(value: unknown): string {
  if (value === null || value === undefined) return '(null)';
  const text = String(value);
  if (text.trim() === '') return '(empty)';
  return text
    .replace(/[0-9]+/g, '9')
    .replace(/[a-z]+/g, 'a')
    .replace(/[A-Z]+/g, 'A');
}

/**
 * `value, count` of a Series's values as text (nulls `(null)`), most frequent first, the first `top`:
 * a danfojs group-by (its `valueCounts` merges "9a" with "9A", as it parses keys as numbers).
 */
export function valueCountsFrame(series: InstanceType<typeof dfd.Series>, top = 10, name = 'value'): Frame {
  const values = (series.values as unknown[]).map((v) => (v === null || v === undefined ? '(null)' : String(v)));
  if (values.length === 0) return rowsToFrame([], [name, 'count'], { dtypes: ['string', 'int32'] });
  const grouped = new dfd.DataFrame({ [name]: values, n: values.map(() => 1) }, { dtypes: ['string', 'int32'] })
    .groupby([name])
    .col(['n'])
    .count();
  const rows = (grouped.values as [string, number][]).map(([value, count]) => ({ [name]: value, count }));
  rows.sort((a, b) => b.count - a.count || String(a[name]).localeCompare(String(b[name])));
  return rowsToFrame(rows.slice(0, top), [name, 'count'], { dtypes: ['string', 'int32'] });
}

/** What a profile of the raw pin rows shows, each part a DataFrame. */
export interface PinProfile {
  /** The shapes `follower_count` comes in (`9`, `9a`, `9A`, `Aa Aa Aa`, …) and how often. */
  followerShapes: Frame;
  /** Per text column: its most frequent value, how often it occurs, and how many values are empty. */
  frequentValues: Frame;
  /** What stands before the path in `save_location`, and how often. */
  saveLocationPrefixes: Frame;
  /** How many `unique_id`s occur more than once, and the rows they take. */
  repeatedIds: Frame;
}

const PIN_TEXT_COLUMNS = [
  'title',
  'description',
  'poster_name',
  'follower_count',
  'tag_list',
  'image_src',
  'is_image_or_video',
  'category',
];

/** Profiles raw pin rows (`rawTableFrame(connection, 'pin')`) with danfojs; see `PinProfile`. */
export function profileRawPins(pins: Frame): PinProfile {
  const followerShapes = valueCountsFrame(
    pins.column('follower_count').map(textShape) as InstanceType<typeof dfd.Series>,
    10,
    'shape',
  );
  const frequent = PIN_TEXT_COLUMNS.map((column) => {
    const top = valueCountsFrame(pins.column(column), 1);
    const empty = (
      pins.column(column).map((v: unknown) => (typeof v === 'string' && v.trim() === '' ? 1 : 0)) as InstanceType<
        typeof dfd.Series
      >
    ).sum() as number;
    return {
      column,
      most_frequent: top.shape[0] ? String(top.column('value').values[0]) : '',
      count: top.shape[0] ? Number(top.column('count').values[0]) : 0,
      empty,
    };
  });
  const frequentValues = rowsToFrame(frequent, ['column', 'most_frequent', 'count', 'empty'], {
    dtypes: ['string', 'string', 'int32', 'int32'],
  });
  const prefix = (value: unknown) =>
    typeof value === 'string' && value.includes('/') ? value.slice(0, value.indexOf('/')) : textShape(value);
  const saveLocationPrefixes = valueCountsFrame(
    pins.column('save_location').map(prefix) as InstanceType<typeof dfd.Series>,
    10,
    'before the path',
  );
  const perId = valueCountsFrame(pins.column('unique_id'), Infinity, 'unique_id');
  const repeated = (perId.column('count').values as number[]).filter((n) => n > 1);
  const repeatedIds = rowsToFrame(
    [
      {
        unique_ids: perId.shape[0],
        repeated: repeated.length,
        rows_of_repeated: repeated.reduce((a, b) => a + b, 0),
        rows: pins.shape[0],
      },
    ],
    ['unique_ids', 'repeated', 'rows_of_repeated', 'rows'],
    { dtypes: ['int32', 'int32', 'int32', 'int32'] },
  );
  return { followerShapes, frequentValues, saveLocationPrefixes, repeatedIds };
}

/** One rule's effect: a raw column (SQL over the raw table `r`) next to the cleaned one (over the cleaned table `c`). */
export interface RuleColumns {
  raw: string;
  clean: string;
}

/**
 * Rows the cleaning changed for one rule: the raw value and the cleaned value side by side, for the
 * first `limit` rows (by id) where they differ as text, and how many rows differ. Needs the raw
 * table and the cleaned table in `connection`.
 */
export async function ruleExamples(
  connection: DuckDBConnection,
  table: TableKey,
  rule: RuleColumns,
  limit = 5,
): Promise<{ changed: number; examples: Frame }> {
  const join = `FROM ${RAW_VIEWS[table]} r JOIN ${SQL_TABLES[table]} c ON c.ind = r."${ID_COLUMN[table]}"`;
  const differs = `(${rule.raw})::VARCHAR IS DISTINCT FROM (${rule.clean})::VARCHAR`;
  const changed = await queryFrame(connection, `SELECT COUNT(*) AS n ${join} WHERE ${differs}`);
  const examples = await queryFrame(
    connection,
    `SELECT DISTINCT c.ind, ${rule.raw} AS raw, ${rule.clean} AS cleaned ${join} WHERE ${differs} ORDER BY c.ind LIMIT ${Math.floor(limit)}`,
  );
  return { changed: Number(changed.column('n').values[0]), examples };
}
