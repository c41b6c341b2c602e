import assert from 'node:assert/strict';
import { test } from 'node:test';
import { rowsToFrame } from '../src/frames';
import { formatCell, frameToHtml } from '../src/html';

test('tables show numbers with thousands separators, but not ids and years', () => {
  assert.equal(formatCell('follower_count', 35_000_000), '35,000,000');
  assert.equal(formatCell('median_follower_count', 1500), '1,500');
  assert.equal(formatCell('post_year', 2018), '2018');
  assert.equal(formatCell('ind', 12345), '12345');
  assert.equal(formatCell('country', '<b>'), '&lt;b&gt;');
  const html = frameToHtml(rowsToFrame([{ post_year: 2019, category_count: 12345 }], ['post_year', 'category_count']));
  assert.match(html, /<td>2019<\/td><td>12,345<\/td>/);
});
