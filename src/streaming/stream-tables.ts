/**
 * The streaming tables `<user_id>_pin_table`, `_geo_table`, `_user_table` (PIPELINE_SPEC.md §7) and
 * the consumer's checkpoints, kept in one DuckDB database file: the local counterpart of the Delta
 * tables the Databricks streaming notebook appends to.
 *
 * Each micro-batch is stored in one transaction (`storeBatch`): its raw rows are cleaned by the
 * shared cleaning SQL (src/cleaning/, as the notebook's `foreachBatch` does), merged into the table
 * against what it already holds, and the shard's checkpoint moves forward. So a crash loses nothing
 * and stores nothing twice: after a restart the consumer reads on from the last committed
 * checkpoint. The merge is a join against the stored table, not a set of keys in memory, so memory
 * stays flat however long the stream runs:
 * - pin: a `unique_id` already stored is a duplicate, unless the new row has the smaller `ind`, which
 *   then replaces it (a repeated `unique_id` keeps the smallest `ind`, as in the batch step); rows
 *   without a `unique_id` are duplicates only of an exact copy;
 * - geo and user: exact copies are duplicates.
 * So each table ends up with the rows the batch cleaning gives for everything sent.
 */
import { DuckDBInstance, type DuckDBConnection } from '@duckdb/node-api';
import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import { cleanColumns, cleanDtypes, SQL_TABLES, type CleanRowByTable } from '../contract/clean-schema';
import type { RawRowByTable } from '../contract/raw-records';
import { createTableSql } from '../contract/sql-dialect';
import { queryCount, queryFrame, queryRows } from '../duckdb';
import { RAW_VIEWS, sqlString } from '../cleaning/cleaning-sql';
import { appendRawRows, cleanRawTable, createRawTable } from '../cleaning/duckdb-cleaning';
import { describeError, PipelineError } from '../errors';
import type { Frame } from '../frames';
import { STREAM_DATABASE } from '../local-stack/defaults';
import { TABLES, type TableKey } from '../contract/tables';

/** DuckDB's memory for the streaming database: the tables live on disk, only the working set in memory. */
export const STREAM_DATABASE_MEMORY = '128MB';

const CHECKPOINTS = '_checkpoints';

/** A shard's checkpoint: its batches up to `sequenceNumber` are stored. */
export interface ShardCheckpoint {
  stream: string;
  shardId: string;
  sequenceNumber: string;
  /** Records read from the shard over all runs up to the checkpoint. */
  records: number;
  updatedAt: string;
}

/** What storing one micro-batch did. */
export interface StoredBatch {
  /** Raw rows given. */
  input: number;
  /** Rows without a usable id after cleaning. */
  invalid: number;
  /** Rows dropped as repeats, within the batch or of rows stored before. */
  duplicates: number;
  /** Rows the table gained (a pin replacing a stored one with a larger `ind` counts here, the one it replaced as a duplicate). */
  rowsWritten: number;
  /** Rows in the table after the batch. */
  tableRows: number;
}

export interface StreamTables {
  /** The database file. */
  readonly path: string;
  /** Cleans and merges one micro-batch and moves the shard's checkpoint, in one transaction. */
  storeBatch<K extends TableKey>(
    table: K,
    rows: readonly RawRowByTable[K][],
    checkpoint: ShardCheckpoint,
  ): Promise<StoredBatch>;
  readCheckpoint(stream: string, shardId: string): Promise<ShardCheckpoint | undefined>;
  /** Drops the checkpoints of a stream, so the next run reads it from the start (what it stored stays). */
  forgetCheckpoints(stream: string): Promise<void>;
  /** Rows in a streaming table now. */
  tableRows(table: TableKey): Promise<number>;
  close(): void;
}

/** The SQL names of the three streaming tables, checked (they come from the user id). */
function checkTableNames(names: Record<TableKey, string>): void {
  for (const name of Object.values(names)) {
    if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(name))
      throw new PipelineError(
        'STREAM_TABLE_NAME_INVALID',
        `streaming table name ${JSON.stringify(name)} is not a plain SQL name; use a user_id of letters, digits and _`,
      );
  }
}

