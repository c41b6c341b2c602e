import * as dfd from 'danfojs-node';
import { rowsToFrame, type Dtype, type Frame } from '../frames';

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
  return dfd.toJSON(input as Frame, { format: 'column' }) as T[];
}

/**
 * `rowsToFrame` that also takes zero rows: danfojs cannot build a frame from a column object of
 * empty arrays, but takes an empty row list with columns and dtypes.
 */
export function buildFrame(rows: readonly object[], columns: readonly string[], dtypes?: Dtype[]): Frame {
  if (rows.length === 0) return new dfd.DataFrame([], { columns: [...columns], ...(dtypes ? { dtypes } : {}) });
  return rowsToFrame(rows, columns, dtypes ? { dtypes } : {});
}
