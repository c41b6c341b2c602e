import { appendFile, mkdir } from 'node:fs/promises';
import path from 'node:path';
import { PREVIEW_CHARS } from '../batch/quarantine';

/** One record the consumer could not turn into a raw row. */
export interface StreamQuarantineEntry {
  stream: string;
  shardId: string;
  sequenceNumber: string;
  partitionKey: string;
  reason: string;
  /** The record's data as UTF-8 text, cut at `PREVIEW_CHARS`. */
  data: string;
  at: string;
}

export interface StreamQuarantine {
  /** JSON lines file, when the entries are written to one. */
  readonly file?: string;
  readonly entries: StreamQuarantineEntry[];
  add(entries: StreamQuarantineEntry[]): Promise<void>;
}

/** Default file name of the streaming quarantine, in the output folder. */
export const STREAM_QUARANTINE_FILE = 'streaming-quarantine.jsonl';

/**
 * A quarantine appending one JSON line per entry to `file` (kept across runs: a replayed batch
 * after a crash can append an entry twice, recognisable by its shard and sequence number); without
 * `file`, entries are only kept in memory.
 */
export function createStreamQuarantine(file?: string): StreamQuarantine {
  const entries: StreamQuarantineEntry[] = [];
  let dirReady: Promise<unknown> | undefined;
  return {
    ...(file ? { file } : {}),
    entries,
    async add(added) {
      if (!added.length) return;
      entries.push(...added);
      if (!file) return;
      dirReady ??= mkdir(path.dirname(file), { recursive: true });
      await dirReady;
      await appendFile(file, added.map((entry) => `${JSON.stringify(entry)}\n`).join(''));
    },
  };
}

/** A record's data as text for a quarantine entry. */
export function previewData(data: Uint8Array | undefined): string {
  const text = Buffer.from(data ?? new Uint8Array()).toString('utf8');
  return text.length > PREVIEW_CHARS ? `${text.slice(0, PREVIEW_CHARS)}…` : text;
}
