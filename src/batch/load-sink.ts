/**
 * The batch step's reader: every object the S3 sink wrote for the three topics, from a `SinkStore`
 * (the bucket through the SDK, or a folder copy of it), into DuckDB's raw tables `pin_raw`,
 * `geo_raw`, `user_raw`, where the shared cleaning SQL takes over (run-batch.ts).
 *
 * How the bytes get to DuckDB: at most `concurrency` objects are fetched at a time (default: the
 * store's `objectsInFlight`, 64 from S3, else `DEFAULT_OBJECTS_IN_FLIGHT`, 16), each streamed
 * into a spool file of its worker (objects appended whole, one after another, up to
 * `SPOOL_CHUNK_BYTES`), and DuckDB's `read_json` reads each spool file as soon as it is complete,
 * while the next ones are fetched. A folder's large objects are read by DuckDB in place. DuckDB
 * itself cannot read S3 here: its httpfs extension would have to be downloaded.
 *
 * Which records are rows and which go to the quarantine is decided by one definition, the
 * record-by-record reader (`classifyObjectRecords` with `validateRecord`), without parsing every
 * record in JavaScript (DuckDB's checks are made from the same rule list, src/contract/raw-rules.ts):
 * - DuckDB reads every record with each column as text (the fastest of its JSON reads: no value is
 *   written back as JSON) into the raw table, with its values cast, the file it came from, and the
 *   text of each column not kept as text. Then, per file (right after each `read_json` call), it
 *   checks that every record is plain: every column's text is one that `validateRecord` gives the
 *   same value for whatever JSON type it came from (`duckdbPlainCheck`): a short whole number for an
 *   id, a number for a float, text that is not the JSON text of a boolean, object, array or a
 *   number JavaScript would print differently.
 *   (The check as an aggregate over the table: computed while inserting it took three times longer.)
 * - While the bytes stream past, each line is looked at (`LineScanner`): records, blank lines, and
 *   whether the object is suspect (a line over the size limit, bytes that are not UTF-8, a line that
 *   is not one JSON object from `{` to `}`).
 * - A spool file is taken as DuckDB read it only when it holds no suspect object, every record is
 *   plain, and DuckDB read as many records as there are lines. Otherwise its rows are deleted and
 *   each of its objects is read record by record, which quarantines with the reason or converts
 *   ("12" as an id, a number as text) as that reader always does.
 * So per table `records === parsed + quarantined`, and the sink's offsets are checked
 * (`checkSinkOffsets`): records that the keys say were written but no object holds are `missing`.
 */
import type { DuckDBConnection } from '@duckdb/node-api';
import { isUtf8 } from 'node:buffer';
import { closeSync, openSync, readSync } from 'node:fs';
import { mkdtemp, open, rm, type FileHandle } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { appendRawRows, rawColumnsDdl } from '../cleaning/duckdb-cleaning';
import { RAW_VIEWS, sqlString } from '../cleaning/cleaning-sql';
import { describeError } from '../errors';
import { DEFAULT_OBJECTS_IN_FLIGHT } from '../s3-in-flight';
import { withRetry } from '../retry';
import { COLUMNS, TABLES, type TableKey } from '../contract/tables';
import type { RawTables } from '../contract/raw-records';
import { duckdbPlainCast, duckdbPlainCheck, RAW_KINDS } from '../contract/raw-rules';
import type { SinkObject } from '../contract/sink-object';
import {
  checkSinkOffsets,
  classifyObjectRecords,
  createBatchQuarantine,
  emptyTableReadCounts,
  MAX_RECORD_BYTES,
  totalReadCounts,
  type BatchQuarantine,
  type ReadCounts,
  type ReadProgress,
  type SinkStore,
  type TableReadCounts,
} from './read-sink';
import type { EndOffsets } from './end-offsets';

/** A spool file is handed to DuckDB once it holds this many bytes. */
export const SPOOL_CHUNK_BYTES = 64 * 1024 * 1024;
/** A folder's objects at least this large are read by DuckDB in place, not copied to the spool. */
export const IN_PLACE_BYTES = 1024 * 1024;
/** Files in one `read_json` call: DuckDB reads several files at once on its threads. */
const FILES_PER_READ = 64;
/**
 * Bytes of files in one `read_json` call (a single larger file goes alone): each call's rows are
 * checked right after it, while they are still in DuckDB's memory rather than spilled to disk.
 */
