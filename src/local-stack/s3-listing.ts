import { readdir } from 'node:fs/promises';
import path from 'node:path';
import { PipelineError } from '../errors';

/**
 * ListObjects (version 1) and ListObjectsV2 for s3rver, as S3 answers them, installed in place of
 * s3rver's own `getBucket` controller when the local S3 starts (`installS3Listing`). Written here
 * because s3rver 3.7 (the last release) gets two things wrong that standard tools depend on:
 *
 * - its ListObjectsV2 continuation token is encrypted with DES, which Node 17+ (OpenSSL 3)
 *   refuses, so every truncated V2 answer (more than `MaxKeys` keys) is an InternalError: boto3's
 *   paginator and `aws s3 ls --recursive` stop at 1,000 keys;
 * - with a `Delimiter`, it skips the folders holding the keys it should roll up, so
 *   `Delimiter='/'` at the bucket root or at `topics/` lists nothing.
 *
 * Here the continuation token is the base64 of the bucket and the last key (or common prefix)
 * returned; common prefixes count towards `MaxKeys` and a truncated page continues after the
 * last one, as in S3. Keys are ordered by code point (S3 orders by UTF-8 bytes; the two agree
 * except for characters beyond U+FFFF against U+E000-U+FFFF). Objects stay where s3rver keeps
 * them: `<dir>/<bucket>/<key>._S3rver_object`, with s3rver's metadata beside them.
 */

/** The part of s3rver's Koa context and store this module uses. */
interface S3rverContext {
  params: { bucket: string };
  query: Record<string, string | undefined>;
  body: unknown;
  store: {
    getBucketPath(bucket: string): string;
    getMetadata(bucket: string, key: string): Promise<Record<string, string | number>>;
  };
  logger: { info(...args: unknown[]): void };
}

type S3ErrorConstructor = new (code: string, message: string, detail?: Record<string, unknown>) => Error;

const OBJECT_SUFFIX = '._S3rver_object';
/** s3rver's stand-in account, shown as the owner of every object. */
const OWNER = { ID: '123456789000', DisplayName: 'S3rver' };

export interface ListOptions {
  prefix: string;
  delimiter: string;
  /** List keys (and common prefixes) after this one. */
  startAfter: string;
  maxKeys: number;
}

export interface ListResult {
  keys: string[];
  commonPrefixes: string[];
  isTruncated: boolean;
  /** The last key or common prefix returned: where the next page starts. */
  last?: string;
}

/** Every object key stored under `bucketPath` that starts with `prefix`, skipping folders that cannot hold one after `startAfter`. */
async function storedKeys(bucketPath: string, prefix: string, startAfter: string): Promise<string[]> {
  const keys: string[] = [];
  const visit = async (dir: string, keyPrefix: string): Promise<void> => {
    let entries;
    try {
      entries = await readdir(dir, { withFileTypes: true });
    } catch (error) {
      // A folder removed while listing (an object deleted meanwhile) holds nothing to list.
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return;
      throw error;
    }
    for (const entry of entries) {
      if (entry.isDirectory()) {
        const sub = `${keyPrefix}${entry.name}/`;
        if (!(sub.startsWith(prefix) || prefix.startsWith(sub))) continue;
        if (startAfter && sub < startAfter && !startAfter.startsWith(sub)) continue;
        await visit(path.join(dir, entry.name), sub);
      } else if (entry.name.endsWith(OBJECT_SUFFIX)) {
        const key = keyPrefix + entry.name.slice(0, -OBJECT_SUFFIX.length);
        if (key.startsWith(prefix)) keys.push(key);
      }
    }
  };
  await visit(bucketPath, '');
  return keys.sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
}

/** The common prefix `key` rolls up into: up to and including the first delimiter after `prefix`. */
function commonPrefixOf(key: string, prefix: string, delimiter: string): string | undefined {
  if (!delimiter || !key.startsWith(prefix)) return undefined;
  const at = key.indexOf(delimiter, prefix.length);
  return at === -1 ? undefined : key.slice(0, at + delimiter.length);
}

