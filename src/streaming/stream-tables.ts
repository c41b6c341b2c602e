/**
 * The streaming tables `<user_id>_pin_table`, `_geo_table`, `_user_table` (PIPELINE_SPEC.md §7),
 * kept locally as prefixes of the S3 bucket, and the consumer's checkpoints next to them:
 *
 * - `tables/<table>/batch-<shardId>-<firstSeq>-<lastSeq>.json`: one object per micro-batch, the
 *   cleaned rows as JSON lines. The key depends only on the shard and the sequence range, so a
 *   replayed batch overwrites its own object (idempotent).
 * - `checkpoints/<stream>/<shardId>.json`: the last sequence number whose batch is stored.
 *
 * Duplicates across batches: the cleaning drops a pin whose `unique_id` was already seen and any
 * exact duplicate geo or user row; the consumer applies the same keys across micro-batches (see
 * `cleanedRowKey` and `TableIndex`), so each table holds the distinct cleaned rows, as
 * `cleanTables` over everything sent would give.
 */
import { GetObjectCommand, PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { cleanColumns, cleanDtypes, type CleanRowByTable } from '../batch/clean-schema';
import { exactRowKey } from '../batch/clean-values';
import { PipelineError } from '../errors';
import { rowsToFrame, type Frame } from '../frames';
import { listObjects } from '../s3-list';
import type { TableKey } from '../tables';

export const TABLES_PREFIX = 'tables/';
export const CHECKPOINTS_PREFIX = 'checkpoints/';

/** The prefix holding one streaming table. */
export function tablePrefix(table: string): string {
  return `${TABLES_PREFIX}${table}/`;
}

/** The object of one micro-batch: deterministic in (shard, first sequence number, last sequence number). */
export function batchObjectKey(table: string, shardId: string, firstSeq: string, lastSeq: string): string {
  return `${tablePrefix(table)}batch-${shardId}-${firstSeq}-${lastSeq}.json`;
}

export function checkpointKey(stream: string, shardId: string): string {
  return `${CHECKPOINTS_PREFIX}${stream}/${shardId}.json`;
}

const exactKeys = {
  pin: exactRowKey(cleanColumns('pin')),
  geo: exactRowKey(cleanColumns('geo')),
  user: exactRowKey(cleanColumns('user')),
};

/**
 * The key the batch cleaning deduplicates a cleaned row by: a pin's `unique_id` (an exact copy of
 * the row when it has none), the whole row for geo and user (`cleanPinRows`, `cleanGeoRows`,
 * `cleanUserRows`). Used to carry that deduplication across micro-batches.
 */
export function cleanedRowKey<K extends TableKey>(table: K, row: CleanRowByTable[K]): string {
  if (table === 'pin') {
    const pin = row as CleanRowByTable['pin'];
    return pin.unique_id === null ? `exact:${exactKeys.pin(pin)}` : `id:${pin.unique_id}`;
  }
  return `exact:${(exactKeys[table] as (r: CleanRowByTable[K]) => string)(row)}`;
}

async function readText(s3: S3Client, bucket: string, key: string): Promise<string | undefined> {
  try {
    const object = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
    return (await object.Body?.transformToString('utf8')) ?? '';
  } catch (error) {
    const name = (error as { name?: string }).name;
    if (name === 'NoSuchKey' || name === 'NotFound') return undefined;
    throw new PipelineError('S3_READ_FAILED', `cannot read s3://${bucket}/${key}: ${(error as Error).message}`, { cause: error, retriable: true });
  }
}

export async function putText(s3: S3Client, bucket: string, key: string, body: string): Promise<void> {
  try {
    await s3.send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: body, ContentType: 'application/json' }));
  } catch (error) {
    throw new PipelineError('S3_WRITE_FAILED', `cannot write s3://${bucket}/${key}: ${(error as Error).message}`, { cause: error, retriable: true });
  }
}

/** One stored micro-batch object of a table. */
export interface StoredBatch<K extends TableKey = TableKey> {
  key: string;
  rows: CleanRowByTable[K][];
}

