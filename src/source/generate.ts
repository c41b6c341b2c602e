/**
 * A seeded, deterministic stand-in for the course's MySQL tables (PIPELINE_SPEC.md §1).
 *
 * Every post is computed from (seed, position) alone by a small hash-based PRNG, so any post can be
 * made without making the ones before it: a million posts need no memory, and the embedded source,
 * the database seeder and the samples all agree on what post N is.
 */
import { DEFAULT_ROWS, DEFAULT_SEED } from '../config';
import { PipelineError } from '../errors';
import { CATEGORIES, PLACEHOLDERS, type Category } from '../contract/known-values';
import { formatDateTime, type GeoRow, type PinRow, type Post, type UserRow } from '../contract/tables';
import { COUNTRIES, type Country } from './countries';
import {
  ACCOUNT_NOUNS,
  ADJECTIVES,
  CATEGORY_WORDS,
  DESCRIPTION_TEMPLATES,
  FIRST_NAMES,
  LAST_NAMES,
  TITLE_TEMPLATES,
} from './word-lists';

export { DEFAULT_ROWS, DEFAULT_SEED };

/** Shares of the four `follower_count` formats: "532", "124k", "2M", and the user-info placeholder. */
export const FOLLOWER_FORMAT_SHARES = { digits: 0.17, thousands: 0.74, millions: 0.07, userInfoError: 0.02 } as const;

/** Shares of `is_image_or_video`. */
export const MEDIA_TYPE_SHARES = { image: 0.8, video: 0.15, 'multi-video(story page format)': 0.05 } as const;

/**
 * Share of all posts carrying each dirty value, per column. `poster_name` and `follower_count` are
 * the user-info placeholder together; the story-format description only appears on story posts.
 */
export const PLACEHOLDER_RATES = {
  title: { [PLACEHOLDERS.noTitle]: 0.01, '': 0.003 },
  description: {
    [PLACEHOLDERS.storyDescription]: 0.03,
    [PLACEHOLDERS.noDescription]: 0.01,
    [PLACEHOLDERS.untitled]: 0.005,
    '': 0.004,
  },
  poster_name: { [PLACEHOLDERS.userInfoError]: FOLLOWER_FORMAT_SHARES.userInfoError },
  follower_count: { [PLACEHOLDERS.userInfoError]: FOLLOWER_FORMAT_SHARES.userInfoError },
  tag_list: { [PLACEHOLDERS.noTags]: 0.02, '': 0.002 },
  image_src: { [PLACEHOLDERS.imageSrcError]: 0.01 },
} as const satisfies Partial<Record<keyof PinRow, Record<string, number>>>;

/** Relative weights of the 13 categories; a mild skew, so "most popular" questions have answers. */
export const CATEGORY_WEIGHTS: Record<Category, number> = {
  art: 1,
  beauty: 1,
  christmas: 0.9,
  'diy-and-crafts': 1.1,
  education: 0.9,
  'event-planning': 0.8,
  finance: 0.9,
  'home-decor': 1.2,
  'mens-fashion': 1,
  quotes: 0.9,
  tattoos: 1,
  travel: 1.1,
  vehicles: 0.9,
};

/** Users joined in these years; posts are dated in these years (never before their user joined). */
export const JOIN_YEARS = { from: 2015, to: 2017 } as const;
export const POST_YEARS = { from: 2017, to: 2022 } as const;
export const AGE_RANGE = { min: 18, max: 80 } as const;

export interface GenerateOptions {
  /** Posts in the dataset: positions 0 .. rows-1. */
  rows: number;
  seed: number;
}

// ---------------------------------------------------------------- PRNG

/** A 32-bit integer hash with good avalanche (Chris Wellons' "lowbias32"). */
function mix32(x: number): number {
  x = Math.imul(x ^ (x >>> 16), 0x7feb352d);
  x = Math.imul(x ^ (x >>> 15), 0x846ca68b);
  return (x ^ (x >>> 16)) >>> 0;
}

const TWO_32 = 4294967296;
const HEX_BYTES = Array.from({ length: 256 }, (_, byte) => byte.toString(16).padStart(2, '0'));

/** Mixes seed, position and a stream number into one 32-bit state; all three may exceed 32 bits. */
function hashKey(seed: number, position: number, stream: number): number {
  let h = mix32((seed >>> 0) ^ 0x5bd1e995);
  h = mix32(h ^ (Math.floor(seed / TWO_32) >>> 0));
  h = mix32((h + (position >>> 0) + 0x9e3779b9) >>> 0);
  h = mix32(h ^ (Math.floor(position / TWO_32) >>> 0));
  return mix32(h ^ Math.imul(stream + 1, 0x85ebca6b));
}

