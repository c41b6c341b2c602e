/**
 * Golden tests of every cleaning rule (PIPELINE_SPEC.md §5), run against the one definition: the
 * shared cleaning SQL in src/cleaning/, in DuckDB.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { openDatabase, queryFrame, queryRows } from '../../src/duckdb';
import { cleanColumns, cleanDtypes, SQL_TABLES } from '../../src/contract/clean-schema';
import type { RawGeoRow, RawPinRow, RawTables, RawUserRow } from '../../src/contract/raw-records';
import { cleaningSql, cleaningSqlTemplate, expandPlaceholders } from '../../src/cleaning/cleaning-sql';
import { cleanRawTable, loadRawTables, type CleanCounts } from '../../src/cleaning/duckdb-cleaning';
import { COLUMN_PLACEHOLDERS, PLACEHOLDERS } from '../../src/contract/known-values';
import { TABLES, type TableKey } from '../../src/contract/tables';
import { dirtyRawRecords } from './dirty-rows';

/** Cleans raw rows with the shared SQL; returns each cleaned table ordered by ind, and the counts. */
async function clean(
  raw: Partial<RawTables>,
): Promise<{ rows: Record<TableKey, Record<string, unknown>[]>; counts: Record<TableKey, CleanCounts> }> {
  const db = await openDatabase();
  try {
    await loadRawTables(db.connection, { pin: [], geo: [], user: [], ...raw });
    const rows = {} as Record<TableKey, Record<string, unknown>[]>;
    const counts = {} as Record<TableKey, CleanCounts>;
    for (const table of TABLES) {
      counts[table] = await cleanRawTable(db.connection, table);
      rows[table] = await queryRows(
        db.connection,
        `SELECT * FROM ${SQL_TABLES[table]} ORDER BY ind, ${cleanColumns(table).slice(1).join(', ')}`,
      );
    }
    return { rows, counts };
  } finally {
    db.close();
  }
}

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

const PIN_ORDER = [
  'ind',
  'unique_id',
  'title',
  'description',
  'follower_count',
  'poster_name',
  'tag_list',
  'is_image_or_video',
  'image_src',
  'save_location',
  'category',
];

describe('the cleaning SQL is the one definition of the rules', () => {
  test('each placeholder string is written once, in src/contract/known-values.ts, and expanded into the SQL', () => {
    const template = cleaningSqlTemplate('pin');
    for (const placeholder of Object.values(PLACEHOLDERS))
      assert.ok(!template.includes(placeholder), `${placeholder} is not spelt out in clean-pin.sql`);
    for (const [column, values] of Object.entries(COLUMN_PLACEHOLDERS)) {
      if (column === 'follower_count') continue; // not a pattern of digits, k or M: NULL without a list
      assert.ok(template.includes(`{{placeholders.${column}}}`), `clean-pin.sql lists ${column}'s placeholders`);
      for (const value of values)
        assert.ok(cleaningSql('pin').includes(`'${value.replace(/'/g, "''")}'`), `${value} in the expanded SQL`);
    }
    assert.throws(() => expandPlaceholders('{{placeholders.nope}}'), /no such column/);
  });
});

