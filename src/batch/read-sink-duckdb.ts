/**
 * The batch step for data too big to hold as JavaScript rows: the sink's objects, copied to a
 * folder (sink-folder.ts), are read by DuckDB into `pin_raw`/`geo_raw`/`user_raw`, cleaned there by
 * the shared cleaning SQL (src/cleaning/, the same SQL the Databricks notebooks run) and
 * left as `pin_clean`/`geo_clean`/`user_clean` for the nine questions.
 *
 * Which records are rows and which go to the quarantine is decided exactly as `readSinkTables`
 * decides it (`validateRecord`), without parsing every record in JavaScript:
 * - DuckDB reads every record with each column as raw JSON, so nothing is converted silently, and a
 *   record is taken as it is only when each column already has its plain type (text is a JSON
 *   string, an id or whole number is a JSON integer, a number is a JSON number) or is missing/null.
 *   For those records `validateRecord` would give the same values.
 * - The lines of every object are counted here (records, blank lines, oversized records, UTF-8); an object
 *   whose count DuckDB does not match, or that holds any record not taken as it is, is read again
 *   record by record by `classifyObjectRecords`, which quarantines with the reason or converts
 *   ("12" as an id, a number as text) exactly as the JavaScript reader does.
 * So the counts reconcile as in `readSinkTables`: per table `records === parsed + quarantined`.
 * Unknown fields are dropped as there, but only counted in objects read record by record.
 */
