import { KinesisClient } from '@aws-sdk/client-kinesis';
import { S3Client } from '@aws-sdk/client-s3';
import { NodeHttpHandler } from '@smithy/node-http-handler';

export interface AwsClientOptions {
  region: string;
  /** A plain-http endpoint of the embedded local stack; unset for real AWS. */
  endpoint?: string;
}

/** Fixed credentials for the local stack, which accepts any; real AWS uses the default chain. */
const LOCAL_CREDENTIALS = { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' };

/** S3 client; path-style addressing against a local endpoint (s3rver has no virtual hosts). */
export function createS3Client(options: AwsClientOptions): S3Client {
  return new S3Client({
    region: options.region,
    ...(options.endpoint ? { endpoint: options.endpoint, forcePathStyle: true, credentials: LOCAL_CREDENTIALS } : {}),
    requestHandler: new NodeHttpHandler({ connectionTimeout: 5_000, requestTimeout: 60_000 }),
  });
}

/** Kinesis client over HTTP/1.1 (`NodeHttpHandler`); the default HTTP/2 handler fails on plain http. */
export function createKinesisClient(options: AwsClientOptions): KinesisClient {
  return new KinesisClient({
    region: options.region,
    ...(options.endpoint ? { endpoint: options.endpoint, credentials: LOCAL_CREDENTIALS } : {}),
    requestHandler: new NodeHttpHandler({ connectionTimeout: 5_000, requestTimeout: 30_000 }),
  });
}
