/**
 * What the S3 sink wrote (PIPELINE_SPEC.md §4), as the batch step reads it: every object under
 * `topics/<topic>/` of the three topics, each holding newline-delimited JSON values, whatever
 * `flush.size` was. A `SinkStore` is the bucket (`s3SinkStore`) or a folder holding a copy of it
 * (`folderSinkStore`, e.g. after `aws s3 sync`); load-sink.ts reads either into DuckDB. Records that
 * are not rows of their table go to the quarantine with the reason, the key and the line
 * (`classifyObjectRecords`, with `validateRecord` the one definition of a readable record).
 */
import { GetObjectCommand, HeadObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import path from 'node:path';
import { Readable } from 'node:stream';
import { classifiedBody } from '../clients';
import { S3_REQUESTS_IN_FLIGHT } from '../s3-in-flight';
import { listTopicPages, parseSinkKey, s3Error, type SinkObject } from '../contract/sink-object';
import { TABLES, type TableKey } from '../contract/tables';
import { validateRecord } from '../contract/raw-records';
import { createQuarantineWriter, cutPreview, type QuarantineEntry, type QuarantineWriter } from '../quarantine';

/** Bytes in one record above which it is quarantined: Kafka's default `message.max.bytes` (1 MiB). */
export const MAX_RECORD_BYTES = 1_048_576;

/** One line of a batch quarantine file: a record read back from S3 that is not a row of its table. */
export type BatchQuarantineEntry = QuarantineEntry<
  {
    table: TableKey;
    /** The S3 object the record came from. */
    key: string;
    /** 1-based line of the record in that object. */
    line: number;
  },
  {
    /** Size of the record in bytes. */
    bytes: number;
    /** The record's text (invalid UTF-8 shown as U+FFFD), cut to `PREVIEW_CHARS` characters. */
    record: string;
    /** True when `record` was cut. */
    truncated?: boolean;
  }
>;

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
 * A quarantine writing `<dir>/batch-read-<table>.jsonl` for each table (fresh files: emptied when
 * the run starts, so they describe the latest run); without `dir`, entries are only kept in memory.
 */
export function createBatchQuarantine(dir?: string): BatchQuarantine {
  const writers = Object.fromEntries(
    TABLES.map((table) => [
      table,
      createQuarantineWriter<BatchQuarantineEntry>(dir && batchQuarantineFile(dir, table), 'fresh'),
    ]),
  ) as Record<TableKey, QuarantineWriter<BatchQuarantineEntry>>;
  const files: Partial<Record<TableKey, string>> = dir
    ? Object.fromEntries(TABLES.map((table) => [table, writers[table].file]))
    : {};
  return {
    files,
    add({ text, ...rest }) {
      const preview = cutPreview(text);
      writers[rest.table].add({ ...rest, record: preview.text, ...(preview.truncated ? { truncated: true } : {}) });
    },
    count: (table) => (table ? writers[table].count : writers.pin.count + writers.geo.count + writers.user.count),
    entries: (table) => (table ? writers[table].entries() : TABLES.flatMap((t) => writers[t].entries())),
    close() {
      for (const table of TABLES) writers[table].close();
    },
  };
}

/** Where the sink's objects are read from: a bucket or a folder holding a copy of one. */
export interface SinkStore {
  /** One line saying where the objects are. */
  readonly description: string;
  /** Pages of the objects of one table's topic (`topics/<topic>/`), in key order. */
  listPages(table: TableKey, topic: string, pageSize?: number): AsyncIterable<SinkObject[]>;
  /** An object's body, a piece at a time. */
  open(key: string): Promise<AsyncIterable<Uint8Array>>;
  /** The local file of an object, when the store is a folder (DuckDB can then read it in place). */
  file?(key: string): string;
  /** Objects fetched at a time unless the caller says otherwise (S3: `S3_REQUESTS_IN_FLIGHT`; default `DEFAULT_OBJECTS_IN_FLIGHT`). */
  readonly objectsInFlight?: number;
  /** Records an object holds by its metadata (`record-count`, written by the local sink), without reading it; undefined when it does not say. */
  recordCount?(key: string): Promise<number | undefined>;
}

/** The sink's bucket as a `SinkStore`. */
export function s3SinkStore(s3: S3Client, bucket: string): SinkStore {
  return {
    description: `s3://${bucket}`,
    objectsInFlight: S3_REQUESTS_IN_FLIGHT,
    listPages: (table, topic, pageSize) => listTopicPages(s3, bucket, table, topic, pageSize),
    open: (key) => getObjectStream(s3, bucket, key),
    recordCount: async (key) => {
      try {
        const head = await s3.send(new HeadObjectCommand({ Bucket: bucket, Key: key }));
        const count = Number(head.Metadata?.['record-count']);
        return Number.isSafeInteger(count) && count >= 0 ? count : undefined;
      } catch (error) {
        throw s3Error(error, bucket, `HeadObject s3://${bucket}/${key}`);
      }
    },
  };
}

/** Told while the sink is read: objects listed and read so far, records in them, quarantined. */
export interface ReadProgress {
  objectsListed: number;
  objectsRead: number;
  bytesRead: number;
  records: number;
  quarantined: number;
}

/** What was read for one table. `records === parsed + quarantined` always holds. */
export interface TableReadCounts {
  objects: number;
  bytes: number;
  /** Non-blank lines: one record each. */
  records: number;
  parsed: number;
  quarantined: number;
  /** Blank lines (JsonFormat writes none; counted, not records). */
  blankLines: number;
  /** Fields not in the table, dropped: field name → records that had it (counted in objects read record by record). */
  unknownFields: Record<string, number>;
  /**
   * Records the sink's offsets say were written but no object holds: the start offsets in the keys
   * (`<topic>+<p>+<start>.json`) and the records counted in each object leave a gap when an object
   * was truncated, emptied or deleted. 0 when the sink is whole.
   */
  missing: number;
  /** Records in objects beyond what the next object's start offset allows (an object replaced by a longer one). */
  surplus: number;
  /** Where the offsets do not add up, one line each (at most 20). */
  gaps: string[];
}

export interface ReadCounts {
  objects: number;
  bytes: number;
  records: number;
  parsed: number;
  quarantined: number;
  missing: number;
  surplus: number;
  tables: Record<TableKey, TableReadCounts>;
  /** Quarantine file of each table, when written to a folder. */
  quarantineFiles: Partial<Record<TableKey, string>>;
}

/** Opens one object's body as a stream of pieces. */
export async function getObjectStream(s3: S3Client, bucket: string, key: string): Promise<AsyncIterable<Uint8Array>> {
  try {
    const response = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
    if (!response.Body) return Readable.from([]);
    return classifiedBody(response.Body as unknown as AsyncIterable<Uint8Array>);
  } catch (error) {
    throw s3Error(error, bucket, `reading s3://${bucket}/${key}`);
  }
}

const NEWLINE = 0x0a;
const CARRIAGE_RETURN = 0x0d;
const utf8 = new TextDecoder('utf-8', { fatal: true });
const lenientUtf8 = new TextDecoder('utf-8');

/** The lines of an object's body, split on "\n" (a trailing "\r" is dropped); no empty last line. */
export function splitLines(body: Uint8Array): Uint8Array[] {
  const lines: Uint8Array[] = [];
  let start = 0;
  for (let i = 0; i <= body.length; i++) {
    if (i < body.length && body[i] !== NEWLINE) continue;
    if (i === body.length && start === body.length) break;
    let end = i;
    if (end > start && body[end - 1] === CARRIAGE_RETURN) end -= 1;
    lines.push(body.subarray(start, end));
    start = i + 1;
  }
  return lines;
}

export interface ObjectRecords {
  table: TableKey;
  key: string;
  bytes: number;
}

/** Classifies every line of one object into its table's rows (pushed to `rows`) or the quarantine. */
export function classifyObjectRecords(
  object: ObjectRecords,
  body: Uint8Array,
  rows: unknown[],
  counts: TableReadCounts,
  quarantine: BatchQuarantine,
  maxRecordBytes: number,
): void {
  const lines = splitLines(body);
  lines.forEach((bytes, index) => {
    let text: string;
    let validUtf8 = true;
    try {
      text = utf8.decode(bytes);
    } catch (error) {
      if (!(error instanceof TypeError)) throw error;
      text = lenientUtf8.decode(bytes);
      validUtf8 = false;
    }
    if (text.trim() === '') {
      counts.blankLines += 1;
      return;
    }
    counts.records += 1;
    const reject = (reason: string) => {
      counts.quarantined += 1;
      quarantine.add({ table: object.table, key: object.key, line: index + 1, reason, bytes: bytes.length, text });
    };
    if (bytes.length > maxRecordBytes)
      return reject(`record is ${bytes.length} bytes, more than the ${maxRecordBytes} a Kafka record may hold`);
    if (!validUtf8) return reject('not valid UTF-8');
    let value: unknown;
    try {
      value = JSON.parse(text);
    } catch (error) {
      if (!(error instanceof SyntaxError)) throw error;
      return reject(`not JSON: ${error.message}`);
    }
    const checked = validateRecord(object.table, value);
    if (!checked.ok) return reject(checked.reason);
    for (const field of checked.unknownFields) counts.unknownFields[field] = (counts.unknownFields[field] ?? 0) + 1;
    counts.parsed += 1;
    rows.push(checked.row);
  });
}

/** The counts of the three tables with their totals. */
export function totalReadCounts(
  tables: Record<TableKey, TableReadCounts>,
  quarantineFiles: Partial<Record<TableKey, string>>,
): ReadCounts {
  const sum = (field: 'objects' | 'bytes' | 'records' | 'parsed' | 'quarantined' | 'missing' | 'surplus') =>
    tables.pin[field] + tables.geo[field] + tables.user[field];
  return {
    objects: sum('objects'),
    bytes: sum('bytes'),
    records: sum('records'),
    parsed: sum('parsed'),
    quarantined: sum('quarantined'),
    missing: sum('missing'),
    surplus: sum('surplus'),
    tables,
    quarantineFiles,
  };
}

export function emptyTableReadCounts(): TableReadCounts {
  return {
    objects: 0,
    bytes: 0,
    records: 0,
    parsed: 0,
    quarantined: 0,
    blankLines: 0,
    unknownFields: {},
    missing: 0,
    surplus: 0,
    gaps: [],
  };
}

/** Gaps listed per table at most. */
const MAX_GAP_LINES = 20;

/**
 * Checks the sink's offsets of one table: per partition, each object's start offset plus the
 * records it holds must be the next object's start offset, the first object must start at 0, and,
 * when the topic's `endOffsets` are known, the last must reach the partition's end offset.
 * Adds what does not add up to `counts` (`missing`, `surplus`, `gaps`). Keys that are not the
 * sink's are left out of the check.
 */
export function checkSinkOffsets(
  objects: readonly { key: string; records: number }[],
  counts: TableReadCounts,
  endOffsets?: ReadonlyMap<number, number>,
): void {
  const partitions = new Map<number, { startOffset: number; records: number; key: string }[]>();
  for (const object of objects) {
    const parsed = parseSinkKey(object.key);
    if (!parsed) continue;
    const list = partitions.get(parsed.partition) ?? [];
    list.push({ startOffset: parsed.startOffset, records: object.records, key: object.key });
    partitions.set(parsed.partition, list);
  }
  const note = (line: string) => {
    if (counts.gaps.length < MAX_GAP_LINES) counts.gaps.push(line);
  };
  for (const partition of endOffsets?.keys() ?? []) if (!partitions.has(partition)) partitions.set(partition, []);
  for (const [partition, list] of [...partitions].sort((a, b) => a[0] - b[0])) {
    list.sort((a, b) => a.startOffset - b.startOffset);
    let expected = 0;
    for (const object of list) {
      if (object.startOffset > expected) {
        counts.missing += object.startOffset - expected;
        note(
          `partition ${partition}: offsets ${expected}..${object.startOffset - 1} are in no object (before ${object.key})`,
        );
      } else if (object.startOffset < expected) {
        counts.surplus += expected - object.startOffset;
        note(
          `partition ${partition}: ${object.key} starts at ${object.startOffset}, but the objects before it hold records up to offset ${expected - 1}`,
        );
      }
      expected = object.startOffset + object.records;
    }
    // Only the topic's end offset shows records lost after the last object's start (PIPELINE_SPEC.md §4).
    const end = endOffsets?.get(partition);
    if (end !== undefined && expected < end) {
      counts.missing += end - expected;
      note(
        `partition ${partition}: offsets ${expected}..${end - 1} are in no object (the topic's end offset is ${end})`,
      );
    }
  }
}
