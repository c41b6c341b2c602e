import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { answerQuestion, answerQuestions, type Answer } from '../../src/analysis/analyse';
import { openDatabase, queryRows, type Database } from '../../src/duckdb';
import { findQuestion, QUESTIONS } from '../../src/analysis/questions';
import type { CleanGeoRow, CleanPinRow, CleanUserRow } from '../../src/contract/clean-schema';
import { loadCleanRows } from '../support/clean-rows';

interface Post {
  ind: number;
  country?: string;
  ts?: string;
  category: string;
  followers: number | null;
  poster: string | null;
  age?: number;
  joined?: string;
}

/**
 * The golden dataset: ties (A's categories, A's top users, the 2020 and 2021 leaders, Q3b's
 * three countries), groups of one row (B, E, +50), even-sized medians (18-24: 100 and 300 → 100;
 * 36-50: 50, 700, 1000, 1000 → 700), rows outside the year bounds (posts of 2017 and 2023, users
 * who joined in 2014 and 2021), an age outside every group (17), an unknown follower count, a post
 * with no location or user, a country with no posts (C) and a user with no posts.
 */
const POSTS: Post[] = [
  {
    ind: 1,
    country: 'A',
    ts: '2018-01-01 00:00:00',
    category: 'art',
    followers: 100,
    poster: 'ann',
    age: 18,
    joined: '2015-01-01 00:00:00',
  },
  {
    ind: 2,
    country: 'A',
    ts: '2018-06-01 00:00:00',
    category: 'art',
    followers: 300,
    poster: 'bob',
    age: 24,
    joined: '2015-06-01 00:00:00',
  },
  {
    ind: 3,
    country: 'A',
    ts: '2019-01-01 00:00:00',
    category: 'beauty',
    followers: 300,
    poster: 'cat',
    age: 25,
    joined: '2016-01-01 00:00:00',
  },
  {
    ind: 4,
    country: 'A',
    ts: '2019-02-01 00:00:00',
    category: 'beauty',
    followers: null,
    poster: null,
    age: 35,
    joined: '2016-02-01 00:00:00',
  },
  {
    ind: 5,
    country: 'A',
    ts: '2022-12-31 23:59:59',
    category: 'travel',
    followers: 50,
    poster: 'ann',
    age: 36,
    joined: '2020-12-31 23:59:59',
  },
  {
    ind: 6,
    country: 'B',
    ts: '2017-12-31 23:59:59',
    category: 'travel',
    followers: 1000,
    poster: 'dan',
    age: 50,
    joined: '2014-12-31 23:59:59',
  },
  {
    ind: 7,
    country: 'D',
    ts: '2023-01-01 00:00:00',
    category: 'art',
    followers: 1000,
    poster: 'eve',
    age: 51,
    joined: '2021-01-01 00:00:00',
  },
  {
    ind: 8,
    country: 'D',
    ts: '2020-05-05 00:00:00',
    category: 'art',
    followers: 20,
    poster: 'fay',
    age: 17,
    joined: '2017-03-03 00:00:00',
  },
  { ind: 9, category: 'quotes', followers: 5000, poster: 'zed' },
  {
    ind: 10,
    country: 'E',
    ts: '2020-07-07 00:00:00',
    category: 'vehicles',
    followers: 10,
    poster: 'gus',
    age: 30,
    joined: '2018-01-01 00:00:00',
  },
  {
    ind: 11,
    country: 'F',
    ts: '2021-01-01 00:00:00',
    category: 'travel',
    followers: 700,
    poster: 'hal',
    age: 40,
    joined: '2016-06-06 00:00:00',
  },
  {
    ind: 12,
    country: 'F',
    ts: '2021-02-02 00:00:00',
    category: 'art',
    followers: 1000,
    poster: 'ian',
    age: 45,
    joined: '2016-07-07 00:00:00',
  },
];

function goldenRows() {
  const pins: CleanPinRow[] = POSTS.map((p) => ({
    ind: p.ind,
    unique_id: `u-${p.ind}`,
    title: null,
    description: null,
    follower_count: p.followers,
    poster_name: p.poster,
    tag_list: null,
    is_image_or_video: 'image',
    image_src: null,
    save_location: `/data/${p.category}`,
    category: p.category,
  }));
  const geos: CleanGeoRow[] = POSTS.filter((p) => p.country).map((p) => ({
    ind: p.ind,
    country: p.country as string,
    coordinates: [1, 2],
    timestamp: p.ts as string,
  }));
  geos.push({ ind: 100, country: 'C', coordinates: [3, 4], timestamp: '2020-01-01 00:00:00' });
  const users: CleanUserRow[] = POSTS.filter((p) => p.age !== undefined).map((p) => ({
    ind: p.ind,
    user_name: `user ${p.ind}`,
    age: p.age as number,
    date_joined: p.joined as string,
  }));
  users.push({ ind: 101, user_name: 'no posts', age: 40, date_joined: '2019-01-01 00:00:00' });
  return { pin: pins, geo: geos, user: users };
}

