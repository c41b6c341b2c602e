import { frameToRows, type Frame } from '../frames';

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

