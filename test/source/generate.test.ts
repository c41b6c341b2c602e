import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { describe, it } from 'node:test';
import { PipelineError } from '../../src/errors';
import { COLUMNS, TABLES, type Post } from '../../src/contract/tables';
import { COUNTRIES } from '../../src/source/countries';
import {
  AGE_RANGE,
  DEFAULT_ROWS,
  DEFAULT_SEED,
  FOLLOWER_FORMAT_SHARES,
  generatePost,
  generatePosts,
  idAt,
  JOIN_YEARS,
  MEDIA_TYPE_SHARES,
  PLACEHOLDER_RATES,
  POST_YEARS,
} from '../../src/source/generate';
import { CATEGORIES, COLUMN_PLACEHOLDERS, PLACEHOLDERS } from '../../src/contract/known-values';

function serialise(posts: Iterable<Post>): string {
  let text = '';
  for (const post of posts) text += `${JSON.stringify(post)}\n`;
  return text;
}

const sha = (text: string) => createHash('sha256').update(text).digest('hex');

/** The course-sized dataset every proportion below is measured on. */
const course = [...generatePosts({ rows: DEFAULT_ROWS, seed: DEFAULT_SEED })];
const share = (predicate: (post: Post) => boolean) => course.filter(predicate).length / course.length;

describe('generator: determinism and random access', () => {
  it('uses the configured defaults: seed 42, 11,153 posts', () => {
    assert.equal(DEFAULT_SEED, 42);
    assert.equal(DEFAULT_ROWS, 11_153);
    assert.equal(course.length, 11_153);
  });

  it('makes byte-identical output for the same seed, different output for another', () => {
    const first = serialise(generatePosts({ rows: 2_000, seed: 42 }));
    const second = serialise(generatePosts({ rows: 2_000, seed: 42 }));
    const other = serialise(generatePosts({ rows: 2_000, seed: 43 }));
    assert.equal(sha(first), sha(second));
    assert.notEqual(sha(first), sha(other));
    const same = [...generatePosts({ rows: 200, seed: 43 })].filter(
      (post, i) => post.pin.unique_id === course[i].pin.unique_id,
    );
    assert.equal(same.length, 0, 'another seed gives different posts, not a shuffle of the same ones');
  });

  it('computes any post from (seed, position) alone, equal to the sequential one', () => {
    const sequential = [...generatePosts({ rows: 2_000, seed: 7 })];
    for (const position of [1_999, 0, 1_024, 31, 32, 33, 500, 1_500]) {
      assert.deepEqual(generatePost(7, position), sequential[position], `position ${position}`);
    }
    assert.deepEqual(generatePost(7, 999_999), generatePost(7, 999_999));
    assert.deepEqual([...generatePosts({ rows: 10, seed: 7, from: 5 })], sequential.slice(5, 10));
  });

  it('keeps the column order of the spec in every row', () => {
    const post = generatePost(42, 3);
    for (const table of TABLES) assert.deepEqual(Object.keys(post[table]), COLUMNS[table]);
  });

  it('rejects a seed or position that is not a whole number', () => {
    assert.throws(() => generatePost(1.5, 0), PipelineError);
    assert.throws(() => generatePost(42, -1), PipelineError);
    assert.throws(() => [...generatePosts({ rows: -1, seed: 42 })], PipelineError);
  });
});

