import { readFileSync } from 'node:fs';
import path from 'node:path';
import type { Pool } from 'mysql2/promise';
import { describeError, PipelineError } from '../errors';
import { COLUMNS, TABLES, type Post, type TableKey } from '../contract/tables';
import { DEFAULT_BATCH_SIZE } from './defaults';
import { assertGenerateOptions, generatePosts } from './generate';
import { ID_COLUMN } from '../contract/raw-rules';
import { explainMysqlError, qualifiedTable, type MysqlEndpoint } from './mysql-source';

/** CREATE TABLE statements of the three source tables. */
export const SCHEMA_FILE = path.resolve(__dirname, '../../data-samples/schema.sql');

export { DEFAULT_BATCH_SIZE };

/** Prepared statements take at most 65,535 values; the pin table has 12 columns. */
const MAX_BATCH_SIZE = Math.floor(65_535 / COLUMNS.pin.length);

export interface SeedOptions {
  database: string;
  /** Posts to load: positions 0 .. rows-1 of the generator. */
  rows: number;
  seed: number;
  batchSize?: number;
  /** Empty the three tables first, so rows of an earlier seed or size do not remain. */
  fresh?: boolean;
  /** Called after each batch with the posts loaded so far. */
  onProgress?: (done: number, total: number) => void;
  /** Where the pool connects, for one-line error messages. */
  endpoint?: MysqlEndpoint;
}

export interface SeedResult {
  database: string;
  /** Posts written (inserted or updated). */
  posts: number;
  /** Rows in each table afterwards. */
  counts: Record<TableKey, number>;
  seconds: number;
}

/** The statements of a schema file: comments dropped, split at the `;` ending each statement. */
export function readSchemaStatements(file = SCHEMA_FILE): string[] {
  const text = readFileSync(file, 'utf8').replace(/^\s*--.*$/gm, '');
  return text
    .split(/;\s*(?:\n|$)/)
    .map((statement) => statement.trim())
    .filter((statement) => statement !== '');
}

/**
 * Creates `database` (utf8mb4) if missing and the three tables in it. The schema runs on a
 * connection of its own that is then closed, so no pooled connection keeps `database` selected.
 */
export async function createSchema(pool: Pool, database: string, statements = readSchemaStatements()): Promise<void> {
  await pool.query(
    `CREATE DATABASE IF NOT EXISTS ${pool.escapeId(database)} CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci`,
  );
  const connection = await pool.getConnection();
  try {
    await connection.query(`USE ${pool.escapeId(database)}`);
    for (const statement of statements) await connection.query(statement);
  } finally {
    connection.destroy();
  }
}

/** `INSERT ... VALUES (?, ...), ... ON DUPLICATE KEY UPDATE` for `rowCount` rows of one table. */
export function upsertStatement(pool: Pool, database: string, table: TableKey, rowCount: number): string {
  const columns = COLUMNS[table] as string[];
  const names = columns.map((column) => pool.escapeId(column));
  const group = `(${columns.map(() => '?').join(', ')})`;
  const updates = columns
    .filter((column) => column !== ID_COLUMN[table])
    .map((column) => `${pool.escapeId(column)} = VALUES(${pool.escapeId(column)})`);
  return `INSERT INTO ${qualifiedTable(pool, database, table)} (${names.join(', ')}) VALUES ${new Array(rowCount).fill(group).join(', ')} ON DUPLICATE KEY UPDATE ${updates.join(', ')}`;
}

/** The rows' values, row after row, in column order: the parameters of `upsertStatement`. */
function rowValues(posts: readonly Post[], table: TableKey): (string | number)[] {
  const columns = COLUMNS[table] as string[];
  const values: (string | number)[] = [];
  for (const post of posts) {
    const row = post[table] as unknown as Record<string, string | number>;
    for (const column of columns) values.push(row[column]);
  }
  return values;
}

/**
 * Inserts or updates these posts' three rows as prepared statements, in one transaction: a batch
 * lands whole or not at all, and writing the same post twice leaves one row per table.
 */
export async function upsertPosts(pool: Pool, database: string, posts: readonly Post[]): Promise<void> {
  if (posts.length === 0) return;
  const connection = await pool.getConnection();
  try {
    await connection.beginTransaction();
    for (const table of TABLES) {
      await connection.execute(upsertStatement(pool, database, table, posts.length), rowValues(posts, table));
    }
    await connection.commit();
  } catch (error) {
    try {
      await connection.rollback();
    } catch (rollbackError) {
      const reasons = `${describeError(error)}; rollback: ${describeError(rollbackError)}`;
      throw new PipelineError('MYSQL_ROLLBACK_FAILED', `writing a batch failed and so did its rollback (${reasons})`, {
        cause: error,
      });
    }
    throw error;
  } finally {
    connection.release();
  }
}

/** Rows in each of the three tables. */
export async function countRows(pool: Pool, database: string): Promise<Record<TableKey, number>> {
  const counts = {} as Record<TableKey, number>;
  for (const table of TABLES) {
    const [rows] = await pool.query(`SELECT COUNT(*) AS n FROM ${qualifiedTable(pool, database, table)}`);
    counts[table] = Number((rows as { n: unknown }[])[0].n);
  }
  return counts;
}

async function emptyTables(pool: Pool, database: string): Promise<void> {
  for (const table of TABLES) await pool.query(`TRUNCATE TABLE ${qualifiedTable(pool, database, table)}`);
}

function assertBatchSize(batchSize: number): void {
  if (!Number.isSafeInteger(batchSize) || batchSize < 1 || batchSize > MAX_BATCH_SIZE) {
    throw new PipelineError(
      'INVALID_BATCH_SIZE',
      `batch size must be a whole number from 1 to ${MAX_BATCH_SIZE}, got ${batchSize}`,
    );
  }
}

/**
 * Loads posts 0 .. rows-1 of the generator into `database`, creating it and its tables when
 * missing. Idempotent: existing rows with the same ids are updated, so running it twice leaves
 * `rows` posts (rows with other ids stay unless `fresh`).
 */
export async function seedDatabase(pool: Pool, options: SeedOptions): Promise<SeedResult> {
  const { database, rows, seed, onProgress } = options;
  const batchSize = options.batchSize ?? DEFAULT_BATCH_SIZE;
  assertGenerateOptions({ rows, seed });
  assertBatchSize(batchSize);
  const started = Date.now();
  try {
    await createSchema(pool, database);
    if (options.fresh) await emptyTables(pool, database);
    let done = 0;
    let batch: Post[] = [];
    onProgress?.(0, rows);
    for (const post of generatePosts({ rows, seed })) {
      batch.push(post);
      if (batch.length === batchSize || done + batch.length === rows) {
        await upsertPosts(pool, database, batch);
        done += batch.length;
        batch = [];
        onProgress?.(done, rows);
      }
    }
    const counts = await countRows(pool, database);
    return { database, posts: done, counts, seconds: (Date.now() - started) / 1000 };
  } catch (error) {
    throw explainMysqlError(error, options.endpoint, database);
  }
}
