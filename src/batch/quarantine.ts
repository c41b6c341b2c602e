import path from 'node:path';
import { openJsonLinesLog, type JsonLinesLog } from '../json-lines-log';
import { TABLES, type TableKey } from '../contract/tables';

/** One line of a batch quarantine file: a record read back from S3 that is not a row of its table. */
export interface BatchQuarantineEntry {
  table: TableKey;
  /** The S3 object the record came from. */
  key: string;
  /** 1-based line of the record in that object. */
  line: number;
  reason: string;
  /** Size of the record in bytes. */
  bytes: number;
  /** The record's text (invalid UTF-8 shown as U+FFFD), cut to `PREVIEW_CHARS` characters. */
  record: string;
  /** True when `record` was cut. */
  truncated?: boolean;
}

/** Characters of a bad record kept in its quarantine line. */
export const PREVIEW_CHARS = 2_000;

/** Where bad records go: one JSON-lines file per table, plus the last entries in memory. */
export interface BatchQuarantine {
  /** File of each table, when writing to a folder. */
  readonly files: Partial<Record<TableKey, string>>;
  add(entry: Omit<BatchQuarantineEntry, 'record' | 'truncated'> & { text: string }): void;
  count(table?: TableKey): number;
  /** The entries of this run (at most the last 1,000 per table). */
  entries(table?: TableKey): BatchQuarantineEntry[];
  close(): void;
}

/** The quarantine file of `table` in `dir`. */
export function batchQuarantineFile(dir: string, table: TableKey): string {
  return path.join(dir, `batch-read-${table}.jsonl`);
}

/**
 * A quarantine writing `<dir>/batch-read-<table>.jsonl` for each table (emptied when the run starts,
 * so the files describe the latest run); without `dir`, entries are only kept in memory.
 */
export function createBatchQuarantine(dir?: string): BatchQuarantine {
  const logs = Object.fromEntries(TABLES.map((table) => [table, openJsonLinesLog<BatchQuarantineEntry>(dir && batchQuarantineFile(dir, table))])) as Record<TableKey, JsonLinesLog<BatchQuarantineEntry>>;
  const files: Partial<Record<TableKey, string>> = dir ? Object.fromEntries(TABLES.map((table) => [table, logs[table].file])) : {};
  return {
    files,
    add({ text, ...rest }) {
      const truncated = text.length > PREVIEW_CHARS;
      logs[rest.table].add({ ...rest, record: truncated ? text.slice(0, PREVIEW_CHARS) : text, ...(truncated ? { truncated } : {}) });
    },
    count: (table) => (table ? logs[table].count : logs.pin.count + logs.geo.count + logs.user.count),
    entries: (table) => (table ? logs[table].entries() : TABLES.flatMap((t) => logs[t].entries())),
    close() {
      for (const table of TABLES) logs[table].close();
    },
  };
}
