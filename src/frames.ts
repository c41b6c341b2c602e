import * as dfd from 'danfojs-node';

export type Frame = InstanceType<typeof dfd.DataFrame>;
export type Dtype = 'string' | 'int32' | 'float32' | 'boolean';

/**
 * Column names danfojs cannot hold: a column called `index` replaces the DataFrame's own row index
 * (and `print()` then fails), so such a column is renamed, e.g. the raw pin table's `index` → `ind`.
 */
export const RESERVED_COLUMNS: Record<string, string> = { index: 'ind' };

export interface RowsToFrameOptions {
  /** One dtype per column; inferred from the first non-null value when omitted. */
  dtypes?: Dtype[];
}

/**
 * Builds a DataFrame from row objects with explicit columns and dtypes, so a column whose first
 * value is null (which danfojs cannot infer) still gets the right type. Reserved column names are
 * renamed by `RESERVED_COLUMNS`.
 */
export function rowsToFrame(
  rows: readonly object[],
  columns: readonly string[],
  options: RowsToFrameOptions = {},
): Frame {
  const data: Record<string, unknown[]> = {};
  for (const column of columns)
    data[RESERVED_COLUMNS[column] ?? column] = rows.map((row) => (row as Record<string, unknown>)[column] ?? null);
  const names = Object.keys(data);
  if (names.length !== columns.length)
    throw new Error(`rowsToFrame: renaming reserved columns of [${columns.join(', ')}] made two columns share a name`);
  // danfojs cannot build a frame from empty column arrays, but takes an empty row list.
  if (rows.length === 0)
    return new dfd.DataFrame([], { columns: names, ...(options.dtypes ? { dtypes: options.dtypes } : {}) });
  const types = options.dtypes ?? names.map((name) => inferDtype(data[name]));
  return new dfd.DataFrame(data, { columns: names, dtypes: types });
}

function inferDtype(values: unknown[]): Dtype {
  const first = values.find((v) => v !== null && v !== undefined);
  if (typeof first === 'number') return values.every((v) => v === null || Number.isInteger(v)) ? 'int32' : 'float32';
  if (typeof first === 'boolean') return 'boolean';
  return 'string';
}

/** Row objects back from a DataFrame (danfojs calls this format `column`: one object per row). */
export function frameToRows<T extends object = Record<string, unknown>>(frame: Frame): T[] {
  return dfd.toJSON(frame, { format: 'column' }) as T[];
}
