import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import {
  dropDuplicates, emptyToNull, normaliseTimestamp, parseFollowerCount, placeholderToNull, savePath, toInteger, toNumber,
} from '../../src/batch/clean-values';

describe('value rules of the cleaning', () => {
  test('empty strings and white space become null; other text is kept as is', () => {
    assert.equal(emptyToNull(''), null);
    assert.equal(emptyToNull('   '), null);
    assert.equal(emptyToNull(null), null);
    assert.equal(emptyToNull(' kept '), ' kept ');
  });

  test('placeholders become null only when they are the whole value', () => {
    assert.equal(placeholderToNull('Untitled', ['Untitled']), null);
    assert.equal(placeholderToNull(' Untitled ', ['Untitled']), null);
    assert.equal(placeholderToNull('Untitled ideas', ['Untitled']), 'Untitled ideas');
    assert.equal(placeholderToNull('', ['Untitled']), null);
  });

  test('follower_count: digits, k, M, and everything else null', () => {
    assert.equal(parseFollowerCount('0'), 0);
    assert.equal(parseFollowerCount('532'), 532);
    assert.equal(parseFollowerCount('1,234'), 1234);
    assert.equal(parseFollowerCount('124k'), 124_000);
    assert.equal(parseFollowerCount('124K'), 124_000);
    assert.equal(parseFollowerCount('1.5k'), 1_500);
    assert.equal(parseFollowerCount('2M'), 2_000_000);
    assert.equal(parseFollowerCount('1.2M'), 1_200_000);
    assert.equal(parseFollowerCount('4500M'), 4_500_000_000, 'beyond int32 and float32 precision, still exact');
    assert.equal(parseFollowerCount(750), 750);
    for (const bad of ['User Info Error', '', 'k', '12x', '-5', '1.2.3k', null]) assert.equal(parseFollowerCount(bad), null, String(bad));
  });

  test('save_location keeps the path only', () => {
    assert.equal(savePath('Local save in /data/finance'), '/data/finance');
    assert.equal(savePath('Local save in /data/mens-fashion'), '/data/mens-fashion');
    assert.equal(savePath('/data/art'), '/data/art', 'already a path');
    assert.equal(savePath('Local save in '), null);
    assert.equal(savePath(''), null);
  });

  test('timestamps become "YYYY-MM-DD HH:MM:SS" in UTC, or null', () => {
    assert.equal(normaliseTimestamp('2020-08-28 03:52:47'), '2020-08-28 03:52:47');
    assert.equal(normaliseTimestamp('2020-08-28T03:52:47'), '2020-08-28 03:52:47');
    assert.equal(normaliseTimestamp('2020-08-28T03:52:47.123Z'), '2020-08-28 03:52:47');
    assert.equal(normaliseTimestamp('2020-08-28T05:52:47+02:00'), '2020-08-28 03:52:47');
    assert.equal(normaliseTimestamp('2020-01-01T00:30:00-0100'), '2020-01-01 01:30:00');
    assert.equal(normaliseTimestamp('2020-08-28'), '2020-08-28 00:00:00');
    for (const bad of ['2021-02-30 00:00:00', '2020-13-01 00:00:00', '2020-01-01 24:00:00', 'yesterday', '', null]) assert.equal(normaliseTimestamp(bad), null, String(bad));
  });

  test('numbers', () => {
    assert.equal(toInteger('42'), 42);
    assert.equal(toInteger(42), 42);
    assert.equal(toInteger(4.2), null);
    assert.equal(toInteger('x'), null);
    assert.equal(toNumber('-12.5'), -12.5);
    assert.equal(toNumber(''), null);
    assert.equal(toNumber('north'), null);
  });

  test('dropDuplicates keeps the first row of each key and every row without a key', () => {
    const rows = [{ k: 'a', n: 1 }, { k: 'b', n: 2 }, { k: 'a', n: 3 }, { k: undefined, n: 4 }, { k: undefined, n: 5 }];
    const result = dropDuplicates(rows, (row) => row.k);
    assert.deepEqual(result.rows.map((r) => r.n), [1, 2, 4, 5]);
    assert.equal(result.dropped, 1);
  });
});