/** splitmix32-style generator: a Weyl sequence passed through `mix32`. */
class Rng {
  private state: number;

  constructor(state: number) {
    this.state = state | 0;
  }

  /** A uniform 32-bit unsigned integer. */
  next(): number {
    this.state = (this.state + 0x9e3779b9) | 0;
    return mix32(this.state);
  }

  /** A uniform float in [0, 1). */
  float(): number {
    return this.next() / TWO_32;
  }

  /** A uniform integer in [0, n). */
  below(n: number): number {
    return Math.floor(this.float() * n);
  }

  /** A uniform integer in [min, max]. */
  between(min: number, max: number): number {
    return min + this.below(max - min + 1);
  }

  pick<T>(items: readonly T[]): T {
    return items[this.below(items.length)];
  }

  /** `chars` lowercase hex digits (a multiple of 8). */
  hex(chars: number): string {
    let out = '';
    for (let i = 0; i < chars; i += 8) {
      const x = this.next();
      out += HEX_BYTES[x >>> 24] + HEX_BYTES[(x >>> 16) & 255] + HEX_BYTES[(x >>> 8) & 255] + HEX_BYTES[x & 255];
    }
    return out;
  }
}

/** Independent streams per post, so changing how one table is made leaves the others alone. */
const STREAM = { pin: 1, geo: 2, user: 3 } as const;

// ---------------------------------------------------------------- helpers

/** Picks items by weight in O(log n). */
class WeightedTable<T> {
  private readonly cumulative: Float64Array;

  constructor(
    private readonly items: readonly T[],
    weight: (item: T) => number,
  ) {
    this.cumulative = new Float64Array(items.length);
    let total = 0;
    items.forEach((item, i) => {
      total += weight(item);
      this.cumulative[i] = total;
    });
  }

  pick(rng: Rng): T {
    const target = rng.float() * this.cumulative[this.cumulative.length - 1];
    let low = 0;
    let high = this.cumulative.length - 1;
    while (low < high) {
      const mid = (low + high) >>> 1;
      if (this.cumulative[mid] <= target) low = mid + 1;
      else high = mid;
    }
    return this.items[low];
  }
}

/** A column's dirty values with cumulative shares, for one comparison per value. */
type RateTable = readonly (readonly [value: string, upTo: number])[];

function rateTable(rates: Record<string, number>): RateTable {
  let cumulative = 0;
  return Object.entries(rates).map(([value, rate]) => [value, (cumulative += rate)] as const);
}

/** The dirty value `u` (uniform in [0, 1)) falls on, or undefined for a real value. */
function placeholderFor(table: RateTable, u: number): string | undefined {
  for (const [value, upTo] of table) if (u < upTo) return value;
  return undefined;
}

function utcSeconds(year: number, month = 1, day = 1, hour = 0, minute = 0, second = 0): number {
  return Date.UTC(year, month - 1, day, hour, minute, second) / 1000;
}

const JOIN_FROM = utcSeconds(JOIN_YEARS.from);
const JOIN_TO = utcSeconds(JOIN_YEARS.to, 12, 31, 23, 59, 59);
const POST_FROM = utcSeconds(POST_YEARS.from);
const POST_TO = utcSeconds(POST_YEARS.to, 12, 31, 23, 59, 59);

function dateTimeAt(seconds: number): string {
  return formatDateTime(new Date(seconds * 1000));
}

function round6(value: number): number {
  return Math.round(value * 1e6) / 1e6 + 0; // `+ 0` turns -0 into 0
}

/** A template split at its `{word}` slots once, so filling it is a join. */
type Template = readonly string[];

function compile(template: string): Template {
  return template.split(/\{(\w+)\}/); // odd indexes are slot names
}

function fill(template: Template, words: Record<string, string>): string {
  let out = template[0];
  for (let i = 1; i < template.length; i += 2) out += (words[template[i]] ?? template[i]) + template[i + 1];
  return out;
}

function assertPosition(seed: number, position: number): void {
  if (!Number.isSafeInteger(seed)) throw new PipelineError('INVALID_SEED', `seed must be a whole number, got ${seed}`);
  if (!Number.isSafeInteger(position) || position < 0) {
    throw new PipelineError('INVALID_POSITION', `position must be a whole number >= 0, got ${position}`);
  }
}