describe('the nine questions on a golden dataset', () => {
  let answers: Map<string, Answer>;
  before(async () => {
    const db = await openDatabase();
    try {
      await loadCleanRows(db.connection, goldenRows());
      answers = new Map((await answerQuestions(db.connection)).map((a) => [a.question.id, a]));
    } finally {
      db.close();
    }
  });

  const values = (id: string) => {
    const answer = answers.get(id) as Answer;
    assert.deepEqual(answer.frame.columns, answer.question.columns, `${id} has the columns of PIPELINE_SPEC.md §6`);
    return answer.rows.map((row) => answer.question.columns.map((c) => row[c]));
  };

  test('every question is answered, in order, with its SQL', () => {
    assert.deepEqual([...answers.keys()], ['q1', 'q2', 'q3a', 'q3b', 'q4', 'q5', 'q6', 'q7', 'q8']);
    for (const answer of answers.values()) assert.match(answer.sql, /SELECT/);
  });

  test('Q1: ties kept, groups of one row, no row for a country without posts', () => {
    assert.deepEqual(values('q1'), [
      ['A', 'art', 2],
      ['A', 'beauty', 2],
      ['B', 'travel', 1],
      ['D', 'art', 2],
      ['E', 'vehicles', 1],
      ['F', 'art', 1],
      ['F', 'travel', 1],
    ]);
  });

  test('Q2: only 2018-2022 (posts of 2017 and 2023 left out), ties kept', () => {
    assert.deepEqual(values('q2'), [
      [2018, 'art', 2],
      [2019, 'beauty', 2],
      [2020, 'art', 1],
      [2020, 'vehicles', 1],
      [2021, 'art', 1],
      [2021, 'travel', 1],
      [2022, 'travel', 1],
    ]);
  });

  test('Q3a: a poster counts once per country (largest count), unknown counts left out, ties kept', () => {
    assert.deepEqual(values('q3a'), [
      ['A', 'bob', 300],
      ['A', 'cat', 300],
      ['B', 'dan', 1000],
      ['D', 'eve', 1000],
      ['E', 'gus', 10],
      ['F', 'ian', 1000],
    ]);
  });

  test('Q3b: the countries whose top user has the most followers, ties kept', () => {
    assert.deepEqual(values('q3b'), [
      ['B', 1000],
      ['D', 1000],
      ['F', 1000],
    ]);
  });

  test('Q4: inclusive age bounds (18, 24 | 25, 35 | 36, 50 | 51), age 17 in no group, groups in reading order', () => {
    assert.deepEqual(values('q4'), [
      ['18-24', 'art', 2],
      ['25-35', 'beauty', 2],
      ['36-50', 'travel', 3],
      ['+50', 'art', 1],
    ]);
  });

  test('Q5: the median is the lower middle value of an even count', () => {
    assert.deepEqual(values('q5'), [
      ['18-24', 100],
      ['25-35', 10],
      ['36-50', 700],
      ['+50', 1000],
    ]);
  });

  test('Q6: users who joined in 2015-2020 (2014 and 2021 left out; 2020-12-31 23:59:59 counted)', () => {
    assert.deepEqual(values('q6'), [
      [2015, 2],
      [2016, 4],
      [2017, 1],
      [2018, 1],
      [2019, 1],
      [2020, 1],
    ]);
  });

  test('Q7: medians by joining year, odd and even groups', () => {
    assert.deepEqual(values('q7'), [
      [2015, 100],
      [2016, 700],
      [2017, 20],
      [2018, 10],
      [2020, 50],
    ]);
  });

  test('Q8: medians by age group and joining year', () => {
    assert.deepEqual(values('q8'), [
      ['18-24', 2015, 100],
      ['25-35', 2016, 300],
      ['25-35', 2018, 10],
      ['36-50', 2016, 700],
      ['36-50', 2020, 50],
    ]);
  });

  test('answers are DataFrames with whole numbers as int32', () => {
    const q8 = answers.get('q8') as Answer;
    assert.deepEqual(q8.frame.dtypes, ['string', 'int32', 'int32']);
    assert.deepEqual(q8.frame.shape, [5, 3]);
  });
});

describe('edge cases of the analysis', () => {
  let db: Database;
  before(async () => {
    db = await openDatabase();
  });
  after(() => db.close());

  test('the median rule: PERCENTILE_DISC(0.5) returns an element, the lower middle for even counts', async () => {
    const median = async (values: number[]) => {
      const rows = await queryRows(
        db.connection,
        `SELECT CAST(PERCENTILE_DISC(0.5) WITHIN GROUP (ORDER BY x) AS BIGINT) AS m FROM (VALUES ${values.map((v) => `(${v})`).join(', ')}) AS t(x)`,
      );
      return rows[0].m;
    };
    assert.equal(await median([10, 20, 30, 40]), 20);
    assert.equal(await median([40, 10, 30]), 30);
    assert.equal(await median([7]), 7);
    assert.equal(await median([5_000_000_000, 1, 3, 6_000_000_000]), 3, 'counts beyond 32 bits stay exact');
  });

  test('empty cleaned tables give empty answers with the right columns', async () => {
    await loadCleanRows(db.connection, { pin: [], geo: [], user: [] });
    for (const question of QUESTIONS) {
      const answer = await answerQuestion(db.connection, question);
      assert.deepEqual([answer.frame.shape[0], answer.frame.columns], [0, question.columns], question.id);
    }
    assert.throws(() => findQuestion('q9'), /no question q9/);
  });
});