/** One page of keys and common prefixes, as S3 makes it. */
export async function listBucketPage(bucketPath: string, options: ListOptions): Promise<ListResult> {
  const { prefix, delimiter, startAfter, maxKeys } = options;
  const result: ListResult = { keys: [], commonPrefixes: [], isTruncated: false };
  if (maxKeys === 0) return result;
  // After a page that ended on a common prefix, the keys it rolled up are not listed again.
  const done = startAfter ? commonPrefixOf(startAfter, prefix, delimiter) : undefined;
  let count = 0;
  for (const key of await storedKeys(bucketPath, prefix, startAfter)) {
    if (key <= startAfter) continue;
    const common = commonPrefixOf(key, prefix, delimiter);
    if (common !== undefined && (common === done || common === result.commonPrefixes.at(-1))) continue;
    if (count === maxKeys) {
      result.isTruncated = true;
      break;
    }
    count += 1;
    if (common !== undefined) result.commonPrefixes.push(common);
    else result.keys.push(key);
    result.last = common ?? key;
  }
  return result;
}

/** The ListObjectsV2 continuation token: opaque to clients, the bucket and the last entry returned. */
export function encodeContinuationToken(bucket: string, last: string): string {
  return Buffer.from(JSON.stringify({ bucket, last }), 'utf8').toString('base64');
}

export function decodeContinuationToken(token: string, bucket: string): string | undefined {
  try {
    const parsed = JSON.parse(Buffer.from(token, 'base64').toString('utf8')) as unknown;
    if (typeof parsed !== 'object' || parsed === null) return undefined;
    const { bucket: tokenBucket, last } = parsed as Record<string, unknown>;
    return tokenBucket === bucket && typeof last === 'string' ? last : undefined;
  } catch (error) {
    if (error instanceof SyntaxError) return undefined;
    throw error;
  }
}

/** What a listing request asks for, checked as S3 checks it. */
interface ListingRequest {
  v2: boolean;
  maxKeys: number;
  /** `max-keys` as given, echoed in the answer. */
  maxKeysText?: string;
  prefix: string;
  delimiter: string;
  startAfter: string;
  token?: string;
  fetchOwner: boolean;
}

/**
 * The `GET /<bucket>` controller: ListObjects, or ListObjectsV2 with `list-type=2`. Sets
 * `ctx.body` to the ListBucketResult that s3rver's middleware turns into XML; errors are
 * s3rver's S3Error, so they answer as S3 does.
 */
function makeGetBucket(S3Error: S3ErrorConstructor): (ctx: S3rverContext) => Promise<void> {
  return async function getBucket(ctx: S3rverContext): Promise<void> {
    const bucket = ctx.params.bucket;
    const request = listingRequest(ctx.query, bucket, S3Error);
    const page = await listBucketPage(ctx.store.getBucketPath(bucket), request);
    const contents = await listedObjects(ctx, bucket, page.keys, request.fetchOwner);
    ctx.logger.info(
      'Listed bucket "%s": %d objects, %d common prefixes',
      bucket,
      contents.length,
      page.commonPrefixes.length,
    );
    ctx.body = listBucketResult(bucket, request, ctx.query, page, contents);
  };
}

/** The request's `max-keys` (at most 1000; 1000 when not given). */
function maxKeysOf(maxKeysText: string | undefined, S3Error: S3ErrorConstructor): number {
  if (maxKeysText === undefined || maxKeysText === '') return 1000;
  if (!/^-?\d+$/.test(maxKeysText)) {
    throw new S3Error('InvalidArgument', 'Provided max-keys not an integer or within integer range', {
      ArgumentName: 'max-keys',
      ArgumentValue: maxKeysText,
    });
  }
  const n = Number(maxKeysText);
  if (n < 0 || n > 2147483647)
    throw new S3Error('InvalidArgument', 'Argument maxKeys must be an integer between 0 and 2147483647', {
      ArgumentName: 'maxKeys',
      ArgumentValue: n,
    });
  return Math.min(1000, n);
}

