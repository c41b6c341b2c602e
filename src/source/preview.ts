import { rowsToFrame, type Frame } from '../frames';
import { COLUMNS, TABLE_NAMES, TABLES, type TableKey } from '../contract/tables';
import type { RowSource } from './row-source';

export interface TablePreview {
  table: TableKey;
  /** The MySQL table name (pinterest_data, geolocation_data, user_data). */
  name: string;
  frame: Frame;
}

export interface SourcePreview {
  description: string;
  posts: number;
  tables: TablePreview[];
  /** Rows in each source table. */
  counts: { table: string; rows: number }[];
}

/**
 * The first `limit` rows of each source table as DataFrames, and how many posts the source holds.
 * danfojs cannot hold a column called `index`, so pinterest_data's `index` shows as `ind`.
 */
export async function previewSource(source: RowSource, limit = 5): Promise<SourcePreview> {
  const tables: TablePreview[] = [];
  for (const table of TABLES) {
    const rows = await source.rows(table, 0, limit);
    tables.push({ table, name: TABLE_NAMES[table], frame: rowsToFrame(rows, COLUMNS[table] as readonly string[]) });
  }
  const posts = await source.count();
  const counts = TABLES.map((table) => ({ table: TABLE_NAMES[table], rows: posts }));
  return { description: source.description, posts, tables, counts };
}
