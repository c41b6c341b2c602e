import type { S3Client } from '@aws-sdk/client-s3';
import { createS3Client } from '../clients';
import { projectPath, type PipelineConfig } from '../config';
import { PipelineError } from '../errors';
import { DEFAULT_DATA_DIR, readRunningStack } from '../local-stack/start-local-stack';
import type { TableKey } from '../contract/tables';

/** A bucket to read sink objects from, and where it is. */
export interface SinkInput {
  kind: 'sample' | 'endpoint' | 'aws' | 'local-stack';
  s3: S3Client;
  bucket: string;
  topics: Record<TableKey, string>;
  /** One line saying where the objects come from. */
  description: string;
  /** Closes the client (and removes a sample). */
  close(): Promise<void>;
}

export interface OpenSinkInputOptions {
  config: PipelineConfig;
  /** Read this S3 endpoint instead of the configured target. */
  endpoint?: string;
  /** Bucket to read (default: the configured one, or the running stack's). */
  bucket?: string;
}

/**
 * Opens what the batch step reads: an explicit endpoint, AWS when the configuration targets it, or
 * the local stack running from `.local-stack/`. The S3 client is created here once and closed by
 * `close()`. (A generated sample is test support: `openSampleSinkInput` in test/support.)
 */
export async function openSinkInput(options: OpenSinkInputOptions): Promise<SinkInput> {
  const { config } = options;
  if (options.endpoint || config.target === 'aws') {
    const s3 = createS3Client({ region: config.aws.region, ...(options.endpoint ? { endpoint: options.endpoint } : {}) });
    const bucket = options.bucket ?? config.names.bucket;
    return {
      kind: options.endpoint ? 'endpoint' : 'aws', s3, bucket, topics: config.names.topics,
      description: `s3://${bucket} at ${options.endpoint ?? `AWS ${config.aws.region}`}`, close: async () => s3.destroy(),
    };
  }
  const running = await readRunningStack(projectPath(DEFAULT_DATA_DIR));
  if (!running) {
    throw new PipelineError('STACK_NOT_RUNNING', 'no local stack is running from .local-stack/; start one (npm run stack) and emulate posts, run npm start, or pass --sample N');
  }
  const s3 = createS3Client({ region: running.region, endpoint: running.endpoints.s3 });
  const bucket = options.bucket ?? running.bucket;
  return {
    kind: 'local-stack', s3, bucket, topics: running.names.topics,
    description: `s3://${bucket} of the local stack running from .local-stack/ (${running.endpoints.s3})`, close: async () => s3.destroy(),
  };
}
