import assert from 'node:assert/strict';
import { test } from 'node:test';
import { frameToRows, rowsToFrame } from '../src/frames';

test('rowsToFrame renames a column called index (danfojs reserves it) and rows come back as objects', () => {
  const frame = rowsToFrame(
    [
      { index: 7, title: null },
      { index: 8, title: 'x' },
    ],
    ['index', 'title'],
  );
  assert.deepEqual(frame.columns, ['ind', 'title']);
  assert.deepEqual(frameToRows(frame), [
    { ind: 7, title: null },
    { ind: 8, title: 'x' },
  ]);
});

test('rowsToFrame takes zero rows and keeps the columns', () => {
  const frame = rowsToFrame([], ['ind', 'country'], { dtypes: ['int32', 'string'] });
  assert.deepEqual(frame.shape, [0, 2]);
  assert.deepEqual(frame.columns, ['ind', 'country']);
});
