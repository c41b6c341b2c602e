import { mkdir } from 'node:fs/promises';
import http from 'node:http';
import { PipelineError } from '../errors';
import { closeOnce, listenOn } from './http-util';
import { installS3Listing } from './s3-listing';

/** The part of s3rver (untyped CommonJS) this module uses. */
interface S3rverApp {
  configureBuckets(): Promise<unknown>;
  callback(): http.RequestListener;
  logger: { close(): void };
}
type S3rverConstructor = new (options: Record<string, unknown>) => S3rverApp;

export interface S3ServerOptions {
  /** Folder holding the buckets (one sub-folder per bucket). */
  dir: string;
  /** Bucket created at start when missing. */
  bucket: string;
  /** 0 (default) picks a free port. */
  port?: number;
}

export interface S3Server {
  /** `http://127.0.0.1:<port>`: use path-style addressing (`createS3Client` does). */
  readonly endpoint: string;
  readonly port: number;
  /** GetObject calls answered since start, per `<bucket>/<key>`: how often each object was downloaded. */
  objectReads(): ReadonlyMap<string, number>;
  close(): Promise<void>;
}

/** The rule s3rver applies when creating a bucket, checked up front for a clear message. */
const BUCKET_NAME = /^[a-z0-9]+(.?[-a-z0-9]+)*$/;

/**
 * Starts s3rver on 127.0.0.1 with its objects stored under `dir`, and creates `bucket`.
 * Objects are plain files (`<dir>/<bucket>/<key>._S3rver_object`), so they survive restarts.
 * ListObjects and ListObjectsV2 are answered by `s3-listing.ts`, so boto3's paginators and the AWS
 * CLI (`aws s3 ls --recursive`, `Delimiter='/'`) work against it.
 */
export async function startS3Server(options: S3ServerOptions): Promise<S3Server> {
  const { bucket } = options;
  if (bucket.length < 3 || bucket.length > 63 || !BUCKET_NAME.test(bucket)) {
    throw new PipelineError(
      'BUCKET_NAME_INVALID',
      `bucket name ${JSON.stringify(bucket)} is not valid for S3: use 3-63 lowercase letters, digits, dots and hyphens`,
    );
  }
  await mkdir(options.dir, { recursive: true });
  // s3rver ships no type declarations; the interface above names what is used. Its bucket
  // listing is replaced by ours (s3-listing.ts): V2 continuation and delimiters as S3 answers them.
  installS3Listing();
  const S3rver = require('s3rver') as S3rverConstructor;
  const app = new S3rver({
    address: '127.0.0.1',
    port: options.port ?? 0,
    silent: true,
    directory: options.dir,
    configureBuckets: [{ name: bucket }],
  });
  await app.configureBuckets();

  // s3rver's own run() loses listen errors (a taken port crashes the process), so the HTTP
  // server is ours and s3rver is only its request handler.
  const handle = app.callback();
  const reads = new Map<string, number>();
  const server = http.createServer((request, response) => {
    // A GET of /<bucket>/<key> with no sub-resource query (the SDK adds only x-id=GetObject) is a GetObject.
    const url = new URL(request.url ?? '/', 'http://s3');
    const key = decodeURIComponent(url.pathname.slice(1));
    const plain = [...url.searchParams.keys()].every((name) => name === 'x-id');
    if (request.method === 'GET' && key.includes('/') && plain) reads.set(key, (reads.get(key) ?? 0) + 1);
    handle(request, response);
  });
  const port = await listenOn(server, options.port, '127.0.0.1', () => app.logger.close());

  return {
    endpoint: `http://127.0.0.1:${port}`,
    port,
    objectReads: () => reads,
    close: closeOnce(server, () => app.logger.close()),
  };
}
