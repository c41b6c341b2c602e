/** How posts are chosen: `random` as the course did (repeats allowed), or `sequential`. */
export type Selection = 'random' | 'sequential';

/** A seeded PRNG (mulberry32) returning numbers in [0, 1): the same seed gives the same run. */
export function seededRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
}

/** Produces the row positions of the next posts to send. */
export interface PositionPicker {
  next(n: number): number[];
}

/**
 * `random`: uniform positions in [0, rows), drawn from `random`, so a post can be sent twice
 * (the course drew `random.randint(0, 11000)`). `sequential`: 0, 1, 2, ... wrapping around to 0
 * after the last row, so a count larger than the source repeats it in order.
 */
export function createPositionPicker(selection: Selection, rows: number, random: () => number): PositionPicker {
  if (!Number.isInteger(rows) || rows <= 0) throw new RangeError(`the source must hold at least one post, got ${rows}`);
  let cursor = 0;
  return {
    next(n) {
      const out = new Array<number>(n);
      for (let i = 0; i < n; i++) {
        if (selection === 'random') {
          out[i] = Math.floor(random() * rows);
        } else {
          out[i] = cursor;
          cursor = (cursor + 1) % rows;
        }
      }
      return out;
    },
  };
}
