/**
 * The S3 sink's object (PIPELINE_SPEC.md §4), defined once: its key
 * `topics/<topic>/partition=<p>/<topic>+<p>+<start offset, 10 digits>.json`, how a key is parsed
 * and ordered, and how a bucket's objects of the three topics are listed. The sink writes keys with
 * `sinkObjectKey`; the batch step, the emulation's landed-record check, the doctor and the sample
 * round trip read them with `parseSinkKey` and `listTopicPages`.
 */
import type { S3Client } from '@aws-sdk/client-s3';
import { describeError, hasErrorCode, PipelineError } from '../errors';
import { listObjectPages } from '../s3-list';
import { TABLES, type TableKey } from './tables';

/** One object of the sink, with where it sits. */
export interface SinkObject {
  table: TableKey;
  key: string;
  size: number;
}

/** What a sink key says: the topic, the partition and the offset of the object's first record. */
export interface SinkKey {
  topic: string;
  partition: number;
  startOffset: number;
}

/** The S3 prefix of a topic's objects. */
export function topicPrefix(topic: string): string {
  return `topics/${topic}/`;
}

/** The S3 prefix of one partition's objects of a topic. */
export function partitionPrefix(topic: string, partition: number): string {
  return `${topicPrefix(topic)}partition=${partition}/`;
}

/** The S3 key of the object of `topic`/`partition` starting at `startOffset`. */
export function sinkObjectKey(topic: string, partition: number, startOffset: number): string {
  return `${partitionPrefix(topic, partition)}${topic}+${partition}+${String(startOffset).padStart(10, '0')}.json`;
}

const KEY_PATTERN = /(?:^|\/)topics\/([^/]+)\/partition=(\d+)\/[^/]*\+(\d+)\.json$/;

/** The topic, partition and start offset of a sink key; undefined for other keys. */
export function parseSinkKey(key: string): SinkKey | undefined {
  const match = KEY_PATTERN.exec(key);
  return match ? { topic: match[1], partition: Number(match[2]), startOffset: Number(match[3]) } : undefined;
}

/** Orders keys by partition, then start offset (numerically); other keys by name, after those. */
export function compareSinkKeys(a: string, b: string): number {
  const ka = parseSinkKey(a);
  const kb = parseSinkKey(b);
  if (ka && kb) return ka.partition - kb.partition || ka.startOffset - kb.startOffset || (a < b ? -1 : a > b ? 1 : 0);
  if (ka || kb) return ka ? -1 : 1;
  return a < b ? -1 : a > b ? 1 : 0;
}

/** Sink order: pin, geo, user, then partition and start offset (`compareSinkKeys`). */
export function compareSinkObjects(a: SinkObject, b: SinkObject): number {
  return TABLES.indexOf(a.table) - TABLES.indexOf(b.table) || compareSinkKeys(a.key, b.key);
}

/** Pages of the objects of one topic (`topics/<topic>/`), in key order. */
export async function* listTopicPages(
  s3: S3Client,
  bucket: string,
  table: TableKey,
  topic: string,
  pageSize?: number,
): AsyncGenerator<SinkObject[]> {
  const prefix = topicPrefix(topic);
  try {
    for await (const page of listObjectPages(s3, bucket, prefix, pageSize)) {
      yield page.map((object) => ({ table, key: object.Key as string, size: object.Size ?? 0 }));
    }
  } catch (error) {
    throw s3Error(error, bucket, `listing s3://${bucket}/${prefix}`);
  }
}

/**
 * The key of the object of `topic`/`partition` that holds `offset`: the last one starting at or
 * before it (the zero-padded keys list in offset order), or undefined when none does yet.
 * `lookBack`: objects hold at most this many records, so the listing starts just before
 * `offset - lookBack` instead of at the partition's first object.
 */
export async function findObjectHoldingOffset(
  s3: S3Client,
  bucket: string,
  topic: string,
  partition: number,
  offset: number,
  lookBack?: number,
): Promise<string | undefined> {
  const from = lookBack === undefined ? -1 : offset - lookBack - 1;
  const startAfter = from >= 0 ? sinkObjectKey(topic, partition, from) : undefined;
  const pages = listObjectPages(s3, bucket, partitionPrefix(topic, partition), undefined, startAfter);
  let holding: string | undefined;
  for await (const page of pages) {
    for (const object of page) {
      const start = parseSinkKey(object.Key ?? '')?.startOffset;
      if (start === undefined) continue;
      if (start > offset) return holding;
      holding = object.Key;
    }
  }
  return holding;
}

/** Every object of the topics given, in sink order (`compareSinkObjects`). */
export async function listSinkObjects(
  s3: S3Client,
  bucket: string,
  topics: Partial<Record<TableKey, string>>,
): Promise<SinkObject[]> {
  const objects: SinkObject[] = [];
  for (const table of TABLES) {
    const topic = topics[table];
    if (topic === undefined) continue;
    for await (const page of listTopicPages(s3, bucket, table, topic)) objects.push(...page);
  }
  return objects.sort(compareSinkObjects);
}

/** A failed S3 call on the sink's bucket as a `PipelineError` saying what to do. */
export function s3Error(error: unknown, bucket: string, doing: string): PipelineError {
  if (hasErrorCode(error, 'BUCKET_NOT_FOUND')) {
    return new PipelineError(
      'BUCKET_NOT_FOUND',
      `bucket ${bucket} does not exist; run the emulation (npm start) first, or check the bucket name`,
      { cause: error },
    );
  }
  return new PipelineError(
    'S3_READ_FAILED',
    `${doing} failed: ${describeError(error)}; is the local stack (or S3) reachable?`,
    { retriable: true, cause: error },
  );
}
