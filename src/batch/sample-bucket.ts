/**
 * Raw inputs for the batch step without the emulation: generated posts written to a bucket exactly
 * as the S3 sink writes them (PIPELINE_SPEC.md §4). `npm run clean -- --sample N`, notebook 03's
 * fallback, the benchmark's datasets and the tests use it.
 */
import { PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { openSinkInput, type SinkInput } from './open-sink-input';
import { sinkFolderFile } from './sink-folder';
import { createS3Client } from '../clients';
import type { PipelineConfig } from '../config';
import { namesFor } from '../config';
import { sinkObjectKey } from '../contract/sink-object';
import { startS3Server } from '../local-stack/s3-server';
import { PipelineError } from '../errors';
import { generatePost } from '../source/generate';
import { TABLES, type Post, type TableKey } from '../contract/tables';

export interface WriteSinkObjectsOptions {
  s3: S3Client;
  bucket: string;
  topics: Record<TableKey, string>;
  posts: Iterable<Post>;
  /** Records per object, as the sink's `flush.size` (default 1, as in the course). */
  flushSize?: number;
  /** PutObject calls in flight (default 16). */
  concurrency?: number;
}

export interface WriteSinkObjectsResult {
  objects: number;
  /** Records written per table. */
  records: Record<TableKey, number>;
}

/** One object of the sink's output, before it is stored: where it goes and its JSON lines. */
export interface SinkObjectBody {
  table: TableKey;
  key: string;
  body: string;
  records: number;
}

/**
 * Each post's three rows on partition 0 of their topics, `flushSize` JSON lines per object, keys
 * and bodies as the S3 sink makes them; the last object of a topic may hold fewer records.
 */
export function* sinkObjectBodies(
  posts: Iterable<Post>,
  topics: Record<TableKey, string>,
  flushSize = 1,
): Generator<SinkObjectBody, void, undefined> {
  const buffers: Record<TableKey, string[]> = { pin: [], geo: [], user: [] };
  const offsets: Record<TableKey, number> = { pin: 0, geo: 0, user: 0 };
  const take = (table: TableKey): SinkObjectBody => {
    const lines = buffers[table];
    buffers[table] = [];
    const object = {
      table,
      key: sinkObjectKey(topics[table], 0, offsets[table]),
      body: lines.join(''),
      records: lines.length,
    };
    offsets[table] += lines.length;
    return object;
  };
  for (const post of posts) {
    for (const table of TABLES) {
      buffers[table].push(`${JSON.stringify(post[table])}\n`);
      if (buffers[table].length >= flushSize) yield take(table);
    }
  }
  for (const table of TABLES) if (buffers[table].length) yield take(table);
}

/** Writes the objects of `sinkObjectBodies` to a bucket, at most `concurrency` PutObject calls in flight. */
export async function writeSinkObjects(options: WriteSinkObjectsOptions): Promise<WriteSinkObjectsResult> {
  const concurrency = options.concurrency ?? 16;
  const records: Record<TableKey, number> = { pin: 0, geo: 0, user: 0 };
  const inFlight = new Set<Promise<unknown>>();
  let objects = 0;
  let failure: unknown;
  for (const object of sinkObjectBodies(options.posts, options.topics, options.flushSize)) {
    records[object.table] += object.records;
    objects += 1;
    const put: Promise<unknown> = options.s3
      .send(
        new PutObjectCommand({
          Bucket: options.bucket,
          Key: object.key,
          Body: object.body,
          ContentType: 'application/json',
        }),
      )
      .catch((error: unknown) => {
        failure ??= error;
      })
      .finally(() => inFlight.delete(put));
    inFlight.add(put);
    if (inFlight.size >= concurrency) await Promise.race(inFlight);
    if (failure) throw failure;
  }
  await Promise.all(inFlight);
  if (failure) throw failure;
  return { objects, records };
}

export interface SamplePostsOptions {
  rows: number;
  seed: number;
  /** Send every n-th post twice, as the course's random emulation does now and then (0: never). */
  duplicateEvery?: number;
}

/** Generated posts in order, with the requested repeats. */
export function* samplePosts(options: SamplePostsOptions): Generator<Post, void, undefined> {
  for (let position = 0; position < options.rows; position++) {
    const post = generatePost(options.seed, position);
    yield post;
    if (options.duplicateEvery && (position + 1) % options.duplicateEvery === 0) yield post;
  }
}

/** A private S3 (s3rver in a temporary folder) holding a generated sink output. */
export interface SampleBucket {
  s3: S3Client;
  endpoint: string;
  bucket: string;
  topics: Record<TableKey, string>;
  written: WriteSinkObjectsResult;
  /** Stops the server, closes the client and removes the folder. */
  close(): Promise<void>;
}

/**
 * Starts s3rver on a free port in a new temporary folder and writes `rows` generated posts there as
 * the S3 sink would: the input of the batch step for notebooks and benchmarks with nothing running.
 */
export async function startSampleBucket(
  options: SamplePostsOptions & { flushSize?: number; userId?: string },
): Promise<SampleBucket> {
  const dir = await mkdtemp(path.join(tmpdir(), 'pp-sample-bucket-'));
  const names = namesFor(options.userId ?? 'sample');
  const server = await startS3Server({ dir, bucket: names.bucket, port: 0 });
  const s3 = createS3Client({ region: 'us-east-1', endpoint: server.endpoint });
  const close = async () => {
    s3.destroy();
    await server.close();
    await rm(dir, { recursive: true, force: true });
  };
  try {
    const written = await writeSinkObjects({
      s3,
      bucket: names.bucket,
      topics: names.topics,
      posts: samplePosts(options),
      flushSize: options.flushSize,
    });
    return { s3, endpoint: server.endpoint, bucket: names.bucket, topics: names.topics, written, close };
  } catch (error) {
    await close();
    throw error;
  }
}

export interface SampleSinkInputOptions {
  config: PipelineConfig;
  rows: number;
  /** Every n-th generated post is sent twice (default 50), as the random emulation does. */
  duplicateEvery?: number;
  /** Why a sample is read, for the description (default: asked for a sample). */
  why?: string;
}

/** What `npm run clean -- --sample N` reads: `rows` generated posts in a private bucket, as a `SinkInput`. */
export async function openSampleSinkInput(options: SampleSinkInputOptions): Promise<SinkInput> {
  const { config, rows } = options;
  const seed = config.source.kind === 'embedded' ? config.source.seed : 42;
  const duplicateEvery = options.duplicateEvery ?? 50;
  const bucket = await startSampleBucket({ rows, seed, duplicateEvery });
  const description = `${rows.toLocaleString('en-US')} generated posts (seed ${seed}, every ${duplicateEvery}th sent twice) written as the S3 sink writes them to a private s3rver (${options.why ?? 'asked for a sample'})`;
  return {
    kind: 'sample',
    s3: bucket.s3,
    bucket: bucket.bucket,
    topics: bucket.topics,
    description,
    restProxy: { unavailable: 'a generated sample has no REST proxy' },
    close: bucket.close,
  };
}

/**
 * Notebook 03's input: the bucket of the local stack running from `dataDir` (default `.local-stack`
 * of the project), or, when none runs, `rows` generated posts, whose description says so first.
 */
export async function openSinkInputOrSample(
  options: SampleSinkInputOptions & { dataDir?: string },
): Promise<SinkInput> {
  try {
    return await openSinkInput({ config: options.config, ...(options.dataDir ? { dataDir: options.dataDir } : {}) });
  } catch (error) {
    if (!(error instanceof PipelineError) || error.code !== 'STACK_NOT_RUNNING') throw error;
    const sample = await openSampleSinkInput(options);
    const seed = options.config.source.kind === 'embedded' ? options.config.source.seed : 42;
    return {
      ...sample,
      description: `no local stack is running: ${options.rows.toLocaleString('en-US')} generated posts instead (seed ${seed}, some sent twice), written as the S3 sink writes them to a private S3`,
    };
  }
}

export interface WriteSinkFolderOptions {
  dir: string;
  topics: Record<TableKey, string>;
  posts: Iterable<Post>;
  /** Records per object, as the sink's `flush.size` (default 1). */
  flushSize?: number;
}

/**
 * Writes posts to `dir` as the S3 sink would write them to its bucket (see `sinkObjectBodies`), so
 * that every engine of the benchmark reads the same bytes.
 */
export async function writeSinkFolder(options: WriteSinkFolderOptions): Promise<WriteSinkObjectsResult> {
  const records: Record<TableKey, number> = { pin: 0, geo: 0, user: 0 };
  let objects = 0;
  for (const object of sinkObjectBodies(options.posts, options.topics, options.flushSize)) {
    const file = sinkFolderFile(options.dir, object.key);
    await mkdir(path.dirname(file), { recursive: true });
    await writeFile(file, object.body);
    records[object.table] += object.records;
    objects += 1;
  }
  return { objects, records };
}