const BYTES_PER_READ = 512 * 1024 * 1024;
/** Files ready before a `read_json` call starts (fewer only at the end). */
const MIN_FILES_PER_READ = 8;

export interface LoadSinkOptions {
  /** The database the raw tables are made in (created once by the caller). */
  connection: DuckDBConnection;
  store: SinkStore;
  /** Topic of each table (`config.names.topics`). */
  topics: Record<TableKey, string>;
  /** Objects fetched at a time (default: the store's `objectsInFlight`, else `DEFAULT_OBJECTS_IN_FLIGHT`). */
  concurrency?: number;
  /** Folder of the quarantine files (`batch-read-<table>.jsonl`); omit to keep them in memory only. */
  quarantineDir?: string;
  /** Records larger than this are quarantined (default `MAX_RECORD_BYTES`). */
  maxRecordBytes?: number;
  /** Keys per listing page (S3's default and maximum: 1000); small values test the paging. */
  pageSize?: number;
  /** Where the spool files go (default: a new folder in the system's temporary folder, removed after). */
  spoolDir?: string;
  /** Bytes of a spool file before DuckDB reads it (default `SPOOL_CHUNK_BYTES`; 1 puts each object in a file of its own). */
  spoolChunkBytes?: number;
  /** A folder's objects at least this large are read in place (default `IN_PLACE_BYTES`). */
  inPlaceBytes?: number;
  /** Read every object record by record, as the definition does (tests compare the fast path with it). */
  checkEveryRecord?: boolean;
  onProgress?: (progress: ReadProgress) => void;
  /** Each topic's end offsets (the REST proxy's): records below them that no object holds are `missing`. */
  endOffsets?: EndOffsets;
}

export interface LoadedTable {
  table: TableKey;
  counts: TableReadCounts;
  /** Objects read record by record in JavaScript (the others were taken as DuckDB read them). */
  objectsByRecord: number;
  ms: number;
}

/** What one line-by-line look at an object found. */
export interface LineScan {
  records: number;
  blankLines: number;
  /** The object must be read record by record: see the module comment. */
  suspect: boolean;
}

const NEWLINE = 0x0a;
const CARRIAGE_RETURN = 0x0d;
const OPEN_BRACE = 0x7b;
const CLOSE_BRACE = 0x7d;
const SPACE = 0x20;
const TAB = 0x09;
const lenientUtf8 = new TextDecoder('utf-8');

/**
 * Counts records and blank lines of a body given a piece at a time, as `splitLines` +
 * `classifyObjectRecords` would count them, and flags what DuckDB might read differently.
 */
export class LineScanner implements LineScan {
  records = 0;
  blankLines = 0;
  suspect = false;
  private carry: Buffer | undefined;

  constructor(private readonly maxRecordBytes: number) {}

  push(piece: Uint8Array): void {
    let bytes = Buffer.from(piece.buffer, piece.byteOffset, piece.byteLength);
    if (this.carry) {
      // The line begun in the last piece: joined with its end (a small copy), then the rest in place.
      const first = bytes.indexOf(NEWLINE);
      if (first === -1) {
        this.carry = Buffer.concat([this.carry, bytes]);
        return;
      }
      const joined = Buffer.concat([this.carry, bytes.subarray(0, first + 1)]);
      this.carry = undefined;
      this.line(joined, 0, joined.length - 1, false);
      bytes = bytes.subarray(first + 1);
    }
    const lastNewline = bytes.lastIndexOf(NEWLINE);
    // One UTF-8 check for all the whole lines here; line by line only when it fails.
    const wholeLinesUtf8 = lastNewline !== -1 && isUtf8(bytes.subarray(0, lastNewline + 1));
    let start = 0;
    while (start <= lastNewline) {
      const end = bytes.indexOf(NEWLINE, start);
      this.line(bytes, start, end, wholeLinesUtf8);
      start = end + 1;
    }
    if (start < bytes.length) this.carry = Buffer.from(bytes.subarray(start));
  }

  end(): LineScan {
    if (this.carry) this.line(this.carry, 0, this.carry.length, false);
    this.carry = undefined;
    return { records: this.records, blankLines: this.blankLines, suspect: this.suspect };
  }

