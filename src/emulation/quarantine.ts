import { closeSync, mkdirSync, openSync, writeSync } from 'node:fs';
import path from 'node:path';
import type { TableKey } from '../tables';
import { previewRow } from './serialise-row';

/** One line of the quarantine file. */
export interface QuarantineEntry {
  table: TableKey;
  /** Topic or stream the row was meant for. */
  destination: string;
  /** The post's id (`index` / `ind`). */
  id: string;
  reason: string;
  /** The row, or its first 2,000 characters as text when larger. */
  row: unknown;
  /** Characters of the full row's JSON when `row` was truncated. */
  rowChars?: number;
}

/** Rows that can never be sent, kept with the reason so nothing disappears silently. */
export interface Quarantine {
  /** The JSON-lines file, or undefined when entries are only kept in memory. */
  readonly file: string | undefined;
  readonly count: number;
  add(entry: Omit<QuarantineEntry, 'row' | 'rowChars'> & { row: unknown }): void;
  /** The entries of this run (the last 1,000 when more). */
  entries(): readonly QuarantineEntry[];
  close(): void;
}

const KEPT_IN_MEMORY = 1_000;

/**
 * A quarantine writing JSON lines to `file` (truncated when the run starts, so the file describes
 * the latest run), e.g. `output/quarantine/emulation-batch.jsonl`; without a file the entries are
 * only kept in memory (tests, notebooks).
 */
export function createQuarantine(file?: string): Quarantine {
  let fd: number | undefined;
  if (file) {
    mkdirSync(path.dirname(file), { recursive: true });
    fd = openSync(file, 'w');
  }
  const kept: QuarantineEntry[] = [];
  let count = 0;
  return {
    file,
    get count() { return count; },
    add(entry) {
      const preview = previewRow(entry.row);
      const line: QuarantineEntry = { table: entry.table, destination: entry.destination, id: entry.id, reason: entry.reason, row: preview.row, ...(preview.truncated ? { rowChars: preview.chars } : {}) };
      count += 1;
      kept.push(line);
      if (kept.length > KEPT_IN_MEMORY) kept.shift();
      if (fd !== undefined) writeSync(fd, `${JSON.stringify(line)}\n`);
    },
    entries: () => kept,
    close() {
      if (fd !== undefined) closeSync(fd);
      fd = undefined;
    },
  };
}
