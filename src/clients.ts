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

/**
 * The SDK warns on every client that Node 20 support ends; the warning says nothing a user of this
 * pipeline can act on, and it floods notebooks and script output.
 */
function quietNodeVersionWarning(): void {
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
}

/** S3 client; path-style addressing against a local endpoint (s3rver has no virtual hosts). */
export function createS3Client(options: AwsClientOptions): S3Client {
  quietNodeVersionWarning();
  return new S3Client({
    region: options.region,
    ...(options.endpoint ? { endpoint: options.endpoint, forcePathStyle: true, credentials: LOCAL_CREDENTIALS } : {}),
    requestHandler: new NodeHttpHandler({ connectionTimeout: 5_000, requestTimeout: 60_000 }),
  });
}

/** Kinesis client over HTTP/1.1 (`NodeHttpHandler`); the default HTTP/2 handler fails on plain http. */
export function createKinesisClient(options: AwsClientOptions): KinesisClient {
  quietNodeVersionWarning();
  return new KinesisClient({
    region: options.region,
    ...(options.endpoint ? { endpoint: options.endpoint, credentials: LOCAL_CREDENTIALS } : {}),
    requestHandler: new NodeHttpHandler({ connectionTimeout: 5_000, requestTimeout: 30_000 }),
  });
}

/** Kinesis error names (whole call or per record) that a later retry can get past. */
const RETRIABLE_KINESIS_ERRORS = new Set([
  'ProvisionedThroughputExceededException', 'InternalFailure', 'InternalFailureException', 'ServiceUnavailable', 'ServiceUnavailableException',
  'LimitExceededException', 'ThrottlingException', 'Throttling', 'KMSThrottlingException', 'RequestTimeout', 'RequestTimeoutException', 'TimeoutError',
]);

/** Kinesis error names that mean the request body itself was refused (a record too large, a bad key). */
const REJECTING_KINESIS_ERRORS = new Set(['ValidationException', 'InvalidArgumentException', 'SerializationException']);

/** Classifies a Kinesis error name: retriable, rejecting the records, or fatal (missing stream, no permission). */
export function classifyKinesisError(name: string): 'retriable' | 'rejected' | 'fatal' {
  if (RETRIABLE_KINESIS_ERRORS.has(name)) return 'retriable';
  if (REJECTING_KINESIS_ERRORS.has(name)) return 'rejected';
  return 'fatal';
}