/**
 * The statements merging the cleaned batch `batch` into `target` (see the module comment). Exact
 * copies are found with EXCEPT (NULLs equal, lists compared whole), against only the stored rows
 * with the batch's ids.
 */
function mergeSql(table: TableKey, target: string, batch: string): string[] {
  const columns = cleanColumns(table).join(', ');
  const newExactRows = (where: string) =>
    `INSERT INTO ${target} (${columns}) SELECT ${columns} FROM ${batch} WHERE ${where} ` +
    `EXCEPT SELECT ${columns} FROM ${target} WHERE ${where} AND ind IN (SELECT ind FROM ${batch})`;
  if (table !== 'pin') return [newExactRows('TRUE')];
  return [
    `DELETE FROM ${target} WHERE unique_id IN (SELECT b.unique_id FROM ${batch} b JOIN ${target} t ON t.unique_id = b.unique_id WHERE b.ind < t.ind)`,
    `INSERT INTO ${target} (${columns}) SELECT ${columns} FROM ${batch} b WHERE b.unique_id IS NOT NULL AND NOT EXISTS (SELECT 1 FROM ${target} t WHERE t.unique_id = b.unique_id)`,
    newExactRows('unique_id IS NULL'),
  ];
}

/** The DuckDB instance of a database file, shared by everything in this process that opens it. */
async function instanceOf(file: string): Promise<DuckDBInstance> {
  await mkdir(path.dirname(file), { recursive: true });
  try {
    return await DuckDBInstance.fromCache(file, {
      memory_limit: STREAM_DATABASE_MEMORY,
      preserve_insertion_order: 'false',
    });
  } catch (error) {
    throw new PipelineError(
      'STREAM_DATABASE_LOCKED',
      `cannot open ${file}: ${describeError(error)}; is another consumer (npm run stream) using it? Stop it first`,
      { cause: error },
    );
  }
}

/**
 * Opens (creating when needed) the streaming database `file` with the tables named by `names`
 * (`config.names.streamTables`) and the checkpoints.
 */
export async function openStreamTables(file: string, names: Record<TableKey, string>): Promise<StreamTables> {
  checkTableNames(names);
  const connection = await (await instanceOf(file)).connect();
  for (const table of TABLES) {
    await connection.run(
      createTableSql(table, 'duckdb', names[table]).replace(/^CREATE TABLE /, 'CREATE TABLE IF NOT EXISTS '),
    );
  }
  await connection.run(
    `CREATE TABLE IF NOT EXISTS ${CHECKPOINTS} (stream VARCHAR, shard_id VARCHAR, sequence_number VARCHAR, records BIGINT, updated_at VARCHAR, PRIMARY KEY (stream, shard_id))`,
  );
  // One micro-batch at a time on this connection: each is a transaction.
  let queue: Promise<unknown> = Promise.resolve();
  const serially = <T>(work: () => Promise<T>): Promise<T> => {
    const next = queue.then(work);
    queue = next.catch(() => undefined);
    return next;
  };
  return {
    path: file,
    storeBatch: (table, rows, checkpoint) =>
      serially(async () => {
        await createRawTable(connection, table, { temp: true });
        await appendRawRows(connection, table, rows, { temp: true });
        const target = names[table];
        const batch = `_batch_${table}`;
        await connection.run('BEGIN TRANSACTION');
        try {
          const before = await queryCount(connection, `SELECT COUNT(*) FROM ${target}`);
          const cleaned = await cleanRawTable(connection, table, { into: batch, temp: true });
          for (const sql of mergeSql(table, target, batch)) await connection.run(sql);
          await connection.run(
            `INSERT OR REPLACE INTO ${CHECKPOINTS} VALUES (${[checkpoint.stream, checkpoint.shardId, checkpoint.sequenceNumber].map(sqlString).join(', ')}, ${checkpoint.records}, ${sqlString(checkpoint.updatedAt)})`,
          );
          const after = await queryCount(connection, `SELECT COUNT(*) FROM ${target}`);
          await connection.run('COMMIT');
          return {
            input: cleaned.input,
            invalid: cleaned.invalid,
            duplicates: cleaned.output + cleaned.duplicates - (after - before),
            rowsWritten: after - before,
            tableRows: after,
          };
        } catch (error) {
          await connection.run('ROLLBACK');
          throw error;
        } finally {
          await connection.run(`DROP TABLE IF EXISTS temp.${batch}`);
          await connection.run(`DROP TABLE IF EXISTS temp.${RAW_VIEWS[table]}`);
        }
      }),
    readCheckpoint: (stream, shardId) =>
      serially(async () => {
        const rows = await queryRows(
          connection,
          `SELECT * FROM ${CHECKPOINTS} WHERE stream = ${sqlString(stream)} AND shard_id = ${sqlString(shardId)}`,
        );
        if (!rows.length) return undefined;
        const row = rows[0];
        return {
          stream,
          shardId,
          sequenceNumber: String(row.sequence_number),
          records: Number(row.records),
          updatedAt: String(row.updated_at),
        };
      }),
    forgetCheckpoints: (stream) =>
      serially(async () => {
        await connection.run(`DELETE FROM ${CHECKPOINTS} WHERE stream = ${sqlString(stream)}`);
      }),
    tableRows: (table) => serially(() => queryCount(connection, `SELECT COUNT(*) FROM ${names[table]}`)),
    close: () => connection.closeSync(),
  };
}

