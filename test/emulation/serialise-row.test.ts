import assert from 'node:assert/strict';
import { test } from 'node:test';
import { readableRow, serialiseRow } from '../../src/emulation/serialise-row';

test('datetimes become "YYYY-MM-DD HH:MM:SS" (UTC), as json.dumps(default=str) wrote them', () => {
  const row = {
    ind: 1,
    timestamp: new Date(Date.UTC(2021, 0, 2, 3, 4, 5)),
    nested: [new Date(Date.UTC(2015, 9, 24, 11, 23, 51))],
  };
  assert.deepEqual(serialiseRow(row), {
    ok: true,
    json: '{"ind":1,"timestamp":"2021-01-02 03:04:05","nested":["2015-10-24 11:23:51"]}',
  });
});

test('strings, numbers, booleans and null pass through as JSON; key order is kept', () => {
  const row = { z: 'é "q"', a: 1.5, b: false, c: null, d: -0.000123 };
  assert.deepEqual(serialiseRow(row), { ok: true, json: JSON.stringify(row) });
});

test('values JSON cannot carry make the row unserialisable, with where and why', () => {
  const circular: Record<string, unknown> = { a: 1 };
  circular.me = circular;
  const cases: [unknown, RegExp][] = [
    [{ age: 20n }, /\$\.age is a BigInt \(20n\)/],
    [{ lat: Number.NaN }, /\$\.lat is NaN/],
    [{ lon: Number.POSITIVE_INFINITY }, /\$\.lon is Infinity/],
    [{ when: new Date('nope') }, /\$\.when is an invalid date/],
    [{ blob: Buffer.from('x') }, /\$\.blob is binary data/],
    [{ f: () => 1 }, /\$\.f is a function/],
    [{ missing: undefined }, /\$\.missing has no value/],
    [{ list: [1, circular] }, /\$\.list\[1\]\.me refers back to itself/],
  ];
  for (const [row, reason] of cases) {
    const result = serialiseRow(row);
    assert.equal(result.ok, false, JSON.stringify(String(reason)));
    if (!result.ok) assert.match(result.reason, reason);
  }
});

test('the same object twice (not circular) is fine', () => {
  const shared = { x: 1 };
  assert.deepEqual(serialiseRow({ a: shared, b: shared }), { ok: true, json: '{"a":{"x":1},"b":{"x":1}}' });
});

test('readableRow never throws: BigInt, NaN, circular references and undefined become text', () => {
  const circular: Record<string, unknown> = { n: 1n, nan: Number.NaN, gone: undefined };
  circular.self = circular;
  assert.deepEqual(readableRow(circular), { n: '1n', nan: 'NaN', gone: '[undefined]', self: '[circular]' });
  assert.deepEqual(readableRow({ text: 'x'.repeat(5_000) }), { text: 'x'.repeat(5_000) });
});
