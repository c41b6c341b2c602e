import type { S3Client } from '@aws-sdk/client-s3';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { createS3Client } from '../../src/clients';
import { startS3Server } from '../../src/local-stack/s3-server';

/** s3rver on a free port in a new temporary folder, with one bucket, and a client for it. */
export interface TestS3 {
  s3: S3Client;
  bucket: string;
  dir: string;
  close(): Promise<void>;
}

let counter = 0;

/** Starts a private S3 with a bucket named uniquely for this run. */
export async function startTestS3(): Promise<TestS3> {
  const dir = await mkdtemp(path.join(tmpdir(), 'pp-batch-test-'));
  counter += 1;
  const bucket = `batch-test-${process.pid}-${counter}`;
  const server = await startS3Server({ dir, bucket, port: 0 });
  const s3 = createS3Client({ region: 'us-east-1', endpoint: server.endpoint });
  return {
    s3,
    bucket,
    dir,
    close: async () => {
      s3.destroy();
      await server.close();
      await rm(dir, { recursive: true, force: true });
    },
  };
}
