/**
 * Raw records as the S3 sink holds them, for the cleaning tests of every engine (DuckDB here, Spark
 * in test/orchestration/): generated posts (with the generator's placeholders), every 7th post sent
 * twice (as the course's random emulation does), and hand-made rows with the dirtier values the
 * rules must also handle.
 */
import type { RawGeoRow, RawPinRow, RawTables, RawUserRow } from '../../src/contract/raw-records';
import { PLACEHOLDERS } from '../../src/contract/known-values';
import { generatePosts } from '../../src/source/generate';

/** Hand-made pin rows (changes to a generated row), with ids from 100,000. */
export const ODD_PINS: Partial<RawPinRow>[] = [
  { follower_count: '1.5k', title: '   ', save_location: 'Local save in  /data/finance ' },
  { follower_count: ' 12k ', description: ` ${PLACEHOLDERS.noDescription} `, save_location: '/data/already-a-path' },
  { follower_count: '1,234', tag_list: '', image_src: PLACEHOLDERS.imageSrcError, save_location: '' },
  { follower_count: '2.25M', poster_name: PLACEHOLDERS.userInfoError, category: '' },
  { follower_count: 'lots', save_location: 'local SAVE in /data/travel' },
  { follower_count: '', unique_id: '' },
  { follower_count: '12,34', unique_id: null },
  { follower_count: '3m', unique_id: null },
  { follower_count: '3m', unique_id: null, index: 100_007 },
  { description: PLACEHOLDERS.untitled, title: PLACEHOLDERS.untitled },
];
export const ODD_GEOS: Partial<RawGeoRow>[] = [
  { latitude: null },
  { longitude: null, country: '' },
  { timestamp: '2020-01-01T10:00:00' },
  { timestamp: '2021-02-30 00:00:00' },
  { timestamp: 'yesterday' },
  { timestamp: '2020-05-05' },
  { timestamp: '2020-05-05 10:11:12.75' },
  { timestamp: null },
];
export const ODD_USERS: Partial<RawUserRow>[] = [
  { first_name: null },
  { last_name: '  Smith ' },
  { first_name: '', last_name: '' },
  { age: null },
  { date_joined: '2016-13-01 00:00:00' },
  { date_joined: '2016-03-01' },
];

/** `posts` generated posts (seed 7), every 7th twice, plus the odd rows above. */
export function dirtyRawRecords(posts = 400): RawTables {
  const raw: RawTables = { pin: [], geo: [], user: [] };
  let position = 0;
  for (const post of generatePosts({ rows: posts, seed: 7 })) {
    const copies = ++position % 7 === 0 ? 2 : 1;
    for (let i = 0; i < copies; i++) {
      raw.pin.push(post.pin as RawPinRow);
      raw.geo.push(post.geo as RawGeoRow);
      raw.user.push(post.user as RawUserRow);
    }
  }
  const [pin, geo, user] = [raw.pin[0], raw.geo[0], raw.user[0]];
  ODD_PINS.forEach((changes, i) =>
    raw.pin.push({ ...pin, unique_id: `odd-${i}`, index: 100_000 + i, ...changes } as RawPinRow),
  );
  ODD_GEOS.forEach((changes, i) => raw.geo.push({ ...geo, ind: 100_000 + i, ...changes } as RawGeoRow));
  ODD_USERS.forEach((changes, i) => raw.user.push({ ...user, ind: 100_000 + i, ...changes } as RawUserRow));
  return raw;
}