/** The rows of one streaming table, ordered by `ind` (then by every column, so the order is fixed). */
export async function readStreamTable<K extends TableKey>(
  file: string,
  name: string,
  table: K,
): Promise<CleanRowByTable[K][]> {
  checkTableNames({ pin: name, geo: name, user: name });
  const connection = await (await instanceOf(file)).connect();
  try {
    return (await queryRows(
      connection,
      `SELECT ${cleanColumns(table).join(', ')} FROM ${name} ORDER BY ${cleanColumns(table)
        .map((c) => `${c} NULLS FIRST`)
        .join(', ')}`,
    )) as unknown as CleanRowByTable[K][];
  } finally {
    connection.closeSync();
  }
}

/** A streaming table as a DataFrame in the cleaned table's column order and dtypes (its first `limit` rows by `ind`). */
export async function readStreamTableFrame(
  file: string,
  name: string,
  table: TableKey,
  limit?: number,
): Promise<Frame> {
  checkTableNames({ pin: name, geo: name, user: name });
  const connection = await (await instanceOf(file)).connect();
  try {
    return await queryFrame(
      connection,
      `SELECT ${cleanColumns(table).join(', ')} FROM ${name} ORDER BY ind${limit === undefined ? '' : ` LIMIT ${Math.floor(limit)}`}`,
      cleanDtypes(table),
    );
  } finally {
    connection.closeSync();
  }
}

/** The streaming database of a data folder (the local stack's `.local-stack/`, so it goes with the streams it checkpoints). */
export function streamDatabaseFile(dataDir: string): string {
  return path.join(dataDir, STREAM_DATABASE);
}

/** An order-independent fingerprint of a table's rows: its count and two sums of row hashes. */
async function tableFingerprint(connection: DuckDBConnection, name: string, table: TableKey): Promise<string> {
  const row = `hash(${cleanColumns(table).join(', ')})`;
  const result = await connection.runAndReadAll(
    `SELECT COUNT(*)::VARCHAR || ':' || COALESCE(bit_xor(${row}), 0)::VARCHAR || ':' || COALESCE(SUM(${row}::HUGEINT), 0)::VARCHAR FROM ${name}`,
  );
  return String(result.getRows()[0][0]);
}

/**
 * Per table: whether the streaming table in `file` holds exactly the rows of the batch step's
 * cleaned table in `connection` (`pin_clean`, …), compared by fingerprint.
 */
export async function streamTablesMatchBatch(
  connection: DuckDBConnection,
  file: string,
  names: Record<TableKey, string>,
): Promise<Record<TableKey, boolean>> {
  checkTableNames(names);
  const streaming = await (await instanceOf(file)).connect();
  try {
    const out = {} as Record<TableKey, boolean>;
    for (const table of TABLES)
      out[table] =
        (await tableFingerprint(streaming, names[table], table)) ===
        (await tableFingerprint(connection, SQL_TABLES[table], table));
    return out;
  } finally {
    streaming.closeSync();
  }
}