describe('generator: ids', () => {
  it('gives each post one id shared by its three rows, unique and strictly increasing', () => {
    let previous = -1;
    for (const post of course) {
      assert.equal(post.geo.ind, post.pin.index);
      assert.equal(post.user.ind, post.pin.index);
      assert.ok(post.pin.index > previous, `id ${post.pin.index} after ${previous}`);
      previous = post.pin.index;
    }
  });

  it("runs the ids from 0 with no gaps, so the course client's LIMIT k, 1 reads the post whose id is k", () => {
    course.forEach((post, position) => assert.equal(post.pin.index, position));
    assert.equal(idAt(42, 11_000), 11_000);
    assert.equal(generatePost(7, 123_456).user.ind, 123_456);
  });

  it('makes "Untitled" a description, never a title, as in the real rows', () => {
    assert.ok(course.some((post) => post.pin.description === PLACEHOLDERS.untitled));
    assert.ok(!course.some((post) => post.pin.title === PLACEHOLDERS.untitled));
    assert.ok((COLUMN_PLACEHOLDERS.description as readonly string[]).includes(PLACEHOLDERS.untitled));
  });

  it('makes version-4 uuids, all different', () => {
    const ids = new Set(course.map((post) => post.pin.unique_id));
    assert.equal(ids.size, course.length);
    for (const id of [...ids].slice(0, 500))
      assert.match(id, /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
  });
});

describe('generator: the dirty-value mix over 11,153 posts', () => {
  it('writes follower_count as digits, k, M and "User Info Error" at 17/74/7/2 % (±2 points)', () => {
    const observed = {
      digits: share((p) => /^\d+$/.test(p.pin.follower_count)),
      thousands: share((p) => /^[1-9]\d*k$/.test(p.pin.follower_count)),
      millions: share((p) => /^[1-9]\d*M$/.test(p.pin.follower_count)),
      userInfoError: share((p) => p.pin.follower_count === PLACEHOLDERS.userInfoError),
    };
    const total = observed.digits + observed.thousands + observed.millions + observed.userInfoError;
    assert.ok(Math.abs(total - 1) < 1e-9, 'no other format');
    assert.deepEqual(FOLLOWER_FORMAT_SHARES, { digits: 0.17, thousands: 0.74, millions: 0.07, userInfoError: 0.02 });
    for (const [format, expected] of Object.entries(FOLLOWER_FORMAT_SHARES)) {
      const actual = observed[format as keyof typeof observed];
      assert.ok(
        Math.abs(actual - expected) <= 0.02,
        `${format}: ${(actual * 100).toFixed(1)} % vs ${expected * 100} %`,
      );
    }
  });

  it('puts "User Info Error" in poster_name and follower_count together', () => {
    for (const { pin } of course) {
      assert.equal(
        pin.poster_name === PLACEHOLDERS.userInfoError,
        pin.follower_count === PLACEHOLDERS.userInfoError,
        `id ${pin.index}`,
      );
    }
  });

  it('uses every placeholder, in its own column, at its stated rate (±0.6 points)', () => {
    for (const [column, rates] of Object.entries(PLACEHOLDER_RATES)) {
      for (const [value, rate] of Object.entries(rates as Record<string, number>)) {
        const actual = share((p) => (p.pin as unknown as Record<string, unknown>)[column] === value);
        assert.ok(actual > 0, `${column} never holds ${JSON.stringify(value)}`);
        assert.ok(
          Math.abs(actual - rate) <= 0.006,
          `${column} = ${JSON.stringify(value)}: ${(actual * 100).toFixed(2)} % vs ${rate * 100} %`,
        );
      }
    }
    const used = new Set<string>(Object.values(PLACEHOLDER_RATES).flatMap((rates) => Object.keys(rates)));
    for (const placeholder of Object.values(PLACEHOLDERS))
      assert.ok(used.has(placeholder), `${placeholder} has a rate`);
  });

  it('keeps "No description available Story format" to story posts', () => {
    for (const { pin } of course) {
      if (pin.description === PLACEHOLDERS.storyDescription)
        assert.equal(pin.is_image_or_video, 'multi-video(story page format)');
    }
  });

  it('fills the other pin columns with well-formed values', () => {
    const media = new Set(Object.keys(MEDIA_TYPE_SHARES));
    for (const { pin } of course) {
      assert.ok(media.has(pin.is_image_or_video), pin.is_image_or_video);
      assert.equal(pin.save_location, `Local save in /data/${pin.category}`);
      assert.ok(pin.downloaded === 0 || pin.downloaded === 1);
      if (pin.image_src === PLACEHOLDERS.imageSrcError) assert.equal(pin.downloaded, 0);
      else
        assert.match(
          pin.image_src,
          /^https:\/\/i\.pinimg\.com\/originals\/([0-9a-f]{2})\/([0-9a-f]{2})\/([0-9a-f]{2})\/\1\2\3[0-9a-f]{26}\.jpg$/,
        );
      if (pin.tag_list !== PLACEHOLDERS.noTags && pin.tag_list !== '')
        assert.match(pin.tag_list, /^[^,]+(,[^,]+){2,7}$/);
    }
  });

  it('uses all 13 categories', () => {
    assert.deepEqual(new Set(course.map((p) => p.pin.category)), new Set(CATEGORIES));
    assert.equal(CATEGORIES.length, 13);
  });
});

describe('generator: geolocation and users', () => {
  it('spreads posts over at least 150 countries, near each centroid', () => {
    const byName = new Map(COUNTRIES.map((c) => [c.name, c]));
    assert.ok(new Set(course.map((p) => p.geo.country)).size >= 150);
    for (const { geo } of course) {
      const country = byName.get(geo.country);
      assert.ok(country, geo.country);
      assert.ok(geo.latitude >= -90 && geo.latitude <= 90 && geo.longitude >= -180 && geo.longitude <= 180);
      const spread = (country.spread ?? 1) + 1e-6;
      const dLon = Math.abs(geo.longitude - country.lon);
      assert.ok(Math.abs(geo.latitude - country.lat) <= spread, `${geo.country} latitude ${geo.latitude}`);
      assert.ok(Math.min(dLon, 360 - dLon) <= spread, `${geo.country} longitude ${geo.longitude}`);
    }
  });

  it('lists about 200 distinct countries with valid centroids', () => {
    assert.ok(COUNTRIES.length >= 190 && COUNTRIES.length <= 210, String(COUNTRIES.length));
    assert.equal(new Set(COUNTRIES.map((c) => c.name)).size, COUNTRIES.length);
    for (const c of COUNTRIES) assert.ok(Math.abs(c.lat) <= 90 && Math.abs(c.lon) <= 180, c.name);
  });

  it('dates posts 2017-2022, users joined 2015-2017, never posting before joining', () => {
    const format = /^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}$/;
    const postYears = new Set<number>();
    const joinYears = new Set<number>();
    for (const { geo, user } of course) {
      assert.match(geo.timestamp, format);
      assert.match(user.date_joined, format);
      assert.ok(geo.timestamp >= user.date_joined, `id ${geo.ind}`);
      postYears.add(Number(geo.timestamp.slice(0, 4)));
      joinYears.add(Number(user.date_joined.slice(0, 4)));
    }
    assert.deepEqual([...postYears].sort(), range(POST_YEARS.from, POST_YEARS.to));
    assert.deepEqual([...joinYears].sort(), range(JOIN_YEARS.from, JOIN_YEARS.to));
  });

  it('makes users 18-80, skewed young, with names from the lists', () => {
    const ages = course.map((p) => p.user.age).sort((a, b) => a - b);
    assert.ok(ages[0] >= AGE_RANGE.min && ages[ages.length - 1] <= AGE_RANGE.max);
    const median = ages[Math.floor(ages.length / 2)];
    assert.ok(median >= 25 && median <= 40, `median age ${median}`);
    assert.ok(share((p) => p.user.age <= 35) > share((p) => p.user.age > 35));
    for (const { user } of course.slice(0, 100)) assert.match(`${user.first_name} ${user.last_name}`, /^\S+ \S+$/);
  });
});

function range(from: number, to: number): number[] {
  return Array.from({ length: to - from + 1 }, (_, i) => from + i);
}