  private line(bytes: Buffer, start: number, end: number, knownUtf8: boolean): void {
    let stop = end;
    if (stop > start && bytes[stop - 1] === CARRIAGE_RETURN) stop -= 1;
    if (bytes[start] !== OPEN_BRACE) {
      if (lenientUtf8.decode(bytes.subarray(start, stop)).trim() === '') {
        this.blankLines += 1;
        return;
      }
      this.records += 1;
      this.suspect = true;
      return;
    }
    this.records += 1;
    if (this.suspect) return;
    if (
      stop - start > this.maxRecordBytes ||
      bytes[stop - 1] !== CLOSE_BRACE ||
      (!knownUtf8 && !isUtf8(bytes.subarray(start, stop)))
    ) {
      this.suspect = true;
      return;
    }
    // Two values on one line (`{…}{…}`, `{…} {…}`) would be two rows to DuckDB.
    for (let i = bytes.indexOf(CLOSE_BRACE, start); i !== -1 && i < stop - 1; i = bytes.indexOf(CLOSE_BRACE, i + 1)) {
      let j = i + 1;
      while (j < stop && (bytes[j] === SPACE || bytes[j] === TAB)) j += 1;
      if (bytes[j] === OPEN_BRACE) {
        this.suspect = true;
        return;
      }
    }
  }
}

/** Counts the lines of a whole body (`LineScanner` in one piece). */
export function scanLines(body: Uint8Array, maxRecordBytes = MAX_RECORD_BYTES): LineScan {
  const scanner = new LineScanner(maxRecordBytes);
  scanner.push(body);
  return scanner.end();
}

/**
 * Scans a file read a piece at a time into one buffer, synchronously: a folder's object is in the
 * page cache, and a read stream's piece-by-piece callbacks cost more than the reads.
 */
function scanFile(file: string, maxRecordBytes: number): LineScan {
  const scanner = new LineScanner(maxRecordBytes);
  const piece = Buffer.allocUnsafe(SCAN_PIECE_BYTES);
  const fd = openSync(file, 'r');
  try {
    for (let read = readSync(fd, piece); read > 0; read = readSync(fd, piece)) scanner.push(piece.subarray(0, read));
  } finally {
    closeSync(fd);
  }
  return scanner.end();
}
const SCAN_PIECE_BYTES = 4 * 1024 * 1024;

/** One object inside a spool file: its bytes are `[start, end)` of the file. */
interface SpooledObject {
  object: SinkObject;
  start: number;
  end: number;
  scan: LineScan;
}

/** A file DuckDB reads: a spool file of whole objects, or one object of a folder read in place. */
interface SpoolFile {
  file: string;
  /** Made by the reader (removed after), or the store's own file. */
  owned: boolean;
  objects: SpooledObject[];
  /** Why DuckDB could not read it at all, if it could not. */
  readError?: string;
  /** Its place among the files handed (the raw table's `_sink_file` while it is loaded). */
  id?: number;
  /** Its rows are kept as DuckDB read them (otherwise its objects are read record by record). */
  taken?: boolean;
}

/** The records the line scans counted in a file's objects. */
const recordsIn = (spool: SpoolFile) => spool.objects.reduce((n, o) => n + o.scan.records, 0);
/** The bytes of a file's objects. */
const spoolBytes = (spool: SpoolFile) => spool.objects.reduce((n, o) => n + o.end - o.start, 0);

/** The loading columns of a raw table: the file a row came from (`SpoolFile.id`), and the text of each column not kept as text. */
const FILE_COLUMN = '_sink_file';
const textOf = (column: string) => `_text_${column}`;
const nonTextColumns = (table: TableKey) => (COLUMNS[table] as string[]).filter((c) => RAW_KINDS[table][c] !== 'text');

/** The raw table while it is loaded: the loading columns, then the raw columns. */
function loadingTableDdl(table: TableKey): string {
  const texts = nonTextColumns(table).map((column) => `"${textOf(column)}" VARCHAR, `);
  return `CREATE OR REPLACE TABLE ${RAW_VIEWS[table]} (${FILE_COLUMN} INTEGER, ${texts.join('')}${rawColumnsDdl(table)})`;
}

/**
 * `INSERT INTO <table>_raw SELECT … FROM read_json([files])`: every record as text (see the module
 * comment), the file it came from (`firstId` + its place in `files`), and its values cast.
 */
