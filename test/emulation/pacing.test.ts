import assert from 'node:assert/strict';
import { test } from 'node:test';
import { coursePacer, createTokenBucket, unlimitedPacer } from '../../src/emulation/pacing';
import { createPositionPicker, seededRandom } from '../../src/emulation/select-positions';

test('the token bucket lets a burst through, then spaces posts at the rate', () => {
  let now = 0;
  const bucket = createTokenBucket(100, { now: () => now });
  assert.equal(bucket.chunk, 10);
  assert.equal(bucket.reserve(10), 0, 'a tenth of a second of posts is the burst');
  assert.equal(bucket.reserve(10), 100, 'the next 10 posts wait 100 ms');
  now = 100;
  assert.equal(bucket.reserve(10), 100, 'the debt is paid at 100 ms; these 10 wait another 100');
  now = 10_000;
  assert.equal(bucket.reserve(5), 0, 'idle time refills at most the burst');
  assert.equal(bucket.reserve(10), 50);
});

test('a low rate reads one post at a time; the chunk is capped by the batch size', () => {
  assert.equal(createTokenBucket(2).chunk, 1);
  assert.equal(createTokenBucket(1e6, { maxChunk: 500 }).chunk, 500);
  assert.throws(() => createTokenBucket(0), RangeError);
  assert.equal(unlimitedPacer(500).reserve(500), 0);
});

test('the course pace waits 0-1 s per post, seeded', () => {
  const a = coursePacer(seededRandom(3));
  const b = coursePacer(seededRandom(3));
  const waits = Array.from({ length: 100 }, () => a.reserve(1));
  assert.deepEqual(
    Array.from({ length: 100 }, () => b.reserve(1)),
    waits,
  );
  assert.ok(waits.every((w) => w >= 0 && w < 1000));
  assert.equal(a.chunk, 1);
});

test('random positions are uniform over the source and repeatable by seed', () => {
  const picker = createPositionPicker('random', 11_153, seededRandom(42));
  const positions = picker.next(100_000);
  assert.ok(positions.every((p) => Number.isInteger(p) && p >= 0 && p < 11_153));
  const low = positions.filter((p) => p < 11_153 / 2).length;
  assert.ok(Math.abs(low - 50_000) < 1_500, `${low} in the lower half`);
  assert.deepEqual(createPositionPicker('random', 11_153, seededRandom(42)).next(10), positions.slice(0, 10));
  assert.throws(() => createPositionPicker('random', 0, Math.random), RangeError);
});

test('sequential positions wrap around', () => {
  const picker = createPositionPicker('sequential', 3, Math.random);
  assert.deepEqual([...picker.next(2), ...picker.next(5)], [0, 1, 2, 0, 1, 2, 0]);
});
