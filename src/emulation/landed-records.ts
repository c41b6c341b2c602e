import {
  GetRecordsCommand,
  GetShardIteratorCommand,
  ListShardsCommand,
  type KinesisClient,
} from '@aws-sdk/client-kinesis';
import { GetObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { listSinkObjects, parseSinkKey } from '../contract/sink-object';
import type { Names } from '../config';
import { TABLES, type TableKey } from '../contract/tables';

/**
 * Where emulated records landed: the S3 sink's objects of each topic, and the records of each
 * stream, read back to check that what was acknowledged is there (no more, no less).
 */

/** One record of a sink object: its Kafka offset (start offset + line number) and JSON line. */
export interface SinkRecord {
  topic: string;
  partition: number;
  offset: number;
  json: string;
  key: string;
}

/** Every record the sink wrote for `table`'s topic: one per line of each object, in sink order. */
export async function readSinkRecords(
  s3: S3Client,
  bucket: string,
  table: TableKey,
  topic: string,
): Promise<SinkRecord[]> {
  const records: SinkRecord[] = [];
  for (const object of await listSinkObjects(s3, bucket, { [table]: topic })) {
    const key = parseSinkKey(object.key);
    if (!key || key.topic !== topic) continue;
    const body = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: object.key }));
    const text = (await body.Body?.transformToString('utf8')) ?? '';
    text
      .split('\n')
      .filter((line) => line !== '')
      .forEach((json, i) => {
        records.push({ topic, partition: key.partition, offset: key.startOffset + i, json, key: object.key });
      });
  }
  return records;
}

/** One Kinesis record read back. */
export interface StreamRecord {
  stream: string;
  shardId: string;
  sequenceNumber: string;
  partitionKey: string;
  /** The record's data as UTF-8 text (the row's JSON). */
  data: string;
}

/**
 * Every record of `stream` from the start of each shard (TRIM_HORIZON), read with GetRecords
 * (at most 10,000 per call) until a shard has nothing more behind its tip.
 */
export async function readStreamRecords(kinesis: KinesisClient, stream: string): Promise<StreamRecord[]> {
  const shards: string[] = [];
  let nextToken: string | undefined;
  do {
    const page = await kinesis.send(
      new ListShardsCommand(nextToken ? { NextToken: nextToken } : { StreamName: stream }),
    );
    for (const shard of page.Shards ?? []) if (shard.ShardId) shards.push(shard.ShardId);
    nextToken = page.NextToken;
  } while (nextToken);
  const records: StreamRecord[] = [];
  for (const shardId of shards) {
    let iterator = (
      await kinesis.send(
        new GetShardIteratorCommand({ StreamName: stream, ShardId: shardId, ShardIteratorType: 'TRIM_HORIZON' }),
      )
    ).ShardIterator;
    while (iterator) {
      const page = await kinesis.send(new GetRecordsCommand({ ShardIterator: iterator, Limit: 10_000 }));
      for (const record of page.Records ?? []) {
        records.push({
          stream,
          shardId,
          sequenceNumber: record.SequenceNumber ?? '',
          partitionKey: record.PartitionKey ?? '',
          data: Buffer.from(record.Data ?? new Uint8Array()).toString('utf8'),
        });
      }
      if (!page.Records?.length && (page.MillisBehindLatest ?? 0) === 0) break;
      iterator = page.NextShardIterator;
    }
  }
  return records;
}

/** Records landed per table, for a table in a notebook or a check in a test. */
export interface LandedCount {
  table: TableKey;
  where: string;
  objects?: number;
  records: number;
}

/** How many records the S3 sink holds per topic (and in how many objects). */
export async function countSinkRecords(
  s3: S3Client,
  bucket: string,
  names: Pick<Names, 'topics'>,
): Promise<LandedCount[]> {
  const out: LandedCount[] = [];
  for (const table of TABLES) {
    const topic = names.topics[table];
    const records = await readSinkRecords(s3, bucket, table, topic);
    out.push({
      table,
      where: `s3://${bucket}/topics/${topic}/`,
      objects: new Set(records.map((r) => r.key)).size,
      records: records.length,
    });
  }
  return out;
}

/** How many records each stream holds. */
export async function countStreamRecords(
  kinesis: KinesisClient,
  names: Pick<Names, 'streams'>,
): Promise<LandedCount[]> {
  const out: LandedCount[] = [];
  for (const table of TABLES) {
    const stream = names.streams[table];
    out.push({ table, where: `kinesis ${stream}`, records: (await readStreamRecords(kinesis, stream)).length });
  }
  return out;
}