describe('clean pin', () => {
  test('the golden row: rename, types, save_location and the exact column order', async () => {
    const { rows } = await clean({ pin: [pin()] });
    assert.deepEqual(Object.keys(rows.pin[0]), PIN_ORDER);
    assert.deepEqual(rows.pin, [
      {
        ind: 7528,
        unique_id: 'fbe53c66-3442-4773-b19e-d3ec6f54dddf',
        title: 'Ideas for a small garden',
        description: 'Ten ideas.',
        follower_count: 124_000,
        poster_name: 'Maya | Home',
        tag_list: 'garden,home',
        is_image_or_video: 'image',
        image_src: 'https://i.pinimg.com/originals/x.jpg',
        save_location: '/data/home-decor',
        category: 'home-decor',
      },
    ]);
  });

  test('every placeholder becomes null in its column', async () => {
    const cases = Object.entries(COLUMN_PLACEHOLDERS).flatMap(([column, values]) =>
      values.map((value) => [column, value] as const),
    );
    assert.equal(cases.length, 8);
    const { rows } = await clean({
      pin: cases.map(([column, value], i) => pin({ index: i, unique_id: `u${i}`, [column]: value })),
    });
    cases.forEach(([column, value], i) => assert.equal(rows.pin[i][column], null, `${column} = ${value}`));
  });

  test('a placeholder of another column is data: "Untitled" is a title, "User Info Error" a title', async () => {
    const { rows } = await clean({
      pin: [
        pin({ title: PLACEHOLDERS.untitled, poster_name: PLACEHOLDERS.untitled, description: PLACEHOLDERS.noTitle }),
      ],
    });
    assert.equal(rows.pin[0].title, 'Untitled');
    assert.equal(rows.pin[0].poster_name, 'Untitled');
    assert.equal(rows.pin[0].description, 'No Title Data Available');
    const second = await clean({
      pin: [pin({ title: PLACEHOLDERS.userInfoError, description: PLACEHOLDERS.untitled })],
    });
    assert.equal(second.rows.pin[0].title, 'User Info Error');
    assert.equal(second.rows.pin[0].description, null, '"Untitled" is a placeholder of description');
  });

  test('empty strings (and white space) become null in every text column', async () => {
    const empty = pin({
      unique_id: '',
      title: '',
      description: '  ',
      poster_name: '',
      follower_count: '',
      tag_list: '',
      is_image_or_video: '',
      image_src: '',
      save_location: '',
      category: '',
    });
    const { rows } = await clean({ pin: [empty] });
    for (const column of PIN_ORDER.filter((c) => c !== 'ind')) assert.equal(rows.pin[0][column], null, column);
  });

  test('white space around a placeholder or alone makes it null in every text column; other values keep theirs', async () => {
    const padded = (text: string, i: number) => [` ${text}`, `${text}  `, `  ${text} `, `\u00a0${text}`][i % 4];
    const cases = Object.entries(COLUMN_PLACEHOLDERS).flatMap(([column, values]) =>
      values.map((value) => [column, value] as const),
    );
    const blanks = ['unique_id', 'is_image_or_video', 'category'].flatMap(
      (column) =>
        [
          [column, ' '],
          [column, '   '],
          [column, '\u00a0'],
        ] as const,
    );
    const { rows } = await clean({
      pin: [...cases, ...blanks].map(([column, value], i) =>
        pin({
          index: i,
          ...(column === 'unique_id' ? {} : { unique_id: `u${i}` }),
          [column]: blanks.some((b) => b[1] === value) ? value : padded(value, i),
        }),
      ),
    });
    [...cases, ...blanks].forEach(([column, value], i) =>
      assert.equal(rows.pin[i][column], null, `${column} = ${JSON.stringify(value)} padded`),
    );
    const kept = await clean({
      pin: [
        pin({
          title: 'Untitled ',
          description: ' A story about No description available',
          poster_name: 'Ann ',
          tag_list: ' art',
          category: 'art ',
          image_src: 'Image src error. (retry)',
        }),
      ],
    });
    assert.deepEqual(
      ['title', 'description', 'poster_name', 'tag_list', 'category', 'image_src'].map((c) => kept.rows.pin[0][c]),
      ['Untitled ', ' A story about No description available', 'Ann ', ' art', 'art ', 'Image src error. (retry)'],
      'values kept as they are, spaces included',
    );
  });

  test('follower_count: digits, k, M (either case, decimals, thousands separators) and anything else null', async () => {
    const texts = [
      '0',
      '532',
      '124k',
      '2M',
      'User Info Error',
      '3500M',
      '1.5k',
      ' 12k ',
      '1,234',
      '2.25M',
      '3m',
      'lots',
      '12,34',
      '-5',
      '1e3',
    ];
    const { rows } = await clean({
      pin: texts.map((follower_count, i) => pin({ index: i, unique_id: `u${i}`, follower_count })),
    });
    assert.deepEqual(
      rows.pin.map((r) => r.follower_count),
      [
        0,
        532,
        124_000,
        2_000_000,
        null,
        3_500_000_000,
        1500,
        12_000,
        1234,
        2_250_000,
        3_000_000,
        null,
        null,
        null,
        null,
      ],
    );
  });

  test('save_location: the path only, the prefix in any case; a bare path kept; empty null', async () => {
    const locations = [
      'Local save in /data/finance',
      'Local save in  /data/finance ',
      'local SAVE in /data/travel',
      '/data/already-a-path',
      '',
    ];
    const { rows } = await clean({
      pin: locations.map((save_location, i) => pin({ index: i, unique_id: `u${i}`, save_location })),
    });
    assert.deepEqual(
      rows.pin.map((r) => r.save_location),
      ['/data/finance', '/data/finance', '/data/travel', '/data/already-a-path', null],
    );
  });

  test('a repeated unique_id keeps the row with the smallest ind; rows without unique_id only lose exact copies', async () => {
    const { rows, counts } = await clean({
      pin: [
        pin({ index: 5, unique_id: 'a', title: 'sent later, larger ind' }),
        pin({ index: 1, unique_id: 'a', title: 'smallest ind' }),
        pin({ index: 2, unique_id: 'b' }),
        pin({ index: 3, unique_id: null }),
        pin({ index: 3, unique_id: null }),
        pin({ index: 3, unique_id: null, title: 'another row without an id' }),
        pin({ index: 4, unique_id: '' }),
      ],
    });
    assert.deepEqual(
      rows.pin.map((r) => [r.ind, r.unique_id, r.title]),
      [
        [1, 'a', 'smallest ind'],
        [2, 'b', 'Ideas for a small garden'],
        [3, null, 'Ideas for a small garden'],
        [3, null, 'another row without an id'],
        [4, null, 'Ideas for a small garden'],
      ],
    );
    assert.deepEqual(counts.pin, { input: 7, invalid: 0, duplicates: 2, output: 5 });
  });

  test('copies are found however their unique_id is spelt: blank or missing alike; a row without a usable id is no copy', async () => {
    const { rows, counts } = await clean({
      pin: [
        pin({ index: 7, unique_id: null }),
        pin({ index: 7, unique_id: '' }),
        pin({ index: 7, unique_id: '   ' }),
        pin({ index: 8, unique_id: ' c' }),
        pin({ index: 9, unique_id: 'c' }),
        pin({ index: 6, unique_id: 'c' }),
        pin({ index: 2_147_483_648, unique_id: 'd' }),
        pin({ index: 10, unique_id: 'd' }),
      ],
    });
    assert.deepEqual(
      rows.pin.map((r) => [r.ind, r.unique_id]),
      [
        [6, 'c'],
        [7, null],
        [8, ' c'],
        [10, 'd'],
      ],
    );
    assert.deepEqual(counts.pin, { input: 8, invalid: 1, duplicates: 3, output: 4 });
  });

  test('a row without a usable id is dropped and counted invalid', async () => {
    const { rows, counts } = await clean({ pin: [pin(), pin({ index: 2_147_483_648, unique_id: 'too big for INT' })] });
    assert.equal(rows.pin.length, 1);
    assert.deepEqual(counts.pin, { input: 2, invalid: 1, duplicates: 0, output: 1 });
  });

  test('a DataFrame of the cleaned table keeps its dtypes, a first value of null included', async () => {
    const db = await openDatabase();
    try {
      await loadRawTables(db.connection, {
        pin: [
          pin({
            index: 1,
            unique_id: 'a',
            description: PLACEHOLDERS.untitled,
            follower_count: PLACEHOLDERS.userInfoError,
          }),
          pin({ index: 2, unique_id: 'b', follower_count: '3500M' }),
        ],
        geo: [],
        user: [],
      });
      await cleanRawTable(db.connection, 'pin');
      const frame = await queryFrame(db.connection, `SELECT * FROM pin_clean ORDER BY ind`, cleanDtypes('pin'));
      assert.deepEqual(frame.columns, PIN_ORDER);
      assert.deepEqual(frame.dtypes, [
        'int32',
        'string',
        'string',
        'string',
        'int32',
        'string',
        'string',
        'string',
        'string',
        'string',
        'string',
      ]);
      assert.deepEqual(frame.column('description').values, [null, 'Ten ideas.']);
      assert.deepEqual(
        frame.column('follower_count').values,
        [null, 3_500_000_000],
        'stays exact in the DataFrame (int32 is only a label)',
      );
    } finally {
      db.close();
    }
  });
});

