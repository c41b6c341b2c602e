/**
 * How fast posts are read: a token bucket for `--rate` (posts per second) and the course's pace
 * (a random 0-1 s sleep before each post). Both answer "how long to wait before the next n posts".
 */
export interface Pacer {
  /** Milliseconds to wait before taking `n` more posts; reserves them. */
  reserve(n: number): number;
  /** Posts to take at once: 1 for the course's pace, a fraction of a second's worth for a rate. */
  readonly chunk: number;
}

/** A pacer that never waits (rate unlimited). */
export function unlimitedPacer(chunk: number): Pacer {
  return { chunk, reserve: () => 0 };
}

/**
 * A token bucket refilled at `rate` tokens per second, holding at most `burst` tokens (0.1 s of
 * posts by default). Taking more than it holds goes into debt, paid back by waiting.
 */
export function createTokenBucket(
  rate: number,
  options: { burst?: number; maxChunk?: number; now?: () => number } = {},
): Pacer {
  if (!(rate > 0) || !Number.isFinite(rate)) throw new RangeError(`rate must be a positive number, got ${rate}`);
  const now = options.now ?? (() => performance.now());
  const burst = options.burst ?? Math.max(1, rate / 10);
  let tokens = burst;
  let last = now();
  return {
    // About 1/10 s worth of posts per read keeps batches reasonable and the rate smooth.
    chunk: Math.max(1, Math.min(options.maxChunk ?? Infinity, Math.floor(rate / 10))),
    reserve(n) {
      const t = now();
      tokens = Math.min(burst, tokens + ((t - last) / 1000) * rate);
      last = t;
      tokens -= n;
      return tokens >= 0 ? 0 : (-tokens / rate) * 1000;
    },
  };
}

/** The course's pace: one post at a time, after a random sleep of 0-1 s (`random` is seeded). */
export function coursePacer(random: () => number): Pacer {
  return { chunk: 1, reserve: () => random() * 1000 };
}
