/**
 * Writing DataFrames as CSV and JSON lines, columns in the frame's order. Shared by the cleaned
 * tables (`output/clean/`) and the answers (`output/answers/`).
 *
 * CSV: a header line, "\n" line ends, null as an empty field (the cleaned tables hold no empty
 * strings, so an empty field always means null), arrays as JSON text (`"[51.5,-0.12]"`), and a
 * field quoted when it holds a comma, a quote, a line break or surrounding white space.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { Frame } from '../frames';
import { TABLES, type TableKey } from '../tables';

/** One CSV field. */
export function csvField(value: unknown): string {
  if (value === null || value === undefined) return '';
  const text = typeof value === 'object' ? JSON.stringify(value) : String(value);
  return /[",\r\n]|^\s|\s$/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

/** A whole CSV document. */
export function toCsv(columns: readonly string[], rows: readonly (readonly unknown[])[]): string {
  const lines = [columns.map(csvField).join(',')];
  for (const row of rows) lines.push(row.map(csvField).join(','));
  return `${lines.join('\n')}\n`;
}

/** JSON lines, one object per row, keys in column order. */
export function toJsonLines(columns: readonly string[], rows: readonly (readonly unknown[])[]): string {
  let out = '';
  for (const row of rows) {
    const object: Record<string, unknown> = {};
    columns.forEach((column, i) => { object[column] = row[i] ?? null; });
    out += `${JSON.stringify(object)}\n`;
  }
  return out;
}

/** A frame's rows as arrays (an empty frame has none). */
export function frameValues(frame: Frame): unknown[][] {
  return frame.shape[0] === 0 ? [] : (frame.values as unknown[][]);
}

export async function writeFrameCsv(file: string, frame: Frame): Promise<void> {
  await mkdir(path.dirname(file), { recursive: true });
  await writeFile(file, toCsv(frame.columns as string[], frameValues(frame)));
}

export async function writeFrameJsonLines(file: string, frame: Frame): Promise<void> {
  await mkdir(path.dirname(file), { recursive: true });
  await writeFile(file, toJsonLines(frame.columns as string[], frameValues(frame)));
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
