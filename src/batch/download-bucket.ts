/**
 * `npm run download-bucket -- DIR`: a folder copy of the sink's bucket, laid out as
 * `aws s3 sync s3://<bucket> DIR` leaves it (`<DIR>/topics/<topic>/partition=<p>/…`), which
 * `npm run clean -- --sink-folder DIR` and `npm run spark -- … --sink DIR` read.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { S3Client } from '@aws-sdk/client-s3';
import { s3Error } from '../contract/sink-object';
import type { Progress } from '../progress';
import { listObjects } from '../s3-list';
import { S3_REQUESTS_IN_FLIGHT } from '../s3-in-flight';
import { getObjectStream } from './read-sink';
import { sinkFolderFile } from './sink-folder';

export interface DownloadBucketOptions {
  s3: S3Client;
  bucket: string;
  /** Only keys under this prefix (default `topics/`: what the sink wrote). */
  prefix?: string;
  dir: string;
  /** GetObject calls in flight (default `S3_REQUESTS_IN_FLIGHT`, 64). */
  concurrency?: number;
  /** Total = the objects listed (listed first); value = objects written. */
  progress?: Progress;
}

/** Copies every object under the prefix to `dir`; resolves with the objects and bytes written. */
export async function downloadBucket(options: DownloadBucketOptions): Promise<{ objects: number; bytes: number }> {
  const { s3, bucket, dir } = options;
  const prefix = options.prefix ?? 'topics/';
  let listed;
  try {
    listed = await listObjects(s3, bucket, prefix);
  } catch (error) {
    throw s3Error(error, bucket, `listing s3://${bucket}/${prefix}`);
  }
  const keys = listed.map((object) => object.Key as string);
  options.progress?.setTotal(keys.length);
  let next = 0;
  let done = 0;
  let bytes = 0;
  // A few workers taking the next key: the whole of the concurrency this needs.
  const worker = async () => {
    while (next < keys.length) {
      const key = keys[next++] as string;
      const pieces: Uint8Array[] = [];
      for await (const piece of await getObjectStream(s3, bucket, key)) pieces.push(piece);
      const file = sinkFolderFile(dir, key);
      await mkdir(path.dirname(file), { recursive: true });
      const body = Buffer.concat(pieces);
      await writeFile(file, body);
      bytes += body.length;
      options.progress?.update(++done);
    }
  };
  await Promise.all(
    Array.from({ length: Math.min(options.concurrency ?? S3_REQUESTS_IN_FLIGHT, Math.max(keys.length, 1)) }, worker),
  );
  return { objects: done, bytes };
}