const CATEGORY_TABLE = new WeightedTable(CATEGORIES, (c) => CATEGORY_WEIGHTS[c]);
const COUNTRY_TABLE = new WeightedTable(COUNTRIES, (c) => c.weight ?? 1);
const TITLES = TITLE_TEMPLATES.map(compile);
const SENTENCES = DESCRIPTION_TEMPLATES.map(compile);
const RATES = {
  title: rateTable(PLACEHOLDER_RATES.title),
  tagList: rateTable(PLACEHOLDER_RATES.tag_list),
  imageSrc: rateTable(PLACEHOLDER_RATES.image_src),
  storyDescription: rateTable({
    [PLACEHOLDERS.storyDescription]: PLACEHOLDER_RATES.description[PLACEHOLDERS.storyDescription],
  }),
  otherDescription: rateTable({
    [PLACEHOLDERS.noDescription]: PLACEHOLDER_RATES.description[PLACEHOLDERS.noDescription],
    [PLACEHOLDERS.untitled]: PLACEHOLDER_RATES.description[PLACEHOLDERS.untitled],
    '': PLACEHOLDER_RATES.description[''],
  }),
};
const STORY = 'multi-video(story page format)';
const TITLE_NUMBERS = [5, 7, 10, 12, 15, 20, 21, 25, 30, 40, 50, 100];
/** Posts whose image downloaded fine but is still marked 0. */
const NOT_DOWNLOADED_RATE = 0.005;

// ---------------------------------------------------------------- ids

/**
 * The shared id (`index` / `ind`) of the post at `position`: the position itself. The course
 * table's ids run from 0 with no gaps, so the course client's `LIMIT k, 1` reads the post whose
 * id is `k`.
 */
export function idAt(seed: number, position: number): number {
  assertPosition(seed, position);
  return position;
}

/** A version-4 UUID made from the generator's random bits. */
function uuidV4(rng: Rng): string {
  const hex = rng.hex(32);
  const variant = '89ab'[rng.below(4)];
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-4${hex.slice(13, 16)}-${variant}${hex.slice(17, 20)}-${hex.slice(20, 32)}`;
}

// ---------------------------------------------------------------- the three rows

/** Ages skew young: u^2.2 puts the median near 31. */
function userRow(rng: Rng, id: number, joinedAt: number): UserRow {
  return {
    ind: id,
    first_name: rng.pick(FIRST_NAMES),
    last_name: rng.pick(LAST_NAMES),
    age: AGE_RANGE.min + Math.floor((AGE_RANGE.max - AGE_RANGE.min) * rng.float() ** 2.2),
    date_joined: dateTimeAt(joinedAt),
  };
}

/** A point near the country's centroid: a triangular jitter of `spread` degrees, kept on the globe. */
function jitter(rng: Rng, country: Country): { latitude: number; longitude: number } {
  const spread = country.spread ?? 1;
  const latitude = Math.max(-90, Math.min(90, country.lat + (rng.float() + rng.float() - 1) * spread));
  let longitude = country.lon + (rng.float() + rng.float() - 1) * spread;
  if (longitude > 180) longitude -= 360;
  if (longitude < -180) longitude += 360;
  return { latitude: round6(latitude), longitude: round6(longitude) };
}

function geoRow(rng: Rng, id: number, joinedAt: number): GeoRow {
  const from = Math.max(POST_FROM, joinedAt);
  const country = COUNTRY_TABLE.pick(rng);
  const { latitude, longitude } = jitter(rng, country);
  return {
    ind: id,
    timestamp: dateTimeAt(from + rng.below(POST_TO - from + 1)),
    latitude,
    longitude,
    country: country.name,
  };
}

function followerCount(rng: Rng): string {
  const u = rng.float();
  const { digits, thousands, millions } = FOLLOWER_FORMAT_SHARES;
  if (u < digits) return String(Math.floor(1000 * rng.float() ** 3));
  if (u < digits + thousands) return `${1 + Math.floor(998 * rng.float() ** 2)}k`;
  if (u < digits + thousands + millions) return `${1 + Math.floor(39 * rng.float() ** 3)}M`;
  return PLACEHOLDERS.userInfoError;
}

function mediaType(rng: Rng): string {
  const u = rng.float();
  if (u < MEDIA_TYPE_SHARES.image) return 'image';
  if (u < MEDIA_TYPE_SHARES.image + MEDIA_TYPE_SHARES.video) return 'video';
  return STORY;
}

function posterName(rng: Rng, category: Category): string {
  const first = rng.pick(FIRST_NAMES);
  const topic = CATEGORY_WORDS[category].tags[0];
  switch (rng.below(5)) {
    case 0:
      return `${first} ${rng.pick(LAST_NAMES)}`;
    case 1:
      return `${first}'s ${topic}`;
    case 2:
      return `The ${rng.pick(ADJECTIVES)} ${rng.pick(ACCOUNT_NOUNS)}`;
    case 3:
      return `${topic} ${rng.pick(ACCOUNT_NOUNS)}`;
    default:
      return `${first} | ${topic}`;
  }
}

