/**
 * The one writer of quarantine files: the records a stage sets aside, one JSON line each with the
 * reason, so nothing disappears silently. Every stage's quarantine (the emulation's unsendable rows,
 * the batch reader's bad records, the stream consumer's undecodable records) is built on it:
 *
 * - `fresh` files are emptied when the writer opens, so they describe the latest run (the
 *   emulation, the batch read);
 * - `append` files keep what earlier runs wrote and are only created at their first entry (the
 *   stream consumer, which resumes from its checkpoints across restarts);
 * - without a file the entries are only kept in memory (tests, notebooks).
 *
 * Lines are written synchronously as entries come, so nothing is lost if the run dies next. A
 * record's text is cut at `PREVIEW_CHARS` here (`cutPreview`), for every stage.
 */
import { appendFileSync, closeSync, mkdirSync, openSync, writeSync } from 'node:fs';
import path from 'node:path';

/** Characters of a set-aside record kept in its quarantine line. */
export const PREVIEW_CHARS = 2_000;

/** Entries kept in memory; the file has all of them. */
export const KEPT_IN_MEMORY = 1_000;

/**
 * One quarantine line: where the record came from (`Origin`, e.g. a table and an S3 key and line),
 * why it was set aside, and a preview of it with any stage-specific fields (`Details`). Each stage
 * names these fields itself; the writer only needs the reason.
 */
export type QuarantineEntry<Origin extends object, Details extends object> = Origin & { reason: string } & Details;

/** `fresh`: emptied when opened (one run per file); `append`: kept across runs. */
export type QuarantineMode = 'fresh' | 'append';

export interface QuarantineWriter<T extends { reason: string }> {
  /** The JSON-lines file, or undefined when entries are only kept in memory. */
  readonly file: string | undefined;
  /** Entries added since the writer opened. */
  readonly count: number;
  add(entry: T): void;
  /** Adds several entries, written in one go. */
  addAll(entries: readonly T[]): void;
  /** The entries added since the writer opened (the last `KEPT_IN_MEMORY` when more). */
  entries(): T[];
  close(): void;
}

/** A writer of `file` in `mode` (its folder made when needed), or in memory only without a file. */
export function createQuarantineWriter<T extends { reason: string }>(
  file?: string,
  mode: QuarantineMode = 'fresh',
): QuarantineWriter<T> {
  const write = file === undefined ? undefined : mode === 'fresh' ? freshFile(file) : appendingFile(file);
  const kept: T[] = [];
  let count = 0;
  const addAll = (entries: readonly T[]) => {
    if (!entries.length) return;
    count += entries.length;
    kept.push(...entries);
    if (kept.length > KEPT_IN_MEMORY) kept.splice(0, kept.length - KEPT_IN_MEMORY);
    write?.lines(entries.map((entry) => `${JSON.stringify(entry)}\n`).join(''));
  };
  return {
    file,
    get count() {
      return count;
    },
    add: (entry) => addAll([entry]),
    addAll,
    entries: () => [...kept],
    close: () => write?.close(),
  };
}

interface LineSink {
  lines(text: string): void;
  close(): void;
}

/** The file emptied now and held open for the run. */
function freshFile(file: string): LineSink {
  mkdirSync(path.dirname(file), { recursive: true });
  let fd: number | undefined = openSync(file, 'w');
  return {
    lines(text) {
      if (fd !== undefined) writeSync(fd, text);
    },
    close() {
      if (fd !== undefined) closeSync(fd);
      fd = undefined;
    },
  };
}

/** The file appended to at each write (created with its folder at the first), never held open. */
function appendingFile(file: string): LineSink {
  let folderMade = false;
  return {
    lines(text) {
      if (!folderMade) mkdirSync(path.dirname(file), { recursive: true });
      folderMade = true;
      appendFileSync(file, text);
    },
    close: () => undefined,
  };
}

/** A record's text for its quarantine line: at most `PREVIEW_CHARS` characters, and how long it was. */
export interface Preview {
  text: string;
  /** True when `text` was cut. */
  truncated: boolean;
  /** Characters of the whole text. */
  chars: number;
}

/** `text` cut at `PREVIEW_CHARS`. */
export function cutPreview(text: string): Preview {
  const truncated = text.length > PREVIEW_CHARS;
  return { text: truncated ? text.slice(0, PREVIEW_CHARS) : text, truncated, chars: text.length };
}

/** `text` cut at `PREVIEW_CHARS`, ending in "…" when cut. */
export function previewText(text: string): string {
  const preview = cutPreview(text);
  return preview.truncated ? `${preview.text}…` : preview.text;
}
