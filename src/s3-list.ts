import { ListObjectsCommand, type S3Client, type _Object } from '@aws-sdk/client-s3';

/**
 * Pages of the objects under `prefix`, in key order, at most `pageSize` (S3's default and maximum
 * 1000) a page.
 *
 * Paged with ListObjects (version 1) and `Marker` = the last key of the previous page, which real
 * S3 supports as well as version 2. Version 2 cannot be used against the local stack: s3rver makes
 * its `NextContinuationToken` with the DES cipher, which Node 17+ (OpenSSL 3) refuses, so every
 * truncated ListObjectsV2 answer (more than `MaxKeys` objects) fails with an InternalError.
 */
export async function* listObjectPages(s3: S3Client, bucket: string, prefix: string, pageSize?: number): AsyncGenerator<_Object[]> {
  let marker: string | undefined;
  for (;;) {
    const page = await s3.send(new ListObjectsCommand({ Bucket: bucket, Prefix: prefix, Marker: marker, MaxKeys: pageSize }));
    const contents = (page.Contents ?? []).filter((object) => object.Key && !object.Key.endsWith('/'));
    if (contents.length) yield contents;
    const last = page.Contents?.at(-1)?.Key;
    if (!page.IsTruncated || !last) return;
    marker = page.NextMarker ?? last;
  }
}

/** Every object under `prefix`, in key order. */
export async function listObjects(s3: S3Client, bucket: string, prefix: string): Promise<_Object[]> {
  const out: _Object[] = [];
  for await (const page of listObjectPages(s3, bucket, prefix)) out.push(...page);
  return out;
}