function insertFilesSql(table: TableKey, files: readonly string[], firstId: number, maxRecordBytes: number): string {
  const columns = COLUMNS[table] as string[];
  const texts = nonTextColumns(table).map((column) => `"${column}", `);
  const casts = columns.map((column) => duckdbPlainCast(column, RAW_KINDS[table][column])).join(', ');
  const asText = columns.map((column) => `"${column}": 'VARCHAR'`).join(', ');
  return (
    `INSERT INTO ${RAW_VIEWS[table]} SELECT ${firstId} + file_index, ${texts.join('')}${casts} ` +
    `FROM read_json([${files.map(sqlString).join(', ')}], format = 'newline_delimited', columns = {${asText}}, ` +
    `ignore_errors = true, maximum_object_size = ${Math.max(maxRecordBytes + 1, 16 * 1024 * 1024)})`
  );
}

/**
 * Per file of ids `first` to `last`: the records DuckDB read and whether every one is plain, over
 * the raw table while it is loaded (the check reads the text of the columns not kept as text). An
 * aggregate over the table rather than a flag computed by the INSERT: DuckDB computed the check
 * three times faster so. Run right after those files are inserted, it reads only their row groups
 * (DuckDB skips the others by their `_sink_file` range), still in memory: over the whole table at
 * the end, at ten million posts, it read back what DuckDB had spilled to disk.
 */
function checkFilesSql(table: TableKey, first: number, last: number): string {
  const columns = COLUMNS[table] as string[];
  const kinds = RAW_KINDS[table];
  const checks = columns.map((column) =>
    duckdbPlainCheck(kinds[column] === 'text' ? column : textOf(column), kinds[column]),
  );
  // NULL (a missing id) must count as not plain: bool_and skips NULLs.
  return `SELECT ${FILE_COLUMN}, COUNT(*)::BIGINT, bool_and(COALESCE(${checks.join(' AND ')}, FALSE)) FROM ${RAW_VIEWS[table]} WHERE ${FILE_COLUMN} BETWEEN ${first} AND ${last} GROUP BY ${FILE_COLUMN}`;
}

/** A worker's spool file being written: objects are appended whole. */
class SpoolWriter {
  private handle: FileHandle | undefined;
  private current: SpoolFile | undefined;
  private position = 0;
  private count = 0;

  constructor(
    private readonly dir: string,
    private readonly name: string,
  ) {}

  get bytes(): number {
    return this.position;
  }

  /** Streams one object into the file; on a failure the file is cut back to where the object began. */
  async append(object: SinkObject, pieces: AsyncIterable<Uint8Array>, maxRecordBytes: number): Promise<SpooledObject> {
    if (!this.handle) {
      const file = path.join(this.dir, `${this.name}-${this.count++}.jsonl`);
      this.handle = await open(file, 'w');
      this.current = { file, owned: true, objects: [] };
      this.position = 0;
    }
    const start = this.position;
    const scanner = new LineScanner(maxRecordBytes);
    let last = NEWLINE;
    try {
      for await (const piece of pieces) {
        if (piece.length === 0) continue;
        scanner.push(piece);
        await this.handle.write(piece, 0, piece.length, this.position);
        this.position += piece.length;
        last = piece[piece.length - 1];
      }
      if (last !== NEWLINE) {
        await this.handle.write(Buffer.from([NEWLINE]), 0, 1, this.position);
        this.position += 1;
      }
    } catch (error) {
      await this.handle.truncate(start);
      this.position = start;
      throw error;
    }
    const spooled = { object, start, end: this.position, scan: scanner.end() };
    (this.current as SpoolFile).objects.push(spooled);
    return spooled;
  }

  /** Closes the file being written and returns it (undefined when none is open). */
  async finish(): Promise<SpoolFile | undefined> {
    if (!this.handle) return undefined;
    await this.handle.close();
    this.handle = undefined;
    const done = this.current;
    this.current = undefined;
    return done;
  }
}

/** Reads `[start, end)` of a file. */
async function readRange(file: string, start: number, end: number): Promise<Buffer> {
  const handle = await open(file, 'r');
  try {
    const buffer = Buffer.allocUnsafe(end - start);
    let read = 0;
    while (read < buffer.length) {
      const { bytesRead } = await handle.read(buffer, read, buffer.length - read, start + read);
      if (bytesRead === 0) break;
      read += bytesRead;
    }
    return buffer.subarray(0, read);
  } finally {
    await handle.close();
  }
}

/** What the loading of each table shares: the quarantine, the spool folder and the progress. */
interface LoadContext {
  quarantine: BatchQuarantine;
  spoolDir: string;
  progress: ReadProgress & { report(): void };
}

