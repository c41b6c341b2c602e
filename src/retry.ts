import { setTimeout as sleep } from 'node:timers/promises';
import { PipelineError } from './errors';

export interface RetryOptions {
  /** Attempts after the first one. */
  retries: number;
  /** First back-off, doubled each attempt. */
  baseDelayMs: number;
  /** Ceiling on one back-off. */
  maxDelayMs: number;
  /** Decides whether an error is worth another attempt; defaults to `error.retriable`. */
  isRetriable?: (error: unknown) => boolean;
  /** Told about each retry, e.g. to count it. */
  onRetry?: (error: unknown, attempt: number, delayMs: number) => void;
  signal?: AbortSignal;
  /** Random source in [0, 1), for tests. */
  random?: () => number;
}

export const DEFAULT_RETRY: RetryOptions = { retries: 8, baseDelayMs: 100, maxDelayMs: 5_000 };

/** Error codes of the socket layer after which the same request may well succeed. */
const RETRIABLE_NETWORK_CODES = new Set([
  'ECONNREFUSED', 'ECONNRESET', 'EPIPE', 'ETIMEDOUT', 'EAI_AGAIN', 'ECONNABORTED', 'EHOSTUNREACH', 'ENETUNREACH', 'ENETDOWN', 'ESOCKETTIMEDOUT', 'UND_ERR_SOCKET',
]);

/** True for socket-level failures (refused, reset, timed out) that a retry can get past. */
export function isRetriableNetworkCode(code: string | undefined): boolean {
  return code !== undefined && RETRIABLE_NETWORK_CODES.has(code);
}

/** True for a `PipelineError` marked retriable. */
export function isRetriableError(error: unknown): boolean {
  return error instanceof PipelineError && error.retriable;
}

/** Exponential back-off with full jitter: a delay drawn from [0, min(max, base * 2^attempt)). */
export function backoffDelay(attempt: number, options: Pick<RetryOptions, 'baseDelayMs' | 'maxDelayMs' | 'random'>): number {
  const ceiling = Math.min(options.maxDelayMs, options.baseDelayMs * 2 ** attempt);
  return Math.floor((options.random ?? Math.random)() * ceiling);
}

/** Runs `operation` until it succeeds, the error is not retriable, or the retries are spent. */
export async function withRetry<T>(operation: (attempt: number) => Promise<T>, options: RetryOptions): Promise<T> {
  const isRetriable = options.isRetriable ?? isRetriableError;
  for (let attempt = 0; ; attempt++) {
    try {
      return await operation(attempt);
    } catch (error) {
      if (attempt >= options.retries || !isRetriable(error) || options.signal?.aborted) throw error;
      const delayMs = backoffDelay(attempt, options);
      options.onRetry?.(error, attempt + 1, delayMs);
      await sleep(delayMs, undefined, options.signal ? { signal: options.signal } : undefined);
    }
  }
}
