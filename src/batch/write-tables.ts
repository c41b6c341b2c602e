/**
 * Writing DataFrames as CSV and JSON lines, columns in the frame's order. Shared by the cleaned
 * tables (`output/clean/`) and the answers (`output/answers/`).
 *
 * CSV: a header line, "\n" line ends, null as an empty field (the cleaned tables hold no empty
 * strings, so an empty field always means null), arrays as JSON text (`"[51.5,-0.12]"`), and a
 * field quoted when it holds a comma, a quote, a line break or surrounding white space.
 */
import { mkdir, open } from 'node:fs/promises';
import path from 'node:path';
import type { Frame } from '../frames';
import { TABLES, type TableKey } from '../tables';

/** One CSV field. */
export function csvField(value: unknown): string {
  if (value === null || value === undefined) return '';
  const text = typeof value === 'object' ? JSON.stringify(value) : String(value);
  return /[",\r\n]|^\s|\s$/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

/** One CSV line (without its line end). */
export function csvLine(row: readonly unknown[]): string {
  return row.map(csvField).join(',');
}

/** A whole CSV document. */
export function toCsv(columns: readonly string[], rows: readonly (readonly unknown[])[]): string {
  const lines = [csvLine(columns)];
  for (const row of rows) lines.push(csvLine(row));
  return `${lines.join('\n')}\n`;
}

/** One JSON line (without its line end): an object, keys in column order. */
export function jsonLine(columns: readonly string[], row: readonly unknown[]): string {
  const object: Record<string, unknown> = {};
  columns.forEach((column, i) => { object[column] = row[i] ?? null; });
  return JSON.stringify(object);
}

/** JSON lines, one object per row, keys in column order. */
export function toJsonLines(columns: readonly string[], rows: readonly (readonly unknown[])[]): string {
  let out = '';
  for (const row of rows) out += `${jsonLine(columns, row)}\n`;
  return out;
}

/** Bytes of text gathered before each write of `writeLines`. */
const CHUNK_CHARS = 1 << 20;

/**
 * Writes `lines`, each followed by "\n", to `file` (its folder made if needed) a chunk at a time: a
 * table of any size, where one string of the whole file would pass V8's limit (about 512 MB).
 */
export async function writeLines(file: string, lines: Iterable<string>): Promise<void> {
  await mkdir(path.dirname(file), { recursive: true });
  const handle = await open(file, 'w');
  try {
    let chunk = '';
    for (const line of lines) {
      chunk += `${line}\n`;
      if (chunk.length >= CHUNK_CHARS) {
        await handle.write(chunk);
        chunk = '';
      }
    }
    if (chunk) await handle.write(chunk);
  } finally {
    await handle.close();
  }
}

/** A frame's rows as arrays (an empty frame has none). */
export function frameValues(frame: Frame): unknown[][] {
  return frame.shape[0] === 0 ? [] : (frame.values as unknown[][]);
}

export async function writeFrameCsv(file: string, frame: Frame): Promise<void> {
  const columns = frame.columns as string[];
  await writeLines(file, (function* () {
    yield csvLine(columns);
    for (const row of frameValues(frame)) yield csvLine(row);
  })());
}

export async function writeFrameJsonLines(file: string, frame: Frame): Promise<void> {
  const columns = frame.columns as string[];
  await writeLines(file, (function* () {
    for (const row of frameValues(frame)) yield jsonLine(columns, row);
  })());
}

/** The files of one cleaned table. */
export interface CleanTableFiles {
  csv: string;
  jsonl: string;
}

/** Where `writeCleanTables` puts a table: `<dir>/<table>.csv` and `<dir>/<table>.jsonl`. */
export function cleanTableFiles(dir: string, table: TableKey): CleanTableFiles {
  return { csv: path.join(dir, `${table}.csv`), jsonl: path.join(dir, `${table}.jsonl`) };
}

/** Writes the three cleaned tables to `dir` (e.g. `output/clean/`) as CSV and JSON lines. */
export async function writeCleanTables(frames: Record<TableKey, Frame>, dir: string): Promise<Record<TableKey, CleanTableFiles>> {
  const out = {} as Record<TableKey, CleanTableFiles>;
  for (const table of TABLES) {
    out[table] = cleanTableFiles(dir, table);
    await writeFrameCsv(out[table].csv, frames[table]);
    await writeFrameJsonLines(out[table].jsonl, frames[table]);
  }
  return out;
}
