import { CreateStreamCommand, DescribeStreamSummaryCommand, type KinesisClient } from '@aws-sdk/client-kinesis';
import { setTimeout as sleep } from 'node:timers/promises';
import { PipelineError } from '../errors';
import { withRetry, type RetryOptions } from '../retry';
import type { SetupResult } from './create-topics';
import { statusError, type HttpClient } from '../http-client';
import { sdkError } from './kinesis-transport';

/** Creating and describing a stream, through the SDK or API Gateway's Kinesis routes. */
export interface StreamAdmin {
  readonly description: string;
  /** `created`, or `exists` when the stream is already there. */
  create(stream: string, shards: number): Promise<'created' | 'exists'>;
  /** CREATING, ACTIVE, UPDATING, DELETING; undefined when there is no such stream. */
  status(stream: string): Promise<string | undefined>;
}

/** Stream admin through the SDK (`CreateStream`, `DescribeStreamSummary`). */
export function createSdkStreamAdmin(client: KinesisClient): StreamAdmin {
  return {
    description: 'Kinesis (SDK)',
    async create(stream, shards) {
      try {
        await client.send(new CreateStreamCommand({ StreamName: stream, ShardCount: shards }));
        return 'created';
      } catch (error) {
        if (error instanceof Error && error.name === 'ResourceInUseException') return 'exists';
        throw sdkError(error, `CreateStream ${stream}`);
      }
    },
    async status(stream) {
      try {
        const out = await client.send(new DescribeStreamSummaryCommand({ StreamName: stream }));
        return out.StreamDescriptionSummary?.StreamStatus;
      } catch (error) {
        if (error instanceof Error && error.name === 'ResourceNotFoundException') return undefined;
        throw sdkError(error, `DescribeStreamSummary ${stream}`);
      }
    },
  };
}

/**
 * Stream admin through API Gateway (PIPELINE_SPEC.md §2): `POST /streams/<s>` with
 * `{"ShardCount": n}` creates, `GET /streams/<s>` describes (Kinesis' DescribeStream answer).
 */
export function createGatewayStreamAdmin(http: HttpClient): StreamAdmin {
  const errorType = (text: string) => {
    try {
      const type = (JSON.parse(text) as { __type?: unknown }).__type;
      return typeof type === 'string' ? type.split('#').pop() : undefined;
    } catch (error) {
      if (error instanceof SyntaxError) return undefined;
      throw error;
    }
  };
  return {
    description: `Kinesis via API Gateway ${http.baseUrl}`,
    async create(stream, shards) {
      const path = `/streams/${encodeURIComponent(stream)}`;
      const response = await http.request('POST', path, { body: JSON.stringify({ ShardCount: shards }), headers: { 'Content-Type': 'application/json' } });
      const type = errorType(response.text);
      if (type === 'ResourceInUseException') return 'exists';
      if (response.status >= 200 && response.status < 300 && !type) return 'created';
      throw statusError(response, `POST ${http.baseUrl}${path}`);
    },
    async status(stream) {
      const path = `/streams/${encodeURIComponent(stream)}`;
      const response = await http.request('GET', path, { headers: { Accept: 'application/json' } });
      const type = errorType(response.text);
      if (type === 'ResourceNotFoundException' || response.status === 404) return undefined;
      if (response.status < 200 || response.status > 299 || type) throw statusError(response, `GET ${http.baseUrl}${path}`);
      const body = JSON.parse(response.text) as { StreamDescription?: { StreamStatus?: string }; StreamDescriptionSummary?: { StreamStatus?: string } };
      return body.StreamDescription?.StreamStatus ?? body.StreamDescriptionSummary?.StreamStatus;
    },
  };
}

export interface CreateStreamsOptions {
  /** Shards of each new stream; 1 by default. */
  shards?: number;
  /** How long to wait for ACTIVE; 120 s by default. */
  timeoutMs?: number;
  pollMs?: number;
  retry?: Pick<RetryOptions, 'retries' | 'baseDelayMs' | 'maxDelayMs'>;
  /** Told each stream once it is ACTIVE. */
  onResult?: (result: SetupResult) => void;
}

/** Creates the streams (idempotent) and waits until each is ACTIVE. */
export async function createStreams(admin: StreamAdmin, streams: readonly string[], options: CreateStreamsOptions = {}): Promise<SetupResult[]> {
  const retry = options.retry ?? { retries: 6, baseDelayMs: 200, maxDelayMs: 3_000 };
  const timeoutMs = options.timeoutMs ?? 120_000;
  const results: SetupResult[] = [];
  for (const stream of streams) {
    const outcome = await withRetry(() => admin.create(stream, options.shards ?? 1), retry);
    const deadline = Date.now() + timeoutMs;
    let status = await withRetry(() => admin.status(stream), retry);
    while (status !== 'ACTIVE') {
      if (status === undefined || status === 'DELETING') {
        throw new PipelineError('STREAM_GONE', `stream ${stream} is ${status ?? 'missing'} right after creating it; wait for the deletion to finish and run again`);
      }
      if (Date.now() > deadline) throw new PipelineError('STREAM_NOT_ACTIVE', `stream ${stream} is still ${status} after ${timeoutMs / 1000} s; check it in the Kinesis console and run again`, { retriable: true });
      await sleep(options.pollMs ?? 1_000);
      status = await withRetry(() => admin.status(stream), retry);
    }
    results.push({ kind: 'stream', name: stream, outcome, status });
    options.onResult?.({ kind: 'stream', name: stream, outcome, status });
  }
  return results;
}