function geo(overrides: Partial<RawGeoRow> = {}): RawGeoRow {
  return {
    ind: 7528,
    timestamp: '2020-08-28 03:52:47',
    latitude: -89.9787,
    longitude: -173.293,
    country: 'Albania',
    ...overrides,
  };
}

describe('clean geo', () => {
  test('coordinates = [latitude, longitude], timestamp a TIMESTAMP, order ind, country, coordinates, timestamp', async () => {
    const { rows } = await clean({ geo: [geo()] });
    assert.deepEqual(Object.keys(rows.geo[0]), ['ind', 'country', 'coordinates', 'timestamp']);
    assert.deepEqual(rows.geo, [
      { ind: 7528, country: 'Albania', coordinates: [-89.9787, -173.293], timestamp: '2020-08-28 03:52:47' },
    ]);
  });

  test('coordinates are null when either part is missing; ISO timestamps read, fractions cut; impossible dates null', async () => {
    const { rows } = await clean({
      geo: [
        geo({ ind: 1, latitude: null }),
        geo({ ind: 2, longitude: null, timestamp: '2020-08-28T03:52:47' }),
        geo({ ind: 3, timestamp: 'not a date', country: '' }),
        geo({ ind: 4, latitude: 0, longitude: 0, timestamp: '2020-05-05 10:11:12.75' }),
        geo({ ind: 5, timestamp: '2021-02-30 00:00:00' }),
        geo({ ind: 6, timestamp: '2020-05-05' }),
      ],
    });
    assert.deepEqual(
      rows.geo.map((r) => [r.ind, r.coordinates, r.timestamp, r.country]),
      [
        [1, null, '2020-08-28 03:52:47', 'Albania'],
        [2, null, '2020-08-28 03:52:47', 'Albania'],
        [3, [-89.9787, -173.293], null, null],
        [4, [0, 0], '2020-05-05 10:11:12', 'Albania'],
        [5, [-89.9787, -173.293], null, 'Albania'],
        [6, [-89.9787, -173.293], '2020-05-05 00:00:00', 'Albania'],
      ],
    );
  });

  test('exact duplicates are dropped (also when they only match after cleaning); others kept', async () => {
    const { rows, counts } = await clean({
      geo: [geo(), geo(), geo({ timestamp: '2020-08-28T03:52:47' }), geo({ country: 'Algeria' })],
    });
    assert.deepEqual(
      rows.geo.map((r) => r.country),
      ['Albania', 'Algeria'],
    );
    assert.deepEqual(counts.geo, { input: 4, invalid: 0, duplicates: 2, output: 2 });
  });
});

