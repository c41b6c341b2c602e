import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import { PutObjectCommand } from '@aws-sdk/client-s3';
import { createS3Client } from '../src/clients';
import { startS3Server } from '../src/local-stack/s3-server';
import { listObjectPages, listObjects } from '../src/s3-list';

/** Regression: ListObjectsV2 past one page failed on s3rver (its continuation token needed DES); the local S3 now answers it as S3 does. */
test('listing pages past 1,000 keys on the local S3, in key order', { timeout: 120_000 }, async () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'pp-s3-list-'));
  const server = await startS3Server({ dir, bucket: 'list-test-bucket' });
  const s3 = createS3Client({ region: 'us-east-1', endpoint: server.endpoint });
  try {
    const keys = Array.from(
      { length: 1_205 },
      (_, i) => `topics/t/partition=0/t+0+${String(i).padStart(10, '0')}.json`,
    );
    for (let i = 0; i < keys.length; i += 50) {
      await Promise.all(
        keys
          .slice(i, i + 50)
          .map((Key) => s3.send(new PutObjectCommand({ Bucket: 'list-test-bucket', Key, Body: '{}\n' }))),
      );
    }
    await s3.send(new PutObjectCommand({ Bucket: 'list-test-bucket', Key: 'other/x.json', Body: '{}' }));
    const listed = await listObjects(s3, 'list-test-bucket', 'topics/t/');
    assert.deepEqual(
      listed.map((o) => o.Key),
      keys,
    );
    const pages: number[] = [];
    for await (const page of listObjectPages(s3, 'list-test-bucket', 'topics/t/', 500)) pages.push(page.length);
    assert.deepEqual(pages, [500, 500, 205]);
    // A folder marker is not an object of the sink.
    await s3.send(new PutObjectCommand({ Bucket: 'list-test-bucket', Key: 'topics/t/', Body: '' }));
    assert.equal((await listObjects(s3, 'list-test-bucket', 'topics/')).length, keys.length);
  } finally {
    s3.destroy();
    await server.close();
    rmSync(dir, { recursive: true, force: true });
  }
});