import type { DuckDBConnection } from '@duckdb/node-api';
import { isUtf8 } from 'node:buffer';
import { closeSync, fstatSync, openSync, readSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { performance } from 'node:perf_hooks';
import { RAW_VIEWS } from '../cleaning/cleaning-sql';
import { cleanRawTableInDuckDb, insertRawRows, rawColumnsDdl } from '../cleaning/duckdb-cleaning';
import { sqlString } from '../analysis/duckdb';
import { COLUMNS, TABLES, type TableKey } from '../tables';
import type { CleanCounts } from './clean-result';
import { SQL_TABLES } from './clean-schema';
import { createBatchQuarantine, type BatchQuarantine } from './quarantine';
import { ID_COLUMN, RAW_KINDS, type RawKind } from './raw-records';
import { classifyObjectRecords, emptyTableReadCounts, MAX_RECORD_BYTES, totalReadCounts, type ReadCounts, type SinkObject, type TableReadCounts } from './read-sink';
import { listSinkFolder, sinkFolderFile } from './sink-folder';

export interface ReadSinkFolderOptions {
  connection: DuckDBConnection;
  /** A folder laid out like the sink's bucket (`<dir>/topics/<topic>/partition=<p>/…`). */
  dir: string;
  topics: Record<TableKey, string>;
  /** Folder of the quarantine files (`batch-read-<table>.jsonl`); omit to keep them in memory only. */
  quarantineDir?: string;
  /** Records larger than this are quarantined (default `MAX_RECORD_BYTES`). */
  maxRecordBytes?: number;
  /** Told when a table has been read, and when it has been cleaned, with the milliseconds it took. */
  onStage?: (event: { table: TableKey; stage: 'read' | 'clean'; ms: number }) => void;
}

/** What a line count of one object found. */
interface LineScan {
  records: number;
  blankLines: number;
  /** A record larger than the limit, or bytes that are not UTF-8: read record by record. */
  suspect: boolean;
}

const NEWLINE = 0x0a;
const CARRIAGE_RETURN = 0x0d;
const OPEN_BRACE = 0x7b;
const lenientUtf8 = new TextDecoder('utf-8');

/**
 * Counts records and blank lines as `splitLines` + `classifyObjectRecords` would see them, and
 * flags an object with an oversized record or bytes that are not UTF-8 (which DuckDB would read).
 */
export function scanLines(body: Uint8Array, maxRecordBytes: number): LineScan {
  const bytes = Buffer.from(body.buffer, body.byteOffset, body.byteLength);
  const scan: LineScan = { records: 0, blankLines: 0, suspect: !isUtf8(bytes) };
  let start = 0;
  while (start < bytes.length) {
    let end = bytes.indexOf(NEWLINE, start);
    if (end === -1) end = bytes.length;
    let stop = end;
    if (stop > start && bytes[stop - 1] === CARRIAGE_RETURN) stop -= 1;
    if (bytes[start] !== OPEN_BRACE && lenientUtf8.decode(bytes.subarray(start, stop)).trim() === '') scan.blankLines += 1;
    else scan.records += 1;
    if (stop - start > maxRecordBytes) scan.suspect = true;
    start = end + 1;
  }
  return scan;
}

/** Extra columns of the raw tables made here: the object each row came from, and whether DuckDB read it as it is. */
const FILE_COLUMN = '_sink_file';
const PLAIN_COLUMN = '_plain';

/** Reads whole files into one buffer that grows as needed (one allocation instead of one per file). */
function createFileReader(): { read(file: string): Buffer } {
  let buffer = Buffer.allocUnsafe(1 << 20);
  return {
    read(file) {
      const fd = openSync(file, 'r');
      try {
        const size = fstatSync(fd).size;
        if (buffer.length < size) buffer = Buffer.allocUnsafe(size);
        let length = 0;
        while (length < size) {
          const n = readSync(fd, buffer, length, size - length, length);
          if (n === 0) break;
          length += n;
        }
        return buffer.subarray(0, length);
      } finally {
        closeSync(fd);
      }
    },
  };
}

/** SQL that is true when a raw JSON column holds a value `validateRecord` keeps unchanged. */
function plainValueSql(column: string, kind: RawKind): string {
  const c = `"${column}"`;
  const missing = `${c} IS NULL OR json_type(${c}) = 'NULL'`;
  const safeInteger = `json_type(${c}) IN ('UBIGINT', 'BIGINT') AND abs(TRY_CAST(${c} AS BIGINT)) <= 9007199254740991`;
  switch (kind) {
    case 'id': return `(json_type(${c}) = 'UBIGINT' AND TRY_CAST(${c} AS BIGINT) <= 9007199254740991)`;
    case 'int': return `(${missing} OR (${safeInteger}))`;
    case 'text': return `(${missing} OR json_type(${c}) = 'VARCHAR')`;
    case 'float': return `(${missing} OR (json_type(${c}) IN ('UBIGINT', 'BIGINT', 'DOUBLE') AND isfinite(TRY_CAST(${c} AS DOUBLE))))`;
  }
}

/** SQL turning a raw JSON column holding a plain value into the raw table's type. */
function plainValueCast(column: string, kind: RawKind): string {
  const c = `"${column}"`;
  switch (kind) {
    case 'text': return `${c} ->> '$' AS ${c}`;
    case 'float': return `TRY_CAST(${c} AS DOUBLE) AS ${c}`;
    default: return `TRY_CAST(${c} AS BIGINT) AS ${c}`;
  }
}

/** Reads one table's objects into `<table>_raw`; returns its read counts. */
async function readTable(options: ReadSinkFolderOptions, table: TableKey, objects: SinkObject[], quarantine: BatchQuarantine): Promise<TableReadCounts & { byRecord: number }> {
  const { connection } = options;
  const maxRecordBytes = options.maxRecordBytes ?? MAX_RECORD_BYTES;
  const counts = emptyTableReadCounts();
  const columns = COLUMNS[table] as string[];
  const kinds = RAW_KINDS[table];
  const files = objects.map((object) => sinkFolderFile(options.dir, object.key));
  // One pass: every record with its object's name, whether it is plain, and its values cast.
  const raw = RAW_VIEWS[table];
  // NULL (a missing id, a value too big to cast) must count as not plain: bool_and below skips NULLs.
  const plain = `COALESCE(${columns.map((column) => plainValueSql(column, kinds[column])).join(' AND ')}, FALSE)`;
  const casts = columns.map((column) => plainValueCast(column, kinds[column])).join(', ');
  const asJson = columns.map((column) => `"${column}": 'JSON'`).join(', ');
  const readJson = (paths: string[]) =>
    `SELECT filename AS ${FILE_COLUMN}, ${plain} AS ${PLAIN_COLUMN}, ${casts} FROM read_json([${paths.map(sqlString).join(', ')}], ` +
    `format = 'newline_delimited', columns = {${asJson}}, filename = true, ignore_errors = true, maximum_object_size = ${Math.max(maxRecordBytes + 1, 16 * 1024 * 1024)})`;
  await connection.run(`CREATE OR REPLACE TABLE ${raw} (${FILE_COLUMN} VARCHAR, ${PLAIN_COLUMN} BOOLEAN, ${rawColumnsDdl(table)})`);
  const insertAll = async () => {
    if (!files.length) return;
    try {
      await connection.run(`INSERT INTO ${raw} ${readJson(files)}`);
    } catch {
      // An object DuckDB cannot read at all must not stop the others: read them one by one; one that
      // still fails has no rows here and is read record by record below.
      for (const file of files) await connection.run(`INSERT INTO ${raw} ${readJson([file])}`).catch(() => undefined);
    }
  };
  // DuckDB reads on its own threads while this one counts the lines of the same files.
  const inserted = insertAll();
  const scans = new Map<string, LineScan>();
  try {
    const reader = createFileReader();
    for (const file of files) {
      const body = reader.read(file);
      counts.objects += 1;
      counts.bytes += body.length;
      scans.set(file, scanLines(body, maxRecordBytes));
    }
  } finally {
    await inserted;
  }

  // Objects taken as DuckDB read them: as many records as lines, every one plain. The rows of the
  // others are replaced by what the record-by-record reader makes of them.
  const seen = await connection.runAndReadAll(`SELECT ${FILE_COLUMN}, COUNT(*)::BIGINT, bool_and(${PLAIN_COLUMN}) FROM ${raw} GROUP BY ${FILE_COLUMN}`);
  const taken = new Set<string>();
  for (const [file, n, allPlain] of seen.getRows() as [string, bigint, boolean][]) {
    const scan = scans.get(file);
    if (scan && !scan.suspect && allPlain && Number(n) === scan.records) taken.add(file);
  }
  const read = seen.getRows().map((row) => row[0] as string);
  for (const file of files) {
    const scan = scans.get(file) as LineScan;
    if (scan.records === 0 && !scan.suspect && !read.includes(file)) taken.add(file);
  }
  const rejected = read.filter((file) => !taken.has(file));
  if (rejected.length) await connection.run(`DELETE FROM ${raw} WHERE ${FILE_COLUMN} IN (${rejected.map(sqlString).join(', ')})`);

  let byRecord = 0;
  for (const [i, object] of objects.entries()) {
    const scan = scans.get(files[i]) as LineScan;
    counts.blankLines += scan.blankLines;
    if (taken.has(files[i])) {
      counts.records += scan.records;
      counts.parsed += scan.records;
      continue;
    }
    byRecord += 1;
    const body = await readFile(files[i]);
    const rows: unknown[] = [];
    const objectCounts = emptyTableReadCounts();
    classifyObjectRecords({ table, key: object.key, bytes: body.length }, body, rows, objectCounts, quarantine, maxRecordBytes);
    counts.records += objectCounts.records;
    counts.parsed += objectCounts.parsed;
    counts.quarantined += objectCounts.quarantined;
    for (const [field, n] of Object.entries(objectCounts.unknownFields)) counts.unknownFields[field] = (counts.unknownFields[field] ?? 0) + n;
    if (rows.length) await insertRawRows(connection, table, rows as object[]);
  }
  return { ...counts, byRecord };
}

async function count(connection: DuckDBConnection, sql: string): Promise<number> {
  const result = await connection.runAndReadAll(sql);
  return Number(result.getRows()[0][0]);
}

export interface CleanSinkFolderResult {
  /** What was read: per table `records === parsed + quarantined`. */
  counts: ReadCounts;
  quarantine: BatchQuarantine;
  /** Objects that were read record by record in JavaScript (the others were taken by DuckDB as they are). */
  objectsCheckedByRecord: number;
  /** Per table: `input (= parsed) === invalid + duplicates + output`. */
  clean: Record<TableKey, CleanCounts>;
}

/**
 * Cleans one raw table of `connection` with the shared cleaning SQL (`cleanRawTableInDuckDb`),
 * leaving `pin_clean`, `geo_clean` or `user_clean`, and counts what the cleaning kept and dropped.
 */
export async function cleanRawTableWithCounts(connection: DuckDBConnection, table: TableKey): Promise<CleanCounts> {
  await cleanRawTableInDuckDb(connection, table);
  const input = await count(connection, `SELECT COUNT(*) FROM ${RAW_VIEWS[table]}`);
  const usable = await count(connection, `SELECT COUNT(*) FROM ${RAW_VIEWS[table]} WHERE TRY_CAST("${ID_COLUMN[table]}" AS INT) IS NOT NULL`);
  const output = await count(connection, `SELECT COUNT(*) FROM ${SQL_TABLES[table]}`);
  return { input, invalid: input - usable, duplicates: usable - output, output };
}

/**
 * The batch step in DuckDB, table by table: reads a sink folder into the raw table, quarantining
 * what `readSinkTables` would quarantine (see the module comment), cleans it
 * (`cleanRawTableWithCounts`) and drops it, so at most one raw table is held at a time. Leaves
 * `pin_clean`, `geo_clean` and `user_clean` in `connection` for `answerQuestions`.
 */
export async function cleanSinkFolderInDuckDb(options: ReadSinkFolderOptions): Promise<CleanSinkFolderResult> {
  const { connection } = options;
  const objects = await listSinkFolder(options.dir, options.topics);
  const quarantine = createBatchQuarantine(options.quarantineDir);
  const tables = {} as Record<TableKey, TableReadCounts>;
  const clean = {} as Record<TableKey, CleanCounts>;
  let objectsCheckedByRecord = 0;
  try {
    for (const table of TABLES) {
      let started = performance.now();
      const { byRecord, ...counts } = await readTable(options, table, objects.filter((o) => o.table === table), quarantine);
      tables[table] = counts;
      objectsCheckedByRecord += byRecord;
      options.onStage?.({ table, stage: 'read', ms: performance.now() - started });
      started = performance.now();
      clean[table] = await cleanRawTableWithCounts(connection, table);
      await connection.run(`DROP TABLE ${RAW_VIEWS[table]}`);
      options.onStage?.({ table, stage: 'clean', ms: performance.now() - started });
    }
  } finally {
    quarantine.close();
  }
  return { counts: totalReadCounts(tables, quarantine.files), quarantine, objectsCheckedByRecord, clean };
}