function title(rng: Rng, words: Record<string, string>): string {
  const dirty = placeholderFor(RATES.title, rng.float());
  return dirty ?? fill(rng.pick(TITLES), words);
}

function description(rng: Rng, words: Record<string, string>, media: string): string {
  const u = rng.float();
  const storyShare = MEDIA_TYPE_SHARES[STORY];
  // Story posts carry the story placeholder; the other placeholders are spread over the rest, each
  // rate scaled so that its share of all posts stays as stated in PLACEHOLDER_RATES.
  const dirty =
    media === STORY
      ? placeholderFor(RATES.storyDescription, u * storyShare)
      : placeholderFor(RATES.otherDescription, u * (1 - storyShare));
  if (dirty !== undefined) return dirty;
  const sentences = 1 + rng.below(3);
  let out = '';
  for (let i = 0; i < sentences; i++) {
    const sentence = fill(rng.pick(SENTENCES), {
      n: words.n,
      subject: words.subject,
      adj: rng.pick(ADJECTIVES).toLowerCase(),
    });
    out += i === 0 ? sentence : ` ${sentence}`;
  }
  return out;
}

function tagList(rng: Rng, category: Category): string {
  const dirty = placeholderFor(RATES.tagList, rng.float());
  if (dirty !== undefined) return dirty;
  const tags = [...CATEGORY_WORDS[category].tags];
  const count = 3 + rng.below(6);
  for (let i = 0; i < count; i++) {
    const j = i + rng.below(tags.length - i);
    [tags[i], tags[j]] = [tags[j], tags[i]];
  }
  return tags.slice(0, count).join(',');
}

function imageSrc(rng: Rng): string {
  const hash = rng.hex(32);
  if (placeholderFor(RATES.imageSrc, rng.float()) !== undefined) return PLACEHOLDERS.imageSrcError;
  return `https://i.pinimg.com/originals/${hash.slice(0, 2)}/${hash.slice(2, 4)}/${hash.slice(4, 6)}/${hash}.jpg`;
}

function pinRow(rng: Rng, id: number, postYear: string): PinRow {
  const category = CATEGORY_TABLE.pick(rng);
  const words = {
    n: String(rng.pick(TITLE_NUMBERS)),
    adj: rng.pick(ADJECTIVES),
    subject: rng.pick(CATEGORY_WORDS[category].subjects),
    year: postYear,
  };
  const unique_id = uuidV4(rng);
  const follower_count = followerCount(rng);
  const poster_name =
    follower_count === PLACEHOLDERS.userInfoError ? PLACEHOLDERS.userInfoError : posterName(rng, category);
  const is_image_or_video = mediaType(rng);
  const image_src = imageSrc(rng);
  return {
    index: id,
    unique_id,
    title: title(rng, words),
    description: description(rng, words, is_image_or_video),
    poster_name,
    follower_count,
    tag_list: tagList(rng, category),
    is_image_or_video,
    image_src,
    downloaded: image_src === PLACEHOLDERS.imageSrcError || rng.float() < NOT_DOWNLOADED_RATE ? 0 : 1,
    save_location: `Local save in /data/${category}`,
    category,
  };
}

// ---------------------------------------------------------------- public API

/** The post at `position` (0-based) of the dataset made from `seed`; needs no other post. */
export function generatePost(seed: number, position: number): Post {
  const id = idAt(seed, position);
  const userRng = new Rng(hashKey(seed, position, STREAM.user));
  const joinedAt = JOIN_FROM + userRng.below(JOIN_TO - JOIN_FROM + 1);
  const user = userRow(userRng, id, joinedAt);
  const geo = geoRow(new Rng(hashKey(seed, position, STREAM.geo)), id, joinedAt);
  const pin = pinRow(new Rng(hashKey(seed, position, STREAM.pin)), id, geo.timestamp.slice(0, 4));
  return { pin, geo, user };
}

/** Checks `rows` and `seed`, with a message naming the bad value. */
export function assertGenerateOptions(options: GenerateOptions): void {
  if (!Number.isSafeInteger(options.rows) || options.rows < 0) {
    throw new PipelineError('INVALID_ROWS', `rows must be a whole number >= 0, got ${options.rows}`);
  }
  if (!Number.isSafeInteger(options.seed))
    throw new PipelineError('INVALID_SEED', `seed must be a whole number, got ${options.seed}`);
}

/** Posts `from` .. `rows - 1` in order, made lazily: memory stays flat for any `rows`. */
export function* generatePosts(options: GenerateOptions & { from?: number }): Generator<Post, void, undefined> {
  assertGenerateOptions(options);
  for (let position = options.from ?? 0; position < options.rows; position++)
    yield generatePost(options.seed, position);
}
