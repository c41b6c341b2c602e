import { frameToRows, type Frame } from '../frames';
import { dropDuplicates } from './clean-values';

/** Rows in and out of one table's cleaning: `input === invalid + duplicates + output`. */
export interface CleanCounts {
  input: number;
  /** Rows without a usable id (the reader quarantines those first, so normally 0). */
  invalid: number;
  /** Rows dropped as duplicates. */
  duplicates: number;
  output: number;
}

export interface CleanResult<T> {
  rows: T[];
  counts: CleanCounts;
}

/** Row objects from raw rows or a raw DataFrame (whose reserved `index` column is called `ind`). */
export function framesRows<T extends object>(input: readonly T[] | Frame): T[] {
  if (Array.isArray(input)) return input as T[];
  return frameToRows<T>(input as Frame);
}


/**
 * The frame of every table's cleaning: `cleanRow` on each row (null: no usable id, counted as
 * invalid), then one row per `duplicateKey`, the first kept.
 */
export function cleanRowsWith<I, R>(rows: readonly I[], cleanRow: (raw: I) => R | null, duplicateKey: (row: R) => string): CleanResult<R> {
  const cleaned: R[] = [];
  for (const raw of rows) {
    const row = cleanRow(raw);
    if (row) cleaned.push(row);
  }
  const deduped = dropDuplicates(cleaned, duplicateKey);
  return { rows: deduped.rows, counts: { input: rows.length, invalid: rows.length - cleaned.length, duplicates: deduped.dropped, output: deduped.rows.length } };
}
