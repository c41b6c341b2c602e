import { createWriteStream, type WriteStream } from 'node:fs';
import { mkdir, rename, rm } from 'node:fs/promises';
import { once } from 'node:events';
import path from 'node:path';
import { TABLE_NAMES, TABLES, type Post, type TableKey } from '../contract/tables';
import { assertGenerateOptions, DEFAULT_SEED, generatePosts } from './generate';

/** `json`: one pretty-printed array per table (readable samples); `jsonl`: one row per line (big tables). */
export const TABLE_FORMATS = ['json', 'jsonl'] as const;
export type TableFormat = (typeof TABLE_FORMATS)[number];

/** The committed samples: the first 25 posts of seed 42, as pretty JSON, in data-samples/. */
export const SAMPLES = {
  rows: 25,
  seed: DEFAULT_SEED,
  format: 'json' as TableFormat,
  dir: path.resolve(__dirname, '../../data-samples'),
};

export interface WriteTablesOptions {
  rows: number;
  seed: number;
  outDir: string;
  format: TableFormat;
  /** Called every few thousand posts and at the end with the posts written so far. */
  onProgress?: (done: number, total: number) => void;
}

export interface WriteTablesResult {
  files: Record<TableKey, string>;
  posts: number;
}

/** `pinterest_data.json`, `geolocation_data.jsonl`, ... */
export function tableFileName(table: TableKey, format: TableFormat): string {
  return `${TABLE_NAMES[table]}.${format}`;
}

/** One row as it appears in a file: an array element of pretty JSON, or one line. */
function formatRow(row: object, format: TableFormat): string {
  return format === 'jsonl' ? JSON.stringify(row) : `  ${JSON.stringify(row, null, 2).replace(/\n/g, '\n  ')}`;
}

/** The text of a whole table file; `json` is byte-identical to `JSON.stringify(rows, null, 2)` plus a newline. */
export function formatTable(rows: readonly object[], format: TableFormat): string {
  if (format === 'jsonl') return rows.map((row) => `${formatRow(row, format)}\n`).join('');
  if (rows.length === 0) return '[]\n';
  return `[\n${rows.map((row) => formatRow(row, format)).join(',\n')}\n]\n`;
}

/** A table file written piece by piece, honouring back-pressure, renamed into place when complete. */
class TableFile {
  private readonly stream: WriteStream;
  private readonly partial: string;
  private first = true;

  constructor(
    readonly file: string,
    private readonly format: TableFormat,
  ) {
    this.partial = `${file}.partial`;
    this.stream = createWriteStream(this.partial, { encoding: 'utf8' });
  }

  async write(rows: readonly object[]): Promise<void> {
    let text = '';
    for (const row of rows) {
      if (this.format === 'jsonl') text += `${formatRow(row, 'jsonl')}\n`;
      else text += `${this.first ? '[\n' : ',\n'}${formatRow(row, 'json')}`;
      this.first = false;
    }
    if (text !== '' && !this.stream.write(text)) await once(this.stream, 'drain');
  }

  async finish(): Promise<void> {
    if (this.format === 'json') this.stream.write(this.first ? '[]\n' : '\n]\n');
    this.stream.end();
    await once(this.stream, 'finish');
    await rename(this.partial, this.file);
  }

  /** Stops writing and removes the partial file, leaving any earlier complete file untouched. */
  async abort(): Promise<void> {
    this.stream.destroy();
    await rm(this.partial, { force: true });
  }
}

const POSTS_PER_WRITE = 2_000;

/**
 * Writes the three tables of posts 0 .. rows-1 into `outDir`, one file each. Memory stays flat for
 * any size, and the same seed always gives byte-identical files.
 */
export async function writeTables(options: WriteTablesOptions): Promise<WriteTablesResult> {
  const { rows, seed, outDir, format, onProgress } = options;
  assertGenerateOptions({ rows, seed });
  await mkdir(outDir, { recursive: true });
  const files = Object.fromEntries(
    TABLES.map((table) => [table, new TableFile(path.join(outDir, tableFileName(table, format)), format)]),
  ) as Record<TableKey, TableFile>;
  const flush = async (batch: Post[]) => {
    for (const table of TABLES) await files[table].write(batch.map((post) => post[table]));
  };
  let done = 0;
  try {
    let batch: Post[] = [];
    for (const post of generatePosts({ rows, seed })) {
      batch.push(post);
      if (batch.length === POSTS_PER_WRITE) {
        await flush(batch);
        done += batch.length;
        batch = [];
        onProgress?.(done, rows);
      }
    }
    await flush(batch);
    done += batch.length;
    for (const table of TABLES) await files[table].finish();
  } catch (error) {
    await Promise.all(TABLES.map((table) => files[table].abort()));
    throw error;
  }
  onProgress?.(done, rows);
  return {
    files: Object.fromEntries(TABLES.map((table) => [table, files[table].file])) as Record<TableKey, string>,
    posts: done,
  };
}
