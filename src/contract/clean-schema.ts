/**
 * The cleaned tables (PIPELINE_SPEC.md §5): their columns in the exact order, and each column's
 * type in the danfojs DataFrame and in SQL. One place, read by the cleaning, the writers, the
 * DuckDB loader and the DDL for Databricks.
 *
 * Representation choices:
 * - Timestamps (`timestamp`, `date_joined`) are text `"YYYY-MM-DD HH:MM:SS"` (UTC) in DataFrames,
 *   CSV and JSON lines, and `TIMESTAMP` in SQL (DuckDB and Spark both read that text as one).
 * - `coordinates` is `[latitude, longitude]`: a JavaScript array in the DataFrame (danfojs has no
 *   list dtype, so the column is typed `string` and holds the arrays), a JSON array in JSON lines,
 *   `"[lat,lon]"` text in CSV, and `DOUBLE[]` / `ARRAY<DOUBLE>` in SQL.
 * - Whole numbers are `int32` in danfojs, which only labels the column: the values stay JavaScript
 *   numbers, so follower counts above 2^31 stay exact (nothing here turns the column into a tensor).
 *   In SQL `follower_count` is BIGINT.
 * - `downloaded` is checked as a number when read but is not part of the cleaned pin table: the
 *   column order of §5 (the course's) does not list it.
 */
import path from 'node:path';
import type { Dtype } from '../frames';
import type { TableKey } from './tables';

/** Column types independent of any engine; `sqlType` names them per dialect. */
export type LogicalType = 'integer' | 'bigint' | 'text' | 'timestamp' | 'double_array';

export interface CleanColumn {
  name: string;
  type: LogicalType;
}

export interface CleanPinRow {
  ind: number;
  unique_id: string | null;
  title: string | null;
  description: string | null;
  follower_count: number | null;
  poster_name: string | null;
  tag_list: string | null;
  is_image_or_video: string | null;
  image_src: string | null;
  save_location: string | null;
  category: string | null;
}

export interface CleanGeoRow {
  ind: number;
  country: string | null;
  /** [latitude, longitude]; null when either is missing. */
  coordinates: [number, number] | null;
  /** "YYYY-MM-DD HH:MM:SS", UTC. */
  timestamp: string | null;
}

export interface CleanUserRow {
  ind: number;
  user_name: string | null;
  age: number | null;
  /** "YYYY-MM-DD HH:MM:SS", UTC. */
  date_joined: string | null;
}

export interface CleanRowByTable {
  pin: CleanPinRow;
  geo: CleanGeoRow;
  user: CleanUserRow;
}

export const CLEAN_SCHEMAS: { [K in TableKey]: CleanColumn[] } = {
  pin: [
    { name: 'ind', type: 'integer' },
    { name: 'unique_id', type: 'text' },
    { name: 'title', type: 'text' },
    { name: 'description', type: 'text' },
    { name: 'follower_count', type: 'bigint' },
    { name: 'poster_name', type: 'text' },
    { name: 'tag_list', type: 'text' },
    { name: 'is_image_or_video', type: 'text' },
    { name: 'image_src', type: 'text' },
    { name: 'save_location', type: 'text' },
    { name: 'category', type: 'text' },
  ],
  geo: [
    { name: 'ind', type: 'integer' },
    { name: 'country', type: 'text' },
    { name: 'coordinates', type: 'double_array' },
    { name: 'timestamp', type: 'timestamp' },
  ],
  user: [
    { name: 'ind', type: 'integer' },
    { name: 'user_name', type: 'text' },
    { name: 'age', type: 'integer' },
    { name: 'date_joined', type: 'timestamp' },
  ],
};

/** The column names of a cleaned table, in order. */
export function cleanColumns<K extends TableKey>(table: K): (keyof CleanRowByTable[K] & string)[] {
  return CLEAN_SCHEMAS[table].map((c) => c.name) as (keyof CleanRowByTable[K] & string)[];
}

const DTYPES: Record<LogicalType, Dtype> = {
  integer: 'int32',
  bigint: 'int32',
  text: 'string',
  timestamp: 'string',
  double_array: 'string',
};

/** The danfojs dtypes of a cleaned table, in column order. */
export function cleanDtypes(table: TableKey): Dtype[] {
  return CLEAN_SCHEMAS[table].map((c) => DTYPES[c.type]);
}

/**
 * The SQL name of each cleaned table. Not `pin`/`geo`/`user`: `user` is a reserved word in
 * several dialects (PostgreSQL, and a function in DuckDB and Spark), so all three get `_clean`.
 */
export const SQL_TABLES: Record<TableKey, string> = { pin: 'pin_clean', geo: 'geo_clean', user: 'user_clean' };

/** The files of one cleaned table. */
export interface CleanTableFiles {
  csv: string;
  jsonl: string;
}

/** Where `writeCleanTables` puts a table: `<dir>/<table>.csv` and `<dir>/<table>.jsonl`. */
export function cleanTableFiles(dir: string, table: TableKey): CleanTableFiles {
  return { csv: path.join(dir, `${table}.csv`), jsonl: path.join(dir, `${table}.jsonl`) };
}