function user(overrides: Partial<RawUserRow> = {}): RawUserRow {
  return {
    ind: 7528,
    first_name: 'Abigail',
    last_name: 'Ali',
    age: 20,
    date_joined: '2015-10-24 11:23:51',
    ...overrides,
  };
}

describe('clean user', () => {
  test('user_name = first + " " + last, order ind, user_name, age, date_joined', async () => {
    const { rows } = await clean({ user: [user()] });
    assert.deepEqual(rows.user, [{ ind: 7528, user_name: 'Abigail Ali', age: 20, date_joined: '2015-10-24 11:23:51' }]);
  });

  test('user_name with a missing part, and date_joined read', async () => {
    const { rows } = await clean({
      user: [
        user({ ind: 1, last_name: null }),
        user({ ind: 2, first_name: '', last_name: 'Ali' }),
        user({ ind: 3, first_name: null, last_name: ' ' }),
        user({ ind: 4, first_name: ' Mary ', last_name: 'Jane ', date_joined: '2016-01-02T03:04:05', age: null }),
        user({ ind: 5, date_joined: '2016-13-01 00:00:00' }),
      ],
    });
    assert.deepEqual(
      rows.user.map((r) => [r.ind, r.user_name, r.age, r.date_joined]),
      [
        [1, 'Abigail', 20, '2015-10-24 11:23:51'],
        [2, 'Ali', 20, '2015-10-24 11:23:51'],
        [3, null, 20, '2015-10-24 11:23:51'],
        [4, 'Mary Jane', null, '2016-01-02 03:04:05'],
        [5, 'Abigail Ali', 20, null],
      ],
    );
  });

  test('exact duplicates are dropped', async () => {
    const { rows, counts } = await clean({ user: [user(), user(), user({ age: 21 })] });
    assert.deepEqual(
      rows.user.map((r) => r.age),
      [20, 21],
    );
    assert.equal(counts.user.duplicates, 1);
  });
});

describe('the dirty-rows corpus', () => {
  test('cleans with every count reconciled, and the rules visible in the result', async () => {
    const raw = dirtyRawRecords();
    const { rows, counts } = await clean(raw);
    for (const table of TABLES) {
      const c = counts[table];
      assert.equal(c.input, raw[table].length, table);
      assert.equal(c.input, c.invalid + c.duplicates + c.output, table);
      assert.equal(rows[table].length, c.output, table);
    }
    assert.equal(
      counts.pin.duplicates,
      57 + 1,
      'every 7th post sent twice, and the exact repeat of a row without an id',
    );
    const odd = rows.pin.filter((r) => Number(r.ind) >= 100_000);
    assert.deepEqual(
      odd.slice(0, 5).map((r) => r.follower_count),
      [1500, 12000, 1234, 2250000, null],
    );
    assert.equal(
      odd.filter((r) => r.unique_id === null).length,
      3,
      "'' and two different null-id rows; the exact repeat dropped",
    );
    const untitled = odd.find((r) => r.ind === 100_009) as Record<string, unknown>;
    assert.deepEqual([untitled.title, untitled.description], ['Untitled', null]);
  });
});
