import type { S3Client } from '@aws-sdk/client-s3';
import { createS3Client } from '../clients';
import { projectPath, type PipelineConfig } from '../config';
import { PipelineError } from '../errors';
import { DEFAULT_DATA_DIR, readRunningStack } from '../local-stack/start-local-stack';
import type { TableKey } from '../tables';
import { startSampleBucket } from './sink-fixture';

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
  /** Generate this many posts into a private temporary S3 and read that instead. */
  sample?: number;
  /** With no local stack running, generate this many posts instead of failing. */
  fallbackToSample?: number;
  /** Every n-th generated post is sent twice (default 50), as the random emulation does. */
  duplicateEvery?: number;
}

/**
 * Opens what the batch step reads: a generated sample (`sample`), an explicit endpoint, AWS when
 * the configuration targets it, or the local stack running from `.local-stack/` (falling back to a
 * sample when asked). The S3 client is created here once and closed by `close()`.
 */
export async function openSinkInput(options: OpenSinkInputOptions): Promise<SinkInput> {
  const { config } = options;
  const seed = config.source.kind === 'embedded' ? config.source.seed : 42;
  const sample = async (rows: number, why: string): Promise<SinkInput> => {
    const bucket = await startSampleBucket({ rows, seed, duplicateEvery: options.duplicateEvery ?? 50 });
    return { kind: 'sample', ...bucket, description: `${rows.toLocaleString('en-US')} generated posts (seed ${seed}, every ${options.duplicateEvery ?? 50}th sent twice) written as the S3 sink writes them to a private s3rver (${why})` };
  };
  if (options.sample !== undefined) return sample(options.sample, 'asked for a sample');
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
    if (options.fallbackToSample) return sample(options.fallbackToSample, 'no local stack is running');
    throw new PipelineError('STACK_NOT_RUNNING', 'no local stack is running from .local-stack/; start one (npm run stack) and emulate posts, run npm start, or pass --sample N');
  }
  const s3 = createS3Client({ region: running.region, endpoint: running.endpoints.s3 });
  const bucket = options.bucket ?? running.bucket;
  return {
    kind: 'local-stack', s3, bucket, topics: running.names.topics,
    description: `s3://${bucket} of the local stack running from .local-stack/ (${running.endpoints.s3})`, close: async () => s3.destroy(),
  };
}
