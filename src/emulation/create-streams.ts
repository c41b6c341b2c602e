import type { KinesisClient } from '@aws-sdk/client-kinesis';
// The SDK's own waiter engine (what waitUntilStreamExists runs on), for the gateway's streams, which no SDK waiter knows.
import { createWaiter, WaiterState } from '@smithy/core/client';
import { PipelineError } from '../errors';
import { createStream, streamStatus, waitUntilActive, waitUntilGone, type StreamWait } from '../kinesis-streams';
import { withRetry, type RetryOptions } from '../retry';
import type { SetupResult } from './create-topics';
import { awsErrorType, parseAnswer, readAnswer, statusError, type HttpClient } from '../http-client';
import { z } from 'zod';
import { sdkError } from './kinesis-transport';

/** Creating, describing and waiting for a stream, through the SDK or API Gateway's Kinesis routes. */
export interface StreamAdmin {
  readonly description: string;
  /** `created`, or `exists` when the stream is already there. */
  create(stream: string, shards: number): Promise<'created' | 'exists'>;
  /** CREATING, ACTIVE, UPDATING, DELETING; undefined when there is no such stream. */
  status(stream: string): Promise<string | undefined>;
  /** Waits until ACTIVE (the SDK's waiter); without it, `waitForStatus` polls `status`. */
  waitUntilActive?(stream: string, wait: StreamWait): Promise<'ACTIVE'>;
  /** Waits until the stream is gone (the SDK's waiter); without it, `waitForStatus` polls `status`. */
  waitUntilGone?(stream: string, wait: StreamWait): Promise<void>;
}

/** Stream admin through the SDK (`CreateStream`, `DescribeStreamSummary`, the SDK's stream waiters). */
export function createSdkStreamAdmin(client: KinesisClient): StreamAdmin {
  return {
    description: 'Kinesis (SDK)',
    create: (stream, shards) =>
      createStream(client, stream, shards).catch((error: unknown) => {
        throw sdkError(error, `CreateStream ${stream}`);
      }),
    status: (stream) =>
      streamStatus(client, stream).catch((error: unknown) => {
        throw sdkError(error, `DescribeStreamSummary ${stream}`);
      }),
    waitUntilActive: (stream, wait) => waitUntilActive(client, stream, wait),
    waitUntilGone: (stream, wait) => waitUntilGone(client, stream, wait),
  };
}

/** Kinesis' DescribeStream (or DescribeStreamSummary) answer, as far as the status goes. */
const DESCRIBE_STREAM_ANSWER = z.looseObject({
  StreamDescription: z.looseObject({ StreamStatus: z.string().optional() }).optional(),
  StreamDescriptionSummary: z.looseObject({ StreamStatus: z.string().optional() }).optional(),
});

/**
 * Stream admin through API Gateway (PIPELINE_SPEC.md §2): `POST /streams/<s>` with
 * `{"ShardCount": n}` creates, `GET /streams/<s>` describes (Kinesis' DescribeStream answer).
 */
export function createGatewayStreamAdmin(http: HttpClient): StreamAdmin {
  const errorType = (text: string) => awsErrorType(readAnswer(text, z.unknown()));
  return {
    description: `Kinesis via API Gateway ${http.baseUrl}`,
    async create(stream, shards) {
      const path = `/streams/${encodeURIComponent(stream)}`;
      const response = await http.request('POST', path, {
        body: JSON.stringify({ ShardCount: shards }),
        headers: { 'Content-Type': 'application/json' },
      });
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
      if (response.status < 200 || response.status > 299 || type)
        throw statusError(response, `GET ${http.baseUrl}${path}`);
      const body = parseAnswer(response.text, DESCRIBE_STREAM_ANSWER, `GET ${http.baseUrl}${path}`);
      return body.StreamDescription?.StreamStatus ?? body.StreamDescriptionSummary?.StreamStatus;
    },
  };
}

/**
 * Waits until `admin.status(stream)` says `until`: ACTIVE, `gone` (no such stream) or
 * `not-deleting` (an earlier deletion over), on the SDK's waiter engine (`createWaiter`): polls from
 * `pollMs`, backing off, until `timeoutMs`. A stream deleting or missing while waiting for ACTIVE
 * ends the wait at once (STREAM_GONE).
 */
export async function waitForStatus(
  admin: StreamAdmin,
  stream: string,
  until: 'ACTIVE' | 'gone' | 'not-deleting',
  wait: StreamWait,
  retry: RetryRetries = DEFAULT_ADMIN_RETRY,
): Promise<void> {
  let last: string | undefined;
  const seconds = Math.max(wait.pollMs, 1) / 1000;
  const result = await createWaiter(
    {
      client: admin,
      maxWaitTime: Math.max(wait.timeoutMs / 1000, seconds * 2),
      minDelay: seconds,
      maxDelay: Math.max(seconds, 5),
    },
    stream,
    async () => {
      last = await withRetry(() => admin.status(stream), retry);
      if (until === 'gone') return { state: last === undefined ? WaiterState.SUCCESS : WaiterState.RETRY };
      if (until === 'not-deleting') return { state: last === 'DELETING' ? WaiterState.RETRY : WaiterState.SUCCESS };
      if (last === until) return { state: WaiterState.SUCCESS };
      return { state: last === undefined || last === 'DELETING' ? WaiterState.FAILURE : WaiterState.RETRY };
    },
  );
  if (result.state === WaiterState.SUCCESS) return;
  if (result.state === WaiterState.FAILURE) {
    throw new PipelineError(
      'STREAM_GONE',
      `stream ${stream} is ${last ?? 'missing'} right after creating it; wait for the deletion to finish and run again`,
    );
  }
  throw new PipelineError(
    'STREAM_NOT_ACTIVE',
    `stream ${stream} is still ${last ?? 'missing'} after ${wait.timeoutMs / 1000} s; check it in the Kinesis console and run again`,
    { retriable: true },
  );
}

type RetryRetries = Pick<RetryOptions, 'retries' | 'baseDelayMs' | 'maxDelayMs'>;

/** Back-off of a create or describe call that failed retriably. */
const DEFAULT_ADMIN_RETRY: RetryRetries = { retries: 6, baseDelayMs: 200, maxDelayMs: 3_000 };

export interface CreateStreamsOptions {
  /** Shards of each new stream; 1 by default. */
  shards?: number;
  /** How long to wait for ACTIVE; 120 s by default. */
  timeoutMs?: number;
  pollMs?: number;
  retry?: RetryRetries;
  /** Told each stream once it is ACTIVE. */
  onResult?: (result: SetupResult) => void;
}

/** Creates the streams (idempotent) and waits until each is ACTIVE: the one "create a stream and wait" of the pipeline. */
export async function createStreams(
  admin: StreamAdmin,
  streams: readonly string[],
  options: CreateStreamsOptions = {},
): Promise<SetupResult[]> {
  const retry = options.retry ?? DEFAULT_ADMIN_RETRY;
  const wait = { timeoutMs: options.timeoutMs ?? 120_000, pollMs: options.pollMs ?? 1_000 };
  const results: SetupResult[] = [];
  for (const stream of streams) {
    const outcome = await withRetry(() => admin.create(stream, options.shards ?? 1), retry);
    if (admin.waitUntilActive) await admin.waitUntilActive(stream, wait);
    else await waitForStatus(admin, stream, 'ACTIVE', wait, retry);
    const status = 'ACTIVE';
    results.push({ kind: 'stream', name: stream, outcome, status });
    options.onResult?.({ kind: 'stream', name: stream, outcome, status });
  }
  return results;
}
