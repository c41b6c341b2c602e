import type { S3Client } from '@aws-sdk/client-s3';
import { createS3Client } from '../clients';
import { projectPath, type PipelineConfig } from '../config';
import { describeError, hasErrorCode } from '../errors';
import { createHttpClient } from '../http-client';
import { DEFAULT_DATA_DIR } from '../local-stack/start-local-stack';
import { openTarget } from '../target/open-target';
import type { TableKey } from '../contract/tables';
import { fetchEndOffsets, type EndOffsets } from './end-offsets';

/** A bucket to read sink objects from, and where it is. */
export interface SinkInput {
  kind: 'sample' | 'endpoint' | 'aws' | 'local-stack';
  s3: S3Client;
  bucket: string;
  topics: Record<TableKey, string>;
  /** One line saying where the objects come from. */
  description: string;
  /** The Kafka REST proxy (or an invoke URL forwarding to one) that knows the topics' end offsets; undefined with the reason when there is none. */
  restProxy: { url: string } | { unavailable: string };
  /** Closes the client (and removes a sample). */
  close(): Promise<void>;
}

export interface OpenSinkInputOptions {
  config: PipelineConfig;
  /** Read this S3 endpoint instead of the configured target. */
  endpoint?: string;
  /** Bucket to read (default: the configured one, or the running stack's). */
  bucket?: string;
  /** The local stack's data folder (default `.local-stack` of the project). */
  dataDir?: string;
  /** The REST proxy to ask for end offsets (default: the local stack's, or the invoke URL on AWS). */
  restProxyUrl?: string;
}

/**
 * Opens what the batch step reads: an explicit endpoint, AWS when the configuration targets it, or
 * the local stack running from the data folder (none running fails at once, saying to start it). The
 * S3 client is created here once and closed by `close()`. (A generated sample is `openSampleSinkInput`,
 * sample-bucket.ts.)
 */
export async function openSinkInput(options: OpenSinkInputOptions): Promise<SinkInput> {
  const { config } = options;
  if (options.endpoint) {
    const s3 = createS3Client({ region: config.aws.region, endpoint: options.endpoint });
    const bucket = options.bucket ?? config.names.bucket;
    return {
      kind: 'endpoint',
      s3,
      bucket,
      topics: config.names.topics,
      description: `s3://${bucket} at ${options.endpoint}`,
      restProxy: options.restProxyUrl
        ? { url: options.restProxyUrl }
        : { unavailable: 'an S3 endpoint was given without --rest-proxy' },
      close: async () => s3.destroy(),
    };
  }
  const dataDir = options.dataDir ?? projectPath(DEFAULT_DATA_DIR);
  const target = await openTarget(config, { dataDir });
  const bucket = options.bucket ?? target.bucket;
  const where = target.stack
    ? `of the local stack running from ${dataDir} (${target.stack.endpoints.s3})`
    : `at AWS ${target.region}`;
  return {
    kind: target.stack ? 'local-stack' : 'aws',
    s3: target.s3,
    bucket,
    topics: target.names.topics,
    description: `s3://${bucket} ${where}`,
    restProxy: { url: options.restProxyUrl ?? target.restProxy?.url ?? target.invokeUrl },
    close: () => target.close(),
  };
}

/** The end offsets of the input's topics, or why there are none. */
export async function inputEndOffsets(
  input: Pick<SinkInput, 'kind' | 'restProxy' | 'topics'>,
): Promise<{ offsets: EndOffsets } | { unavailable: string }> {
  const { restProxy } = input;
  if ('unavailable' in restProxy) return restProxy;
  const http = createHttpClient({ baseUrl: restProxy.url, timeoutMs: 15_000, maxSockets: 2 });
  try {
    return { offsets: await fetchEndOffsets(http, input.topics) };
  } catch (error) {
    // On AWS the invoke URL may not forward the offsets route: then the step says so and goes on.
    if (input.kind === 'local-stack' || hasErrorCode(error, 'TOPIC_NOT_FOUND')) throw error;
    return { unavailable: `${restProxy.url} did not answer the topics' end offsets: ${describeError(error)}` };
  } finally {
    http.close();
  }
}