/**
 * Reads one table's objects into `<table>_raw` (replacing it): listed from the table's topic, fetched
 * and spooled by `concurrency` workers, read by DuckDB a spool file at a time, checked, and the
 * doubtful files read record by record (see the module comment). The raw table then has the raw
 * columns only.
 */
async function loadTable(options: LoadSinkOptions, table: TableKey, context: LoadContext): Promise<LoadedTable> {
  const started = performance.now();
  const { connection } = options;
  const maxRecordBytes = options.maxRecordBytes ?? MAX_RECORD_BYTES;
  await connection.run(loadingTableDdl(table));
  const reader = new SpoolReader(connection, table, maxRecordBytes);
  const listing = options.store.listPages(table, options.topics[table], options.pageSize);
  let scans: { key: string; records: number }[];
  try {
    scans = await fetchObjects(options, table, objectQueue(listing, context.progress), reader, context);
  } finally {
    await reader.done();
  }
  const counts = emptyTableReadCounts();
  await takePlainFiles(connection, table, reader, !options.checkEveryRecord);
  const byRecord = countTakenFiles(reader.files, counts);
  const objectsByRecord = await readByRecord(connection, table, byRecord, counts, context.quarantine, maxRecordBytes);
  context.progress.quarantined = context.quarantine.count();
  context.progress.report();
  await Promise.all(reader.files.filter((f) => f.owned).map((f) => rm(f.file, { force: true })));
  checkSinkOffsets(scans, counts, options.endOffsets?.[table]);
  return { table, counts, objectsByRecord, ms: performance.now() - started };
}

/**
 * Hands finished files to DuckDB: it reads them, as many at a time as are ready, on its own threads,
 * while the workers fetch. A call that fails is retried file by file; a file that still fails is
 * read record by record.
 */
class SpoolReader {
  /** Every file handed, in order. */
  readonly files: SpoolFile[] = [];
  /** Per file id: the records DuckDB read and whether every one is plain. */
  readonly checked = new Map<number, { rows: number; plain: boolean }>();
  private readonly ready: SpoolFile[] = [];
  private reading = Promise.resolve();
  private busy = false;

  constructor(
    private readonly connection: DuckDBConnection,
    private readonly table: TableKey,
    private readonly maxRecordBytes: number,
  ) {}

  /** Hands a complete file; DuckDB starts reading once a few are ready (one file keeps a thread idle). */
  hand(spool: SpoolFile): void {
    spool.id = this.files.length;
    this.files.push(spool);
    this.ready.push(spool);
    if (this.ready.length >= MIN_FILES_PER_READ) this.read();
  }

  /** Reads what is ready, then resolves once DuckDB has read every file handed so far. */
  done(): Promise<void> {
    this.read();
    return this.reading;
  }

  private read(): void {
    if (this.busy || this.ready.length === 0) return;
    this.busy = true;
    this.reading = this.reading.then(() => this.readReady());
  }

  private async readReady(): Promise<void> {
    while (this.ready.length) {
      const batch = this.ready.splice(0, this.batchSize());
      await this.insert(batch);
      await this.check(batch);
    }
    this.busy = false;
  }

  /** How many of the ready files the next call reads: up to `FILES_PER_READ` and `BYTES_PER_READ`. */
  private batchSize(): number {
    const most = Math.min(this.ready.length, FILES_PER_READ);
    let count = 1;
    let bytes = spoolBytes(this.ready[0]);
    while (count < most && bytes < BYTES_PER_READ) bytes += spoolBytes(this.ready[count++]);
    return count;
  }

  /** Checks the rows of `batch` (files of consecutive ids), just inserted: see `checkFilesSql`. */
  private async check(batch: readonly SpoolFile[]): Promise<void> {
    const sql = checkFilesSql(this.table, batch[0].id as number, batch[batch.length - 1].id as number);
    for (const [id, rows, plain] of (await this.connection.runAndReadAll(sql)).getRows() as [number, bigint, boolean][])
      this.checked.set(id, { rows: Number(rows), plain });
  }