/** Every micro-batch object of `table`, in key order, with its rows. */
export async function readStreamTableBatches<K extends TableKey>(s3: S3Client, bucket: string, table: string): Promise<StoredBatch<K>[]> {
  const out: StoredBatch<K>[] = [];
  for (const object of await listObjects(s3, bucket, tablePrefix(table))) {
    const key = object.Key as string;
    const text = (await readText(s3, bucket, key)) ?? '';
    out.push({ key, rows: text.split('\n').filter((line) => line !== '').map((line) => JSON.parse(line) as CleanRowByTable[K]) });
  }
  return out;
}

/**
 * The rows of a streaming table (`names.streamTables[kind]`), as stored: the consumer writes each
 * distinct cleaned row once, so no deduplication is needed here.
 */
export async function readStreamTable<K extends TableKey>(s3: S3Client, bucket: string, table: string, kind: K): Promise<CleanRowByTable[K][]> {
  return (await readStreamTableBatches<K>(s3, bucket, table)).flatMap((batch) => batch.rows);
}

/** A streaming table as a DataFrame in the cleaned table's column order and dtypes. */
export async function readStreamTableFrame(s3: S3Client, bucket: string, table: string, kind: TableKey): Promise<Frame> {
  return rowsToFrame(await readStreamTable(s3, bucket, table, kind), cleanColumns(kind), { dtypes: cleanDtypes(kind) });
}

/**
 * The deduplication keys of one table and the batch object holding each row: loaded from the
 * stored objects when the consumer starts (so a restart after a crash knows what is stored), and
 * updated as batches are written.
 */
export class TableIndex<K extends TableKey> {
  private readonly where = new Map<string, string>();

  constructor(readonly kind: K) {}

  static async load<K extends TableKey>(s3: S3Client, bucket: string, table: string, kind: K): Promise<TableIndex<K>> {
    const index = new TableIndex(kind);
    for (const batch of await readStreamTableBatches<K>(s3, bucket, table)) {
      for (const row of batch.rows) index.where.set(cleanedRowKey(kind, row), batch.key);
    }
    return index;
  }

  get size(): number {
    return this.where.size;
  }

  /**
   * The rows of a cleaned micro-batch that belong in the object `objectKey`: those not stored yet,
   * and those already stored in that same object (a replay rewriting it). Claims them for it.
   */
  claim(rows: readonly CleanRowByTable[K][], objectKey: string): { rows: CleanRowByTable[K][]; duplicates: number } {
    const kept: CleanRowByTable[K][] = [];
    for (const row of rows) {
      const key = cleanedRowKey(this.kind, row);
      const holder = this.where.get(key);
      if (holder !== undefined && holder !== objectKey) continue;
      this.where.set(key, objectKey);
      kept.push(row);
    }
    return { rows: kept, duplicates: rows.length - kept.length };
  }

  /** Forgets claims of an object that could not be stored, so a later batch can store those rows. */
  release(objectKey: string): void {
    for (const [key, holder] of this.where) if (holder === objectKey) this.where.delete(key);
  }
}

/** A shard's checkpoint: its batches up to `sequenceNumber` are stored. */
export interface ShardCheckpoint {
  stream: string;
  shardId: string;
  sequenceNumber: string;
  /** Records read from the shard over all runs up to the checkpoint. */
  records: number;
  updatedAt: string;
}

export async function readCheckpoint(s3: S3Client, bucket: string, stream: string, shardId: string): Promise<ShardCheckpoint | undefined> {
  const text = await readText(s3, bucket, checkpointKey(stream, shardId));
  if (text === undefined) return undefined;
  try {
    const value = JSON.parse(text) as ShardCheckpoint;
    if (typeof value.sequenceNumber !== 'string') throw new Error('no sequenceNumber');
    return value;
  } catch (error) {
    throw new PipelineError('CHECKPOINT_INVALID', `s3://${bucket}/${checkpointKey(stream, shardId)} is not a checkpoint (${(error as Error).message}); delete it to read the shard from the start`, { cause: error });
  }
}

export async function writeCheckpoint(s3: S3Client, bucket: string, checkpoint: ShardCheckpoint): Promise<void> {
  await putText(s3, bucket, checkpointKey(checkpoint.stream, checkpoint.shardId), `${JSON.stringify(checkpoint)}\n`);
}
