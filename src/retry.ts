import { setTimeout as sleep } from 'node:timers/promises';
import { PipelineError } from './errors';

export interface RetryOptions {
  /** Attempts after the first one. */
  retries: number;
  /** First back-off, doubled each attempt. */
  baseDelayMs: number;
  /** Ceiling on one back-off. */
  maxDelayMs: number;
  /** Told about each retry, e.g. to count it. */
  onRetry?: (error: unknown, attempt: number, delayMs: number) => void;
  signal?: AbortSignal;
  /** Random source in [0, 1), for tests. */
  random?: () => number;
}

export const DEFAULT_RETRY: RetryOptions = { retries: 8, baseDelayMs: 100, maxDelayMs: 5_000 };

/** True for a `PipelineError` marked retriable. */
export function isRetriableError(error: unknown): boolean {
  return error instanceof PipelineError && error.retriable;
}

/** Exponential back-off with full jitter: a delay drawn from [0, min(max, base * 2^attempt)). */
export function backoffDelay(
  attempt: number,
  options: Pick<RetryOptions, 'baseDelayMs' | 'maxDelayMs' | 'random'>,
): number {
  const ceiling = Math.min(options.maxDelayMs, options.baseDelayMs * 2 ** attempt);
  return Math.floor((options.random ?? Math.random)() * ceiling);
}

/**
 * Runs `operation` until it succeeds, the error is not retriable, the signal is aborted or the
 * retries are spent. Whether an error is worth another attempt is `error.retriable` alone: every
 * boundary (HTTP client, AWS SDK middleware, MySQL source) classifies its failures where they enter.
 */
export async function withRetry<T>(operation: (attempt: number) => Promise<T>, options: RetryOptions): Promise<T> {
  for (let attempt = 0; ; attempt++) {
    try {
      return await operation(attempt);
    } catch (error) {
      if (attempt >= options.retries || !isRetriableError(error) || options.signal?.aborted) throw error;
      const delayMs = backoffDelay(attempt, options);
      options.onRetry?.(error, attempt + 1, delayMs);
      await sleep(delayMs, undefined, options.signal ? { signal: options.signal } : undefined);
    }
  }
}