  /** Inserts the rows of `batch` (files handed one after another); a file DuckDB cannot read gets its `readError`. */
  private async insert(batch: readonly SpoolFile[]): Promise<void> {
    const sql = (files: readonly SpoolFile[]) =>
      insertFilesSql(
        this.table,
        files.map((f) => f.file),
        files[0].id as number,
        this.maxRecordBytes,
      );
    try {
      await this.connection.run(sql(batch));
    } catch {
      // A failed INSERT adds nothing: insert the files one by one.
      for (const spool of batch)
        await this.connection.run(sql([spool])).catch((error: unknown) => {
          spool.readError = describeError(error);
        });
    }
  }
}

/**
 * Marks `taken` the files whose rows are kept as DuckDB read them: DuckDB could read the file, no
 * object in it is suspect, every record is plain, and DuckDB read as many records as there are
 * lines (see the module comment). Deletes the rows of the others (read record by record instead)
 * and drops the loading columns. `fastPath` false: no file is taken.
 */
async function takePlainFiles(
  connection: DuckDBConnection,
  table: TableKey,
  reader: SpoolReader,
  fastPath: boolean,
): Promise<void> {
  const raw = RAW_VIEWS[table];
  const { files, checked } = reader;
  const rejected: number[] = [];
  for (const spool of files) {
    const lines = recordsIn(spool);
    const { rows, plain } = checked.get(spool.id as number) ?? { rows: 0, plain: true };
    spool.taken = fastPath && !spool.readError && !spool.objects.some((o) => o.scan.suspect) && plain && rows === lines;
    if (!spool.taken && rows > 0) rejected.push(spool.id as number);
  }
  if (rejected.length) await connection.run(`DELETE FROM ${raw} WHERE ${FILE_COLUMN} IN (${rejected.join(', ')})`);
  for (const column of [FILE_COLUMN, ...nonTextColumns(table).map(textOf)])
    await connection.run(`ALTER TABLE ${raw} DROP COLUMN "${column}"`);
}

/** The objects of one listing one at a time, in listing order, listing the next page when the last is taken. */
function objectQueue(
  listing: AsyncIterable<SinkObject[]>,
  progress: LoadContext['progress'],
): () => Promise<SinkObject | undefined> {
  const pages = listing[Symbol.asyncIterator]();
  const queue: SinkObject[] = [];
  let listed = false;
  return async () => {
    while (queue.length === 0 && !listed) {
      const page = await pages.next();
      if (page.done) {
        listed = true;
        break;
      }
      progress.objectsListed += page.value.length;
      progress.report();
      queue.push(...page.value);
    }
    return queue.shift();
  };
}

/**
 * Fetches the objects `take` gives with `concurrency` workers, each into a spool file of its own
 * handed to `reader` when full (a folder's large objects are handed in place); returns each object's
 * record count. Workers take objects one at a time; after a failure none takes another.
 */
async function fetchObjects(
  options: LoadSinkOptions,
  table: TableKey,
  take: () => Promise<SinkObject | undefined>,
  reader: SpoolReader,
  context: LoadContext,
): Promise<{ key: string; records: number }[]> {
  const { progress } = context;
  const scans: { key: string; records: number }[] = [];
  let failed = false;
  let taking = Promise.resolve<SinkObject | undefined>(undefined);
  const nextObject = () => (taking = taking.then(() => (failed ? undefined : take())));
  const worker = async (n: number) => {
    const spool = new SpoolWriter(context.spoolDir, `${table}-${n}`);
    for (let object = await nextObject(); object; object = await nextObject()) {
      const scan = await fetchObject(options, object, spool, reader);
      scans.push({ key: object.key, records: scan.records });
      progress.objectsRead += 1;
      progress.bytesRead += object.size;
      progress.records += scan.records;
      progress.report();
    }
    const last = await spool.finish();
    if (last) reader.hand(last);
  };
  const concurrency = Math.max(1, options.concurrency ?? options.store.objectsInFlight ?? DEFAULT_OBJECTS_IN_FLIGHT);
  await Promise.all(
    Array.from({ length: concurrency }, (_, n) =>
      worker(n).catch((error: unknown) => {
        failed = true;
        throw error;
      }),
    ),
  );
  return scans;
}

