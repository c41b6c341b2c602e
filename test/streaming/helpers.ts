import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import assert from 'node:assert/strict';
import {
  ListShardsCommand,
  MergeShardsCommand,
  SplitShardCommand,
  type KinesisClient,
  type Shard,
} from '@aws-sdk/client-kinesis';
import type { AckedRecord } from '../../src/emulation/emulate-posts';
import { openDatabase, queryRows } from '../../src/duckdb';
import { SQL_TABLES } from '../../src/contract/clean-schema';
import { validateRecord, type RawTables } from '../../src/contract/raw-records';
import { cleanRawTables, loadRawTables } from '../../src/cleaning/duckdb-cleaning';
import {
  ensureStreams,
  startLocalStack,
  type LocalStack,
  type LocalStackOptions,
} from '../../src/local-stack/start-local-stack';
import { TABLES, type TableKey } from '../../src/contract/tables';

export function uniqueUser(prefix = 'st'): string {
  return `${prefix}-${randomBytes(4).toString('hex')}`;
}

/** Local stacks and temp folders made by a test file, cleaned up by `cleanup()` in `after`. */
export function stackPool() {
  const dirs: string[] = [];
  const stacks: LocalStack[] = [];
  return {
    tempDir(prefix = 'pp-streaming-'): string {
      const dir = mkdtempSync(path.join(tmpdir(), prefix));
      dirs.push(dir);
      return dir;
    },
    async start(options: Partial<LocalStackOptions> = {}): Promise<LocalStack> {
      const dataDir = options.dataDir ?? this.tempDir();
      const stack = await startLocalStack({
        dataDir,
        userId: uniqueUser(),
        ports: { gateway: 0, restProxy: 0, s3: 0, kinesis: 0 },
        provision: true,
        ...options,
      });
      stacks.push(stack);
      return stack;
    },
    async cleanup(): Promise<void> {
      for (const stack of stacks) await stack.stop();
      for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** The rows the batch cleaning (the shared SQL) gives over the acknowledged rows of each table, as sorted JSON lines. */
export async function expectedTables(acks: readonly AckedRecord[]): Promise<Record<TableKey, string[]>> {
  const raw: RawTables = { pin: [], geo: [], user: [] };
  for (const ack of acks) {
    const checked = validateRecord(ack.table, JSON.parse(ack.json));
    if (checked.ok) (raw[ack.table] as unknown[]).push(checked.row);
  }
  const db = await openDatabase();
  try {
    await loadRawTables(db.connection, raw);
    await cleanRawTables(db.connection);
    const out = {} as Record<TableKey, string[]>;
    for (const table of TABLES)
      out[table] = rowLines(await queryRows(db.connection, `SELECT * FROM ${SQL_TABLES[table]}`));
    return out;
  } finally {
    db.close();
  }
}

export function rowLines(rows: readonly object[]): string[] {
  return rows.map((row) => JSON.stringify(row)).sort();
}

export async function listShards(kinesis: KinesisClient, stream: string): Promise<Shard[]> {
  return (await kinesis.send(new ListShardsCommand({ StreamName: stream }))).Shards ?? [];
}

/** Splits `shardId` at the middle of its hash key range and waits for the stream to be ACTIVE again. */
export async function splitShard(kinesis: KinesisClient, stream: string, shardId: string): Promise<void> {
  const shard = (await listShards(kinesis, stream)).find((s) => s.ShardId === shardId);
  assert.ok(shard?.HashKeyRange, `${shardId} listed`);
  const middle =
    (BigInt(shard.HashKeyRange.StartingHashKey as string) + BigInt(shard.HashKeyRange.EndingHashKey as string)) / 2n;
  await kinesis.send(
    new SplitShardCommand({ StreamName: stream, ShardToSplit: shardId, NewStartingHashKey: middle.toString() }),
  );
  await ensureStreams(kinesis, [stream]);
}

/** Merges two adjacent shards and waits for the stream to be ACTIVE again. */
export async function mergeShards(
  kinesis: KinesisClient,
  stream: string,
  shardId: string,
  adjacentShardId: string,
): Promise<void> {
  await kinesis.send(
    new MergeShardsCommand({ StreamName: stream, ShardToMerge: shardId, AdjacentShardToMerge: adjacentShardId }),
  );
  await ensureStreams(kinesis, [stream]);
}

/** Kinesis' shard id of shard number `n`. */
export function shardId(n: number): string {
  return `shardId-${String(n).padStart(12, '0')}`;
}