/** The query of a listing, checked: V2's continuation token or start-after, V1's marker. */
function listingRequest(query: S3rverContext['query'], bucket: string, S3Error: S3ErrorConstructor): ListingRequest {
  const v2 = query['list-type'] === '2';
  const maxKeysText = query['max-keys'];
  const maxKeys = maxKeysOf(maxKeysText, S3Error);
  const token = query['continuation-token'];
  let startAfter: string;
  if (v2) {
    if ('marker' in query)
      throw new S3Error('InvalidArgument', 'Marker unsupported with REST.GET.BUCKET in list-type=2', {
        ArgumentName: 'marker',
      });
    if (token !== undefined) {
      const last = decodeContinuationToken(token, bucket);
      if (last === undefined)
        throw new S3Error('InvalidArgument', 'The continuation token provided is incorrect', {
          ArgumentName: 'continuation-token',
        });
      startAfter = last;
    } else {
      startAfter = query['start-after'] ?? '';
    }
  } else {
    if ('continuation-token' in query)
      throw new S3Error('InvalidArgument', 'continuation-token only supported in REST.GET.BUCKET with list-type=2', {
        ArgumentName: 'continuation-token',
      });
    if ('start-after' in query)
      throw new S3Error('InvalidArgument', 'startAfter only supported in REST.GET.BUCKET with list-type=2', {
        ArgumentName: 'start-after',
      });
    startAfter = query.marker ?? '';
  }
  return {
    v2,
    maxKeys,
    ...(maxKeysText !== undefined ? { maxKeysText } : {}),
    prefix: query.prefix ?? '',
    delimiter: query.delimiter ?? '',
    startAfter,
    ...(token !== undefined ? { token } : {}),
    fetchOwner: v2 ? query['fetch-owner'] === 'true' : true,
  };
}

/** The Contents entries of the listed keys (a key deleted since the listing is left out, as S3 would). */
async function listedObjects(
  ctx: S3rverContext,
  bucket: string,
  keys: readonly string[],
  fetchOwner: boolean,
): Promise<Record<string, unknown>[]> {
  const contents: Record<string, unknown>[] = [];
  for (const key of keys) {
    let metadata: Record<string, string | number>;
    try {
      metadata = await ctx.store.getMetadata(bucket, key);
    } catch (error) {
      // Deleted between the listing and now: S3 would not list it either.
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') continue;
      throw error;
    }
    contents.push({
      Key: key,
      LastModified: new Date(String(metadata['last-modified'])).toISOString(),
      ETag: metadata.etag,
      Size: Number(metadata['content-length']),
      ...(fetchOwner ? { Owner: OWNER } : {}),
      StorageClass: 'STANDARD',
    });
  }
  return contents;
}

/** The ListBucketResult of a page: V2's tokens and key count, or V1's markers. */
function listBucketResult(
  bucket: string,
  request: ListingRequest,
  query: S3rverContext['query'],
  page: { commonPrefixes: string[]; isTruncated: boolean; last?: string },
  contents: Record<string, unknown>[],
): unknown {
  const { v2, token, delimiter, startAfter } = request;
  const common = page.commonPrefixes.map((p) => ({ Prefix: p }));
  return {
    ListBucketResult: {
      '@': { xmlns: 'http://s3.amazonaws.com/doc/2006-03-01/' },
      Name: bucket,
      Prefix: request.prefix,
      ...(v2
        ? {
            ...(token !== undefined
              ? { ContinuationToken: token }
              : query['start-after'] !== undefined
                ? { StartAfter: query['start-after'] }
                : {}),
            ...(page.isTruncated && page.last !== undefined
              ? { NextContinuationToken: encodeContinuationToken(bucket, page.last) }
              : {}),
            KeyCount: contents.length + common.length,
          }
        : {
            Marker: startAfter,
            ...(delimiter && page.isTruncated && page.last !== undefined ? { NextMarker: page.last } : {}),
          }),
      MaxKeys: request.maxKeysText || 1000,
      ...(delimiter ? { Delimiter: delimiter } : {}),
      IsTruncated: page.isTruncated,
      Contents: contents,
      CommonPrefixes: common,
    },
  };
}

let installed = false;

/**
 * Puts this module's listing in place of s3rver's `getBucket`. s3rver's router calls
 * `bucketCtrl.getBucket(ctx)` through the module's exports at request time, so replacing the
 * export once per process serves every s3rver instance; the rest of s3rver is untouched.
 */
export function installS3Listing(): void {
  if (installed) return;
  // s3rver ships no type declarations; the interfaces above name what is used.
  const controller = require('s3rver/lib/controllers/bucket') as { getBucket: unknown };
  const S3Error = require('s3rver/lib/models/error') as S3ErrorConstructor;
  if (typeof controller.getBucket !== 'function') {
    throw new PipelineError(
      'STACK_START_FAILED',
      's3rver/lib/controllers/bucket has no getBucket: the installed s3rver is not the 3.7 this listing replaces; run npm ci',
    );
  }
  controller.getBucket = makeGetBucket(S3Error);
  installed = true;
}