/** One object: a folder's large object scanned and handed in place, any other streamed into `spool` (retried). */
async function fetchObject(
  options: LoadSinkOptions,
  object: SinkObject,
  spool: SpoolWriter,
  reader: SpoolReader,
): Promise<LineScan> {
  const { store } = options;
  const maxRecordBytes = options.maxRecordBytes ?? MAX_RECORD_BYTES;
  if (store.file && object.size >= (options.inPlaceBytes ?? IN_PLACE_BYTES)) {
    const file = store.file(object.key);
    const scan = scanFile(file, maxRecordBytes);
    reader.hand({ file, owned: false, objects: [{ object, start: 0, end: object.size, scan }] });
    return scan;
  }
  const spooled = await withRetry(async () => spool.append(object, await store.open(object.key), maxRecordBytes), {
    retries: 3,
    baseDelayMs: 200,
    maxDelayMs: 2_000,
  });
  if (spool.bytes >= (options.spoolChunkBytes ?? SPOOL_CHUNK_BYTES)) reader.hand((await spool.finish()) as SpoolFile);
  return spooled.scan;
}

/**
 * Counts the objects of every file, and the records of the files taken as DuckDB read them; returns
 * the files whose objects must be read record by record.
 */
function countTakenFiles(files: readonly SpoolFile[], counts: TableReadCounts): SpoolFile[] {
  const byRecord: SpoolFile[] = [];
  for (const spool of files) {
    for (const o of spool.objects) {
      counts.objects += 1;
      counts.bytes += o.end - o.start;
      counts.blankLines += o.scan.blankLines;
    }
    if (!spool.taken) {
      byRecord.push(spool);
      continue;
    }
    const lines = recordsIn(spool);
    counts.records += lines;
    counts.parsed += lines;
  }
  return byRecord;
}

/** Reads the objects of `files` record by record into the raw table (or the quarantine); returns how many objects. */
async function readByRecord(
  connection: DuckDBConnection,
  table: TableKey,
  files: readonly SpoolFile[],
  counts: TableReadCounts,
  quarantine: BatchQuarantine,
  maxRecordBytes: number,
): Promise<number> {
  let objects = 0;
  for (const spool of files) {
    for (const { object, start, end } of spool.objects) {
      objects += 1;
      const body = await readRange(spool.file, start, end);
      const rows: RawTables[TableKey] = [];
      const objectCounts = emptyTableReadCounts();
      classifyObjectRecords(
        { table, key: object.key, bytes: body.length },
        body,
        rows,
        objectCounts,
        quarantine,
        maxRecordBytes,
      );
      counts.records += objectCounts.records;
      counts.parsed += objectCounts.parsed;
      counts.quarantined += objectCounts.quarantined;
      for (const [field, n] of Object.entries(objectCounts.unknownFields))
        counts.unknownFields[field] = (counts.unknownFields[field] ?? 0) + n;
      await appendRawRows(connection, table, rows);
    }
  }
  return objects;
}

export interface LoadSinkResult {
  /** What was read: per table `records === parsed + quarantined`. */
  counts: ReadCounts;
  quarantine: BatchQuarantine;
  tables: Record<TableKey, LoadedTable>;
}

/**
 * Reads the sink's objects of the three topics into `pin_raw`, `geo_raw` and `user_raw` (see the
 * module comment), calling `afterTable` once each table is loaded, before the next one is read (the
 * batch step cleans it there and drops it, so one raw table at a time is held).
 */
export async function loadSink(
  options: LoadSinkOptions,
  afterTable?: (loaded: LoadedTable) => Promise<void>,
): Promise<LoadSinkResult> {
  const quarantine = createBatchQuarantine(options.quarantineDir);
  const spoolDir = options.spoolDir ?? (await mkdtemp(path.join(tmpdir(), 'pp-spool-')));
  const progress = {
    objectsListed: 0,
    objectsRead: 0,
    bytesRead: 0,
    records: 0,
    quarantined: 0,
    report() {
      options.onProgress?.({
        objectsListed: this.objectsListed,
        objectsRead: this.objectsRead,
        bytesRead: this.bytesRead,
        records: this.records,
        quarantined: this.quarantined,
      });
    },
  };
  const tables = {} as Record<TableKey, LoadedTable>;
  try {
    for (const table of TABLES) {
      const loaded = await loadTable(options, table, { quarantine, spoolDir, progress });
      tables[table] = loaded;
      if (afterTable) await afterTable(loaded);
    }
  } finally {
    quarantine.close();
    if (!options.spoolDir) await rm(spoolDir, { recursive: true, force: true });
  }
  const counts = totalReadCounts(
    Object.fromEntries(TABLES.map((t) => [t, tables[t].counts])) as Record<TableKey, TableReadCounts>,
    quarantine.files,
  );
  return { counts, quarantine, tables };
}
