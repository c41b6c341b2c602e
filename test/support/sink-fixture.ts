/**
 * Sink objects written as given, broken bytes included, for the tests of the batch step. The
 * generated sample bucket the shipped `--sample` option and the benchmark use is
 * src/batch/sample-bucket.ts.
 */
import { PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { sinkObjectKey } from '../../src/contract/sink-object';

/** Writes one sink object: `body` as given (so tests can write broken bytes). */
export async function putSinkObject(
  s3: S3Client,
  bucket: string,
  topic: string,
  partition: number,
  startOffset: number,
  body: string | Uint8Array,
): Promise<string> {
  const key = sinkObjectKey(topic, partition, startOffset);
  await s3.send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: body, ContentType: 'application/json' }));
  return key;
}
