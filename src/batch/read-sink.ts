/**
 * Reading back what the S3 sink wrote (PIPELINE_SPEC.md §4): every object under
 * `topics/<topic>/` of the three topics, each holding newline-delimited JSON values, whatever
 * `flush.size` was. Each line is one record; records that are not rows of their table go to the
 * quarantine with the reason and the S3 key, and the rest come back as raw rows in the order of
 * (topic, partition, offset, line).
 */
import { GetObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { listObjectPages } from '../s3-list';
import { describeError, PipelineError } from '../errors';
import { TABLES, type TableKey } from '../tables';
import { createBatchQuarantine, type BatchQuarantine } from './quarantine';
import { validateRecord, type RawTables } from './raw-records';

/** Bytes in one record above which it is quarantined: Kafka's default `message.max.bytes` (1 MiB). */
export const MAX_RECORD_BYTES = 1_048_576;

/**
 * Where the sink's objects are read from: a bucket (`s3SinkStore`) or a folder holding a copy of
 * one, e.g. made by `aws s3 sync` (`folderSinkStore` in sink-folder.ts).
 */
export interface SinkStore {
  /** Pages of the objects under the three topics' prefixes (see `listSinkObjectPages`). */
  listPages(topics: Record<TableKey, string>, pageSize?: number): AsyncGenerator<SinkObject[]>;
  read(key: string): Promise<Uint8Array>;
}

/** The sink's bucket as a `SinkStore`. */
export function s3SinkStore(s3: S3Client, bucket: string): SinkStore {
  return {
    listPages: (topics, pageSize) => listSinkObjectPages(s3, bucket, topics, pageSize),
    read: (key) => getObjectBytes(s3, bucket, key),
  };
}

export type ReadSinkOptions = ReadSinkSettings & ({ s3: S3Client; bucket: string; store?: undefined } | { store: SinkStore; s3?: undefined; bucket?: undefined });

export interface ReadSinkSettings {
  /** Topic of each table (`config.names.topics`). */
  topics: Record<TableKey, string>;
  /** GetObject calls in flight (default 16). */
  concurrency?: number;
  /** Folder of the quarantine files (`batch-read-<table>.jsonl`); omit to keep them in memory only. */
  quarantineDir?: string;
  /** Records larger than this are quarantined (default `MAX_RECORD_BYTES`). */
  maxRecordBytes?: number;
  /** Keys per listing page (S3's default and maximum: 1000); small values test the paging. */
  pageSize?: number;
  /** Told after the listing and after each object read. */
  onProgress?: (progress: ReadProgress) => void;
}

export interface ReadProgress {
  objectsListed: number;
  objectsRead: number;
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
  /** Fields not in the table, dropped: field name → records that had it. */
  unknownFields: Record<string, number>;
}

export interface ReadCounts {
  objects: number;
  bytes: number;
  records: number;
  parsed: number;
  quarantined: number;
  tables: Record<TableKey, TableReadCounts>;
  /** Quarantine file of each table, when written to a folder. */
  quarantineFiles: Partial<Record<TableKey, string>>;
}

export interface ReadSinkResult {
  rows: RawTables;
  counts: ReadCounts;
  /** The quarantined records of this run (at most the last 1,000 per table). */
  quarantine: BatchQuarantine;
}

/** One object of the sink, with where it sits. */
export interface SinkObject {
  table: TableKey;
  key: string;
  size: number;
}

/** The S3 prefix of a topic's objects. */
export function topicPrefix(topic: string): string {
  return `topics/${topic}/`;
}

const KEY_PATTERN = /\/partition=(\d+)\/[^/]*\+(\d+)\.json$/;

/** Orders keys by partition, then start offset (numerically); other keys by name, after those. */
export function compareSinkKeys(a: string, b: string): number {
  const ma = KEY_PATTERN.exec(a);
  const mb = KEY_PATTERN.exec(b);
  if (ma && mb) return Number(ma[1]) - Number(mb[1]) || Number(ma[2]) - Number(mb[2]) || (a < b ? -1 : a > b ? 1 : 0);
  if (ma || mb) return ma ? -1 : 1;
  return a < b ? -1 : a > b ? 1 : 0;
}

/**
 * Pages of the objects under the three topics' prefixes, as the listing returns them (per topic,
 * in key order, at most `pageSize` or 1000 keys a page); see `listObjectPages`.
 */
export async function* listSinkObjectPages(s3: S3Client, bucket: string, topics: Record<TableKey, string>, pageSize?: number): AsyncGenerator<SinkObject[]> {
  for (const table of TABLES) {
    const prefix = topicPrefix(topics[table]);
    try {
      for await (const page of listObjectPages(s3, bucket, prefix, pageSize)) {
        yield page.map((object) => ({ table, key: object.Key as string, size: object.Size ?? 0 }));
      }
    } catch (error) {
      throw s3Error(error, bucket, `listing s3://${bucket}/${prefix}`);
    }
  }
}

/** Sink order: pin, geo, user, then partition and start offset (`compareSinkKeys`). */
export function compareSinkObjects(a: SinkObject, b: SinkObject): number {
  return TABLES.indexOf(a.table) - TABLES.indexOf(b.table) || compareSinkKeys(a.key, b.key);
}

/** Every object under the three topics' prefixes, in sink order. */
export async function listSinkObjects(s3: S3Client, bucket: string, topics: Record<TableKey, string>, pageSize?: number): Promise<SinkObject[]> {
  const out: SinkObject[] = [];
  for await (const page of listSinkObjectPages(s3, bucket, topics, pageSize)) out.push(...page);
  return out.sort(compareSinkObjects);
}

function s3Error(error: unknown, bucket: string, doing: string): PipelineError {
  const name = (error as { name?: string }).name;
  if (name === 'NoSuchBucket') {
    return new PipelineError('BUCKET_NOT_FOUND', `bucket ${bucket} does not exist; run the emulation (npm start) first, or check the bucket name`, { cause: error });
  }
  return new PipelineError('S3_READ_FAILED', `${doing} failed: ${describeError(error)}; is the local stack (or S3) reachable?`, { retriable: true, cause: error });
}

/** Reads one object's body as bytes. */
export async function getObjectBytes(s3: S3Client, bucket: string, key: string): Promise<Uint8Array> {
  try {
    const response = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
    if (!response.Body) return new Uint8Array(0);
    return await response.Body.transformToByteArray();
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
export function classifyObjectRecords(object: ObjectRecords, body: Uint8Array, rows: unknown[], counts: TableReadCounts, quarantine: BatchQuarantine, maxRecordBytes: number): void {
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
    if (bytes.length > maxRecordBytes) return reject(`record is ${bytes.length} bytes, more than the ${maxRecordBytes} a Kafka record may hold`);
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
export function totalReadCounts(tables: Record<TableKey, TableReadCounts>, quarantineFiles: Partial<Record<TableKey, string>>): ReadCounts {
  const sum = (field: 'objects' | 'bytes' | 'records' | 'parsed' | 'quarantined') => tables.pin[field] + tables.geo[field] + tables.user[field];
  return { objects: sum('objects'), bytes: sum('bytes'), records: sum('records'), parsed: sum('parsed'), quarantined: sum('quarantined'), tables, quarantineFiles };
}

export function emptyTableReadCounts(): TableReadCounts {
  return { objects: 0, bytes: 0, records: 0, parsed: 0, quarantined: 0, blankLines: 0, unknownFields: {} };
}

/**
 * Reads every object the S3 sink wrote for the three topics: lists them (paged), fetches them
 * while the listing goes on, with at most `concurrency` GetObject calls in flight, and checks
 * every record (`validateRecord`). Bad records go to the quarantine; the run always completes unless S3 itself
 * fails. Rows come back in sink order whatever order the objects arrived in.
 */
export async function readSinkTables(options: ReadSinkOptions): Promise<ReadSinkResult> {
  const store = options.store ?? s3SinkStore(options.s3, options.bucket);
  const concurrency = Math.max(1, options.concurrency ?? 16);
  const maxRecordBytes = options.maxRecordBytes ?? MAX_RECORD_BYTES;
  const quarantine = createBatchQuarantine(options.quarantineDir);
  const tables: Record<TableKey, TableReadCounts> = { pin: emptyTableReadCounts(), geo: emptyTableReadCounts(), user: emptyTableReadCounts() };
  const progress: ReadProgress = { objectsListed: 0, objectsRead: 0, records: 0, quarantined: 0 };
  const report = () => {
    progress.records = tables.pin.records + tables.geo.records + tables.user.records;
    progress.quarantined = quarantine.count();
    options.onProgress?.({ ...progress });
  };

  // Objects are fetched while the listing goes on (on the local stack a long listing takes as
  // long as the fetching). Bodies may arrive out of order; they are classified in listing order,
  // `pending` holding the ones that arrived early; rows are put in sink order at the end.
  const objects: SinkObject[] = [];
  const perObjectRows: unknown[][] = [];
  const pending = new Map<number, Uint8Array>();
  let nextToClassify = 0;
  const classifyReady = () => {
    while (pending.has(nextToClassify)) {
      const body = pending.get(nextToClassify) as Uint8Array;
      pending.delete(nextToClassify);
      const object = objects[nextToClassify];
      const counts = tables[object.table];
      counts.objects += 1;
      counts.bytes += body.length;
      classifyObjectRecords({ ...object, bytes: body.length }, body, perObjectRows[nextToClassify], counts, quarantine, maxRecordBytes);
      nextToClassify += 1;
      progress.objectsRead += 1;
    }
    report();
  };

  let listed = false;
  let failed = false;
  const sleeping: (() => void)[] = [];
  const wakeWorkers = () => { for (const wake of sleeping.splice(0)) wake(); };
  const lister = async () => {
    try {
      for await (const page of store.listPages(options.topics, options.pageSize)) {
        if (failed) return;
        for (const object of page) {
          objects.push(object);
          perObjectRows.push([]);
        }
        progress.objectsListed = objects.length;
        report();
        wakeWorkers();
      }
    } catch (error) {
      failed = true;
      throw error;
    } finally {
      listed = true;
      wakeWorkers();
    }
  };
  let next = 0;
  const worker = async () => {
    while (!failed) {
      if (next < objects.length) {
        const index = next++;
        try {
          pending.set(index, await store.read(objects[index].key));
        } catch (error) {
          failed = true;
          throw error;
        }
        classifyReady();
      } else if (listed) {
        return;
      } else {
        await new Promise<void>((resolve) => sleeping.push(resolve));
      }
    }
  };
  try {
    await Promise.all([lister(), ...Array.from({ length: concurrency }, worker)]);
  } finally {
    quarantine.close();
  }

  const rows: RawTables = { pin: [], geo: [], user: [] };
  const order = objects.map((_, i) => i).sort((a, b) => compareSinkObjects(objects[a], objects[b]));
  for (const i of order) {
    const target = rows[objects[i].table] as unknown[];
    for (const row of perObjectRows[i]) target.push(row);
  }
  return { rows, counts: totalReadCounts(tables, quarantine.files), quarantine };
}
