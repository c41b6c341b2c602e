import * as dfd from 'danfojs-node';

export type Frame = InstanceType<typeof dfd.DataFrame>;
export type Dtype = 'string' | 'int32' | 'float32' | 'boolean';

/**
 * Builds a DataFrame from row objects with explicit columns and dtypes, so a column whose first
 * value is null (which danfojs cannot infer) still gets the right type.
 */
export function rowsToFrame(rows: readonly object[], columns: readonly string[], dtypes?: Dtype[]): Frame {
  const data: Record<string, unknown[]> = {};
  for (const column of columns) data[column] = rows.map((row) => (row as Record<string, unknown>)[column] ?? null);
  const types = dtypes ?? columns.map((column) => inferDtype(data[column]));
  return new dfd.DataFrame(data, { columns: [...columns], dtypes: types });
}

function inferDtype(values: unknown[]): Dtype {
  const first = values.find((v) => v !== null && v !== undefined);
  if (typeof first === 'number') return values.every((v) => v === null || Number.isInteger(v)) ? 'int32' : 'float32';
  if (typeof first === 'boolean') return 'boolean';
  return 'string';
}

/** Row objects back from a DataFrame. */
export function frameToRows(frame: Frame): Record<string, unknown>[] {
  return dfd.toJSON(frame, { format: 'row' }) as Record<string, unknown>[];
}
