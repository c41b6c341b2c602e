import {
  CreateStreamCommand,
  DescribeStreamSummaryCommand,
  paginateListStreams,
  waitUntilStreamExists,
  waitUntilStreamNotExists,
  type KinesisClient,
} from '@aws-sdk/client-kinesis';
import { hasErrorCode, PipelineError } from './errors';

/**
 * Creating, listing and waiting for Kinesis streams through the SDK's own helpers: the paginator
 * `paginateListStreams` (no `ExclusiveStartStreamName` loop by hand) and the waiters
 * `waitUntilStreamExists` / `waitUntilStreamNotExists` (no poll-until-ACTIVE loop by hand). Used by
 * the local stack's `ensureStreams`, the emulation's `createStreams` and the doctor.
 */

/** How long to wait and how often to look, in milliseconds. */
export interface StreamWait {
  timeoutMs: number;
  pollMs: number;
}

/** Every stream's name, all pages. */
export async function listStreamNames(kinesis: KinesisClient): Promise<Set<string>> {
  const names = new Set<string>();
  for await (const page of paginateListStreams({ client: kinesis, pageSize: 100 }, {}))
    for (const name of page.StreamNames ?? []) names.add(name);
  return names;
}

/** `created`, or `exists` when the stream is already there (ResourceInUseException, classified STREAM_EXISTS by the client). */
export async function createStream(
  kinesis: KinesisClient,
  stream: string,
  shards: number,
): Promise<'created' | 'exists'> {
  try {
    await kinesis.send(new CreateStreamCommand({ StreamName: stream, ShardCount: shards }));
    return 'created';
  } catch (error) {
    if (hasErrorCode(error, 'STREAM_EXISTS')) return 'exists';
    throw error;
  }
}

/** CREATING, ACTIVE, UPDATING, DELETING; undefined when there is no such stream. */
export async function streamStatus(kinesis: KinesisClient, stream: string): Promise<string | undefined> {
  try {
    const out = await kinesis.send(new DescribeStreamSummaryCommand({ StreamName: stream }));
    return out.StreamDescriptionSummary?.StreamStatus;
  } catch (error) {
    if (hasErrorCode(error, 'STREAM_NOT_FOUND')) return undefined;
    throw error;
  }
}

/** The SDK waiters' settings from ours: they count in seconds and poll between `minDelay` and `maxDelay`. */
export function waiterTimes(wait: StreamWait): { maxWaitTime: number; minDelay: number; maxDelay: number } {
  const minDelay = Math.max(wait.pollMs, 1) / 1000;
  return { maxWaitTime: Math.max(wait.timeoutMs / 1000, minDelay * 2), minDelay, maxDelay: Math.max(minDelay, 5) };
}

/** A waiter's TIMEOUT (or other end) as the error saying what to do. */
function waitFailed(stream: string, state: string, wait: StreamWait, cause: unknown): PipelineError {
  return new PipelineError(
    'STREAM_NOT_ACTIVE',
    `stream ${stream} is still ${state} after ${wait.timeoutMs / 1000} s; check it in the Kinesis console and run again`,
    { retriable: true, cause },
  );
}

/** Waits until the stream is ACTIVE (`waitUntilStreamExists`). */
export async function waitUntilActive(kinesis: KinesisClient, stream: string, wait: StreamWait): Promise<'ACTIVE'> {
  try {
    await waitUntilStreamExists({ client: kinesis, ...waiterTimes(wait) }, { StreamName: stream });
    return 'ACTIVE';
  } catch (error) {
    if (error instanceof PipelineError) throw error;
    throw waitFailed(stream, 'not ACTIVE', wait, error);
  }
}

/** Waits until the stream is gone (`waitUntilStreamNotExists`), e.g. after DeleteStream. */
export async function waitUntilGone(kinesis: KinesisClient, stream: string, wait: StreamWait): Promise<void> {
  try {
    await waitUntilStreamNotExists({ client: kinesis, ...waiterTimes(wait) }, { StreamName: stream });
  } catch (error) {
    if (error instanceof PipelineError) throw error;
    throw waitFailed(stream, 'there', wait, error);
  }
}
