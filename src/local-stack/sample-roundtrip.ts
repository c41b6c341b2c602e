import { setTimeout as sleep } from 'node:timers/promises';
import { GetRecordsCommand, GetShardIteratorCommand, type KinesisClient } from '@aws-sdk/client-kinesis';
import { GetObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import type { Names } from '../config';
import { hasErrorCode, PipelineError } from '../errors';
import {
  createHttpClient,
  isNoAnswer,
  networkCode,
  parseAnswer,
  readAnswer,
  type HttpClient,
  type HttpResponse,
} from '../http-client';
import { z } from 'zod';
import { TABLES, type Post, type TableKey } from '../contract/tables';
import { KAFKA_JSON_V2 } from '../contract/kafka-rest';
import { rowId } from '../contract/raw-rules';
import { PLACEHOLDERS } from '../contract/known-values';
import { findObjectHoldingOffset, parseSinkKey, sinkObjectKey } from '../contract/sink-object';
import { ensureStreams } from './start-local-stack';
import type { RunningStack } from './running-stack';

/**
 * One post sent down both paths of the pipeline and followed to where it lands: the batch path
 * (invoke URL `/topics/<topic>` → REST proxy → S3 sink → an object in the bucket) and the
 * streaming path (invoke URL `/streams/<stream>/record` → Kinesis, read back with
 * GetShardIterator/GetRecords). Used by `scripts/produce-sample.ts` and notebook 01.
 *
 * The sample goes to topics and streams of its own (`sampleNames`), never the learner's: the sink
 * copies `<user_id>.sample.<table>` as it copies every `<user_id>.*` topic, but `npm run clean`,
 * notebook 03 and the stream consumer read only `<user_id>.<table>` and `streaming-<user_id>-<table>`,
 * so the sample never reaches a table, a quarantine or an answer.
 */

/** Where the sample post goes: `<user_id>.sample.<table>` and `streaming-<user_id>-sample-<table>`. */
export function sampleNames(userId: string): Pick<Names, 'topics' | 'streams'> {
  const topics = {} as Record<TableKey, string>;
  const streams = {} as Record<TableKey, string>;
  for (const table of TABLES) {
    topics[table] = `${userId}.sample.${table}`;
    streams[table] = `streaming-${userId}-sample-${table}`;
  }
  return { topics, streams };
}

/** A post shaped like the course's rows, placeholders included. */
export const SAMPLE_POST: Post = {
  pin: {
    index: 7528,
    unique_id: 'fbe53c66-3442-4773-b19e-d3ec6f54dddf',
    title: PLACEHOLDERS.noTitle,
    description: PLACEHOLDERS.storyDescription,
    poster_name: PLACEHOLDERS.userInfoError,
    follower_count: PLACEHOLDERS.userInfoError,
    tag_list: PLACEHOLDERS.noTags,
    is_image_or_video: 'multi-video(story page format)',
    image_src: PLACEHOLDERS.imageSrcError,
    downloaded: 0,
    save_location: 'Local save in /data/mens-fashion',
    category: 'mens-fashion',
  },
  geo: { ind: 7528, timestamp: '2020-08-28 03:52:47', latitude: -89.9787, longitude: -173.293, country: 'Albania' },
  user: { ind: 7528, first_name: 'Abigail', last_name: 'Ali', age: 20, date_joined: '2015-10-24 11:23:51' },
};

/** What the round trip needs: a started stack or a found one both fit (`userId` names the sample's own topics and streams, `sampleNames`). */
export type SampleTarget = Pick<RunningStack, 'endpoints' | 'bucket' | 'userId' | 's3' | 'kinesis'>;

/** Where a record sent on the batch path landed. */
export interface BatchLanding {
  table: TableKey;
  topic: string;
  partition: number;
  offset: number;
  bucket: string;
  key: string;
  /** The whole object: newline-delimited JSON, one value per line. */
  content: string;
  /** The record's own line, parsed. */
  value: unknown;
}

/** Where a record sent on the streaming path landed. */
export interface StreamLanding {
  table: TableKey;
  stream: string;
  shardId: string;
  sequenceNumber: string;
  partitionKey: string;
  /** The record's bytes as read back, decoded as UTF-8. */
  data: string;
}

export interface SampleRoundTrip {
  batch: BatchLanding[];
  streaming: StreamLanding[];
}

export interface SampleRoundTripOptions {
  post?: Post;
  /** Where the rows go (default `sampleNames(target.userId)`: topics and streams no reader of the learner's tables reads). */
  names?: Pick<Names, 'topics' | 'streams'>;
  /**
   * Client of the invoke URL, made once by the caller (`scripts/produce-sample.ts`); without one, a
   * client of `target.endpoints.invokeUrl` is made for this round trip and closed at its end.
   */
  http?: HttpClient;
  /** How long to wait for the sink to write each object (default 15 s). */
  timeoutMs?: number;
}

/** Sends each row of one post down both paths and reports where each landed. */
export async function runSampleRoundTrip(
  target: SampleTarget,
  options: SampleRoundTripOptions = {},
): Promise<SampleRoundTrip> {
  const post = options.post ?? SAMPLE_POST;
  const timeoutMs = options.timeoutMs ?? 15_000;
  const http = options.http ?? createSampleHttpClient(target.endpoints.invokeUrl);
  const names = options.names ?? sampleNames(target.userId);
  const batch: BatchLanding[] = [];
  const streaming: StreamLanding[] = [];
  try {
    // The topics are created by the first produce (auto-creation, the stack's default); the streams here.
    await ensureStreams(
      target.kinesis,
      TABLES.map((table) => names.streams[table]),
    );
    for (const table of TABLES) {
      const topic = names.topics[table];
      const { partition, offset } = await produceRow(http, topic, post[table]);
      const found = await waitForSinkObject(target.s3, target.bucket, topic, partition, offset, timeoutMs);
      batch.push({ table, topic, partition, offset, bucket: target.bucket, ...found });
    }
    for (const table of TABLES) {
      const stream = names.streams[table];
      const partitionKey = `${table}-${rowId(table, post[table])}`;
      const put = await putStreamRecord(http, stream, post[table], partitionKey);
      const data = await readStreamRecord(target.kinesis, stream, put.ShardId, put.SequenceNumber);
      streaming.push({ table, stream, shardId: put.ShardId, sequenceNumber: put.SequenceNumber, partitionKey, data });
    }
  } finally {
    if (!options.http) http.close();
  }
  return { batch, streaming };
}

/** Per request to the invoke URL: 300 s, the wait the round trip had on fetch (undici's headers and body timeouts). */
export const SAMPLE_REQUEST_TIMEOUT_MS = 300_000;

/** The client of the invoke URL the round trip posts through. */
export function createSampleHttpClient(invokeUrl: string): HttpClient {
  return createHttpClient({ baseUrl: invokeUrl, timeoutMs: SAMPLE_REQUEST_TIMEOUT_MS });
}

/** One row per landed record, for `formatTable` or a notebook. */
export function roundTripRows(
  result: SampleRoundTrip,
): { path: string; table: TableKey; landed: string; content: string }[] {
  return [
    ...result.batch.map((b) => ({
      path: 'batch (S3)',
      table: b.table,
      landed: `s3://${b.bucket}/${b.key}`,
      content: b.content.trimEnd(),
    })),
    ...result.streaming.map((s) => ({
      path: 'streaming (Kinesis)',
      table: s.table,
      landed: `${s.stream} ${s.shardId} #${s.sequenceNumber}`,
      content: s.data,
    })),
  ];
}

/** POSTs one row the course's way through the invoke URL (`http`'s base); returns where the REST proxy put it. */
export async function produceRow(
  http: HttpClient,
  topic: string,
  row: unknown,
): Promise<{ partition: number; offset: number }> {
  const answer = await callJson(
    http,
    'POST',
    `/topics/${topic}`,
    { records: [{ value: row }] },
    PRODUCE_ANSWER,
    KAFKA_JSON_V2,
  );
  const first = answer.offsets?.[0];
  if (!first || typeof first.offset !== 'number' || typeof first.partition !== 'number') {
    throw new PipelineError(
      'PRODUCE_FAILED',
      `${topic}: ${first?.error ?? 'the REST proxy returned no offset'} (error_code ${first?.error_code ?? 'none'})`,
      { retriable: true },
    );
  }
  return { partition: first.partition, offset: first.offset };
}

/** PUTs one row to `/streams/<stream>/record` through the invoke URL (`http`'s base). */
export async function putStreamRecord(
  http: HttpClient,
  stream: string,
  row: unknown,
  partitionKey: string,
): Promise<{ SequenceNumber: string; ShardId: string }> {
  return callJson(
    http,
    'PUT',
    `/streams/${stream}/record`,
    { StreamName: stream, Data: row, PartitionKey: partitionKey },
    PUT_RECORD_ANSWER,
  );
}

/** Reads one record back by its sequence number, as UTF-8 text. */
export async function readStreamRecord(
  kinesis: KinesisClient,
  stream: string,
  shardId: string,
  sequenceNumber: string,
): Promise<string> {
  const { ShardIterator } = await kinesis.send(
    new GetShardIteratorCommand({
      StreamName: stream,
      ShardId: shardId,
      ShardIteratorType: 'AT_SEQUENCE_NUMBER',
      StartingSequenceNumber: sequenceNumber,
    }),
  );
  const { Records } = await kinesis.send(new GetRecordsCommand({ ShardIterator, Limit: 1 }));
  const record = Records?.[0];
  if (!record?.Data || record.SequenceNumber !== sequenceNumber) {
    throw new PipelineError(
      'STREAM_RECORD_MISSING',
      `record ${sequenceNumber} of ${stream}/${shardId} could not be read back`,
    );
  }
  return Buffer.from(record.Data).toString('utf8');
}

/**
 * Waits until the sink has written the object holding `offset`, and returns its key, content and
 * the record's line. With `flush.size=1` that object is exactly the key of `offset` itself;
 * with larger objects it is the one with the largest start offset at or below `offset`.
 */
export async function waitForSinkObject(
  s3: S3Client,
  bucket: string,
  topic: string,
  partition: number,
  offset: number,
  timeoutMs: number,
): Promise<{ key: string; content: string; value: unknown }> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const found = await findSinkObject(s3, bucket, topic, partition, offset);
    if (found) return found;
    if (Date.now() > deadline) {
      throw new PipelineError(
        'SINK_TIMEOUT',
        `the S3 sink has not written offset ${offset} of ${topic} to s3://${bucket} after ${timeoutMs} ms; is the stack's sink running, and is its flush size larger than the records sent?`,
        { retriable: true },
      );
    }
    await sleep(100);
  }
}

