import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { cleanGeo, cleanGeoRows } from '../../src/batch/clean-geo';
import { cleanPin, cleanPinRows, PIN_PLACEHOLDERS } from '../../src/batch/clean-pin';
import { cleanTables } from '../../src/batch/clean-tables';
import { cleanUser, cleanUserRows } from '../../src/batch/clean-user';
import type { RawGeoRow, RawPinRow, RawUserRow } from '../../src/batch/raw-records';
import { frameValues } from '../../src/batch/write-tables';
import { rowsToFrame } from '../../src/frames';
import { COLUMNS } from '../../src/tables';

function pin(overrides: Partial<RawPinRow> = {}): RawPinRow {
  return {
    index: 7528,
    unique_id: 'fbe53c66-3442-4773-b19e-d3ec6f54dddf',
    title: 'Ideas for a small garden',
    description: 'Ten ideas.',
    poster_name: 'Maya | Home',
    follower_count: '124k',
    tag_list: 'garden,home',
    is_image_or_video: 'image',
    image_src: 'https://i.pinimg.com/originals/x.jpg',
    downloaded: 1,
    save_location: 'Local save in /data/home-decor',
    category: 'home-decor',
    ...overrides,
  };
}

const PIN_ORDER = ['ind', 'unique_id', 'title', 'description', 'follower_count', 'poster_name', 'tag_list', 'is_image_or_video', 'image_src', 'save_location', 'category'];

describe('clean pin', () => {
  test('the golden row: rename, types, save_location and the exact column order', () => {
    const frame = cleanPin([pin()]);
    assert.deepEqual(frame.columns, PIN_ORDER);
    assert.deepEqual(frame.dtypes, ['int32', 'string', 'string', 'string', 'int32', 'string', 'string', 'string', 'string', 'string', 'string']);
    assert.deepEqual(frameValues(frame), [[
      7528, 'fbe53c66-3442-4773-b19e-d3ec6f54dddf', 'Ideas for a small garden', 'Ten ideas.', 124_000, 'Maya | Home',
      'garden,home', 'image', 'https://i.pinimg.com/originals/x.jpg', '/data/home-decor', 'home-decor',
    ]]);
  });

  test('every placeholder becomes null in its column', () => {
    const cases: [keyof typeof PIN_PLACEHOLDERS, string][] = [
      ['title', 'No Title Data Available'], ['title', 'Untitled'],
      ['description', 'No description available Story format'], ['description', 'No description available'],
      ['poster_name', 'User Info Error'], ['follower_count', 'User Info Error'],
      ['tag_list', 'N,o, ,T,a,g,s, ,A,v,a,i,l,a,b,l,e'], ['image_src', 'Image src error.'],
    ];
    for (const [column, placeholder] of cases) {
      const { rows } = cleanPinRows([pin({ [column]: placeholder })]);
      assert.equal(rows[0][column], null, `${column} = ${placeholder}`);
    }
  });

  test('a placeholder of another column is data, not a placeholder', () => {
    const { rows } = cleanPinRows([pin({ title: 'User Info Error', poster_name: 'Untitled' })]);
    assert.equal(rows[0].title, 'User Info Error');
    assert.equal(rows[0].poster_name, 'Untitled');
  });

  test('empty strings become null in every text column', () => {
    const empty = pin({ unique_id: '', title: '', description: '', poster_name: '', follower_count: '', tag_list: '', is_image_or_video: '', image_src: '', save_location: '', category: '' });
    const { rows } = cleanPinRows([empty]);
    for (const column of PIN_ORDER.filter((c) => c !== 'ind')) assert.equal(rows[0][column as keyof typeof rows[0]], null, column);
  });

  test('follower_count: digits, k, M and "User Info Error"', () => {
    const counts = ['0', '532', '124k', '2M', 'User Info Error', '3500M'].map((follower_count, i) => pin({ index: i, unique_id: `u${i}`, follower_count }));
    assert.deepEqual(cleanPinRows(counts).rows.map((r) => r.follower_count), [0, 532, 124_000, 2_000_000, null, 3_500_000_000]);
    const frame = cleanPin(counts);
    assert.equal(frame.column('follower_count').values[5], 3_500_000_000, 'stays exact in the DataFrame (int32 is only a label)');
  });

  test('dedupe by unique_id keeps the first row; rows without unique_id only lose exact copies', () => {
    const result = cleanPinRows([
      pin({ index: 1, unique_id: 'a', title: 'first' }),
      pin({ index: 1, unique_id: 'a', title: 'sent again, edited' }),
      pin({ index: 2, unique_id: 'b' }),
      pin({ index: 3, unique_id: null }),
      pin({ index: 3, unique_id: null }),
      pin({ index: 4, unique_id: '' }),
    ]);
    assert.deepEqual(result.rows.map((r) => [r.ind, r.title]), [[1, 'first'], [2, 'Ideas for a small garden'], [3, 'Ideas for a small garden'], [4, 'Ideas for a small garden']]);
    assert.deepEqual(result.counts, { input: 6, invalid: 0, duplicates: 2, output: 4 });
  });

  test('accepts a raw DataFrame (whose `index` column rowsToFrame named `ind`), and no rows', () => {
    const raw = rowsToFrame([pin(), pin({ index: 2, unique_id: 'other', follower_count: '2M' })], COLUMNS.pin as string[]);
    const frame = cleanPin(raw);
    assert.deepEqual(frame.column('ind').values, [7528, 2]);
    assert.deepEqual(frame.column('follower_count').values, [124_000, 2_000_000]);
    const empty = cleanPin([]);
    assert.deepEqual(empty.shape, [0, 11]);
    assert.deepEqual(empty.columns, PIN_ORDER);
  });

  test('a first value of null does not trouble danfojs', () => {
    const frame = cleanPin([pin({ index: 1, unique_id: 'a', title: 'Untitled', follower_count: 'User Info Error' }), pin({ index: 2, unique_id: 'b' })]);
    assert.deepEqual(frame.column('title').values, [null, 'Ideas for a small garden']);
    assert.deepEqual(frame.column('follower_count').values, [null, 124_000]);
  });
});

