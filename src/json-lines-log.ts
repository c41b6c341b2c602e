/**
 * The mechanics every run-scoped quarantine shares: one JSON line per entry, written as it comes
 * (synchronously, so nothing is lost if the run dies next), the file emptied when the log is opened
 * so it describes the latest run, a count, and the last entries kept in memory for summaries.
 */
import { closeSync, mkdirSync, openSync, writeSync } from 'node:fs';
import path from 'node:path';

/** Entries kept in memory; the file has all of them. */
export const KEPT_IN_MEMORY = 1_000;

export interface JsonLinesLog<T> {
  /** The file, or undefined when entries are only kept in memory (tests, notebooks). */
  readonly file: string | undefined;
  readonly count: number;
  add(entry: T): void;
  /** The entries of this run (the last `KEPT_IN_MEMORY` when more). */
  entries(): T[];
  close(): void;
}

/** Opens a log writing to `file` (its folder made, the file emptied), or in memory only without one. */
export function openJsonLinesLog<T>(file?: string): JsonLinesLog<T> {
  let fd: number | undefined;
  if (file) {
    mkdirSync(path.dirname(file), { recursive: true });
    fd = openSync(file, 'w');
  }
  const kept: T[] = [];
  let count = 0;
  return {
    file,
    get count() { return count; },
    add(entry) {
      count += 1;
      kept.push(entry);
      if (kept.length > KEPT_IN_MEMORY) kept.shift();
      if (fd !== undefined) writeSync(fd, `${JSON.stringify(entry)}\n`);
    },
    entries: () => [...kept],
    close() {
      if (fd !== undefined) closeSync(fd);
      fd = undefined;
    },
  };
}
