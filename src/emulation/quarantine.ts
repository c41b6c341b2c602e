import { openJsonLinesLog } from '../json-lines-log';
import type { TableKey } from '../contract/tables';
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

/**
 * A quarantine writing JSON lines to `file` (truncated when the run starts, so the file describes
 * the latest run), e.g. `output/quarantine/emulation-batch.jsonl`; without a file the entries are
 * only kept in memory (tests, notebooks).
 */
export function createQuarantine(file?: string): Quarantine {
  const log = openJsonLinesLog<QuarantineEntry>(file);
  return {
    file,
    get count() { return log.count; },
    add(entry) {
      const preview = previewRow(entry.row);
      log.add({ table: entry.table, destination: entry.destination, id: entry.id, reason: entry.reason, row: preview.row, ...(preview.truncated ? { rowChars: preview.chars } : {}) });
    },
    entries: () => log.entries(),
    close: () => log.close(),
  };
}