function geo(overrides: Partial<RawGeoRow> = {}): RawGeoRow {
  return { ind: 7528, timestamp: '2020-08-28 03:52:47', latitude: -89.9787, longitude: -173.293, country: 'Albania', ...overrides };
}

describe('clean geo', () => {
  test('coordinates = [latitude, longitude], timestamp as text, order ind, country, coordinates, timestamp', () => {
    const frame = cleanGeo([geo()]);
    assert.deepEqual(frame.columns, ['ind', 'country', 'coordinates', 'timestamp']);
    assert.deepEqual(frameValues(frame), [[7528, 'Albania', [-89.9787, -173.293], '2020-08-28 03:52:47']]);
  });

  test('coordinates are null when either part is missing; ISO timestamps are normalised; bad ones are null', () => {
    const { rows } = cleanGeoRows([
      geo({ ind: 1, latitude: null }),
      geo({ ind: 2, longitude: null, timestamp: '2020-08-28T03:52:47Z' }),
      geo({ ind: 3, timestamp: 'not a date', country: '' }),
      geo({ ind: 4, latitude: 0, longitude: 0 }),
    ]);
    assert.deepEqual(rows.map((r) => [r.ind, r.coordinates, r.timestamp, r.country]), [
      [1, null, '2020-08-28 03:52:47', 'Albania'],
      [2, null, '2020-08-28 03:52:47', 'Albania'],
      [3, [-89.9787, -173.293], null, null],
      [4, [0, 0], '2020-08-28 03:52:47', 'Albania'],
    ]);
  });

  test('exact duplicates are dropped (also when they only match after cleaning); others kept', () => {
    const result = cleanGeoRows([geo(), geo(), geo({ timestamp: '2020-08-28T03:52:47' }), geo({ country: 'Algeria' })]);
    assert.deepEqual(result.rows.map((r) => r.country), ['Albania', 'Algeria']);
    assert.deepEqual(result.counts, { input: 4, invalid: 0, duplicates: 2, output: 2 });
  });
});

function user(overrides: Partial<RawUserRow> = {}): RawUserRow {
  return { ind: 7528, first_name: 'Abigail', last_name: 'Ali', age: 20, date_joined: '2015-10-24 11:23:51', ...overrides };
}

describe('clean user', () => {
  test('user_name = first + " " + last, order ind, user_name, age, date_joined', () => {
    const frame = cleanUser([user()]);
    assert.deepEqual(frame.columns, ['ind', 'user_name', 'age', 'date_joined']);
    assert.deepEqual(frame.dtypes, ['int32', 'string', 'int32', 'string']);
    assert.deepEqual(frameValues(frame), [[7528, 'Abigail Ali', 20, '2015-10-24 11:23:51']]);
  });

  test('user_name with a missing part, and date_joined normalised', () => {
    const { rows } = cleanUserRows([
      user({ ind: 1, last_name: null }),
      user({ ind: 2, first_name: '', last_name: 'Ali' }),
      user({ ind: 3, first_name: null, last_name: ' ' }),
      user({ ind: 4, first_name: ' Mary ', last_name: 'Jane ', date_joined: '2016-01-02T03:04:05.000Z', age: null }),
    ]);
    assert.deepEqual(rows.map((r) => [r.ind, r.user_name, r.age, r.date_joined]), [
      [1, 'Abigail', 20, '2015-10-24 11:23:51'],
      [2, 'Ali', 20, '2015-10-24 11:23:51'],
      [3, null, 20, '2015-10-24 11:23:51'],
      [4, 'Mary Jane', null, '2016-01-02 03:04:05'],
    ]);
  });

  test('exact duplicates are dropped', () => {
    const result = cleanUserRows([user(), user(), user({ age: 21 })]);
    assert.deepEqual(result.rows.map((r) => r.age), [20, 21]);
    assert.equal(result.counts.duplicates, 1);
  });
});

describe('cleanTables', () => {
  test('cleans the three tables and counts what happened', () => {
    const result = cleanTables({ pin: [pin(), pin()], geo: [geo()], user: [user(), user({ ind: 2 })] });
    assert.deepEqual(result.frames.pin.shape, [1, 11]);
    assert.deepEqual(result.frames.geo.shape, [1, 4]);
    assert.deepEqual(result.frames.user.shape, [2, 4]);
    assert.deepEqual(result.counts.pin, { input: 2, invalid: 0, duplicates: 1, output: 1 });
  });
});