async function findSinkObject(
  s3: S3Client,
  bucket: string,
  topic: string,
  partition: number,
  offset: number,
): Promise<{ key: string; content: string; value: unknown } | undefined> {
  const exact = sinkObjectKey(topic, partition, offset);
  let key: string | undefined = exact;
  let content = await getText(s3, bucket, exact);
  if (content === undefined) {
    key = await findObjectHoldingOffset(s3, bucket, topic, partition, offset);
    content = key === undefined ? undefined : await getText(s3, bucket, key);
  }
  if (key === undefined || content === undefined) return undefined;
  const start = parseSinkKey(key)?.startOffset ?? Number.NaN;
  const lines = content.split('\n').filter((line) => line !== '');
  const line = lines[offset - start];
  if (line === undefined) return undefined;
  return { key, content, value: JSON.parse(line) as unknown };
}

async function getText(s3: S3Client, bucket: string, key: string): Promise<string | undefined> {
  try {
    const object = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
    return await object.Body?.transformToString('utf8');
  } catch (error) {
    if (hasErrorCode(error, 'OBJECT_NOT_FOUND')) return undefined;
    throw error;
  }
}

/** The REST proxy's produce answer: where each record went, or its error. */
const PRODUCE_ANSWER = z.looseObject({
  offsets: z
    .array(
      z.looseObject({
        partition: z.number().nullish(),
        offset: z.number().nullish(),
        error_code: z.number().nullish(),
        error: z.string().nullish(),
      }),
    )
    .optional(),
});
/** Kinesis' PutRecord answer through the gateway. */
const PUT_RECORD_ANSWER = z.looseObject({ SequenceNumber: z.string(), ShardId: z.string() });
/** The message of an error answer (API Gateway's `{message}`, the REST proxy's `{error_code, message}`). */
const ERROR_ANSWER = z.looseObject({ message: z.string() });

async function callJson<T>(
  http: HttpClient,
  method: string,
  path: string,
  body: unknown,
  schema: z.ZodType<T>,
  contentType = 'application/json',
): Promise<T> {
  const url = `${http.baseUrl}${path}`;
  let response: HttpResponse;
  try {
    response = await http.request(method, path, {
      headers: { 'Content-Type': contentType },
      body: JSON.stringify(body),
    });
  } catch (error) {
    if (!isNoAnswer(error)) throw error;
    throw new PipelineError(
      'GATEWAY_UNREACHABLE',
      `${method} ${url} failed (${networkCode(error)}); is the local stack running (npm run stack)?`,
      { retriable: true, cause: error },
    );
  }
  const { text } = response;
  if (response.status < 200 || response.status > 299) {
    const message = readAnswer(text, ERROR_ANSWER)?.message ?? text.slice(0, 200);
    throw new PipelineError('GATEWAY_ERROR', `${method} ${url} answered ${response.status}: ${message}`, {
      retriable: response.status >= 500,
    });
  }
  return parseAnswer(text, schema, `${method} ${url} answered ${response.status}`, 'GATEWAY_BAD_ANSWER');
}
