import { paginateListObjectsV2, type S3Client, type _Object } from '@aws-sdk/client-s3';

/**
 * Pages of the objects under `prefix`, in key order (after `startAfter` when given), at most
 * `pageSize` (S3's default and maximum 1000) a page, by the SDK's ListObjectsV2 paginator. The local S3 answers V2 as S3 does
 * (src/local-stack/s3-listing.ts); folder markers (keys ending in `/`) are left out.
 */
export async function* listObjectPages(
  s3: S3Client,
  bucket: string,
  prefix: string,
  pageSize?: number,
  startAfter?: string,
): AsyncGenerator<_Object[]> {
  for await (const page of paginateListObjectsV2(
    { client: s3, ...(pageSize ? { pageSize } : {}) },
    { Bucket: bucket, Prefix: prefix, ...(startAfter ? { StartAfter: startAfter } : {}) },
  )) {
    const contents = (page.Contents ?? []).filter((object) => object.Key && !object.Key.endsWith('/'));
    if (contents.length) yield contents;
  }
}

/** Every object under `prefix`, in key order. */
export async function listObjects(s3: S3Client, bucket: string, prefix: string): Promise<_Object[]> {
  const out: _Object[] = [];
  for await (const page of listObjectPages(s3, bucket, prefix)) out.push(...page);
  return out;
}
