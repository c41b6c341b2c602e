import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { answerQuestions, analyse } from '../../src/analysis/analyse';
import { cleanRawInDuckDb, loadRawTables } from '../../src/cleaning';
import { openAnalysisDatabase, queryRows, type AnalysisDatabase } from '../../src/analysis/duckdb';
import { cleanGeoRows } from '../../src/batch/clean-geo';
import { cleanPinRows } from '../../src/batch/clean-pin';
import { cleanColumns, SQL_TABLES } from '../../src/batch/clean-schema';
import { cleanTables } from '../../src/batch/clean-tables';
import { cleanUserRows } from '../../src/batch/clean-user';
import type { RawGeoRow, RawPinRow, RawTables, RawUserRow } from '../../src/batch/raw-records';
import { generatePosts, PLACEHOLDERS } from '../../src/source/generate';
import { TABLES } from '../../src/tables';

/**
 * Raw records as the S3 sink holds them: 400 generated posts (with the generator's placeholders),
 * every 7th post sent twice (as the course's random emulation does), and hand-made rows with the
 * dirtier values the rules must also handle.
 */
function rawRecords(): RawTables {
  const raw: RawTables = { pin: [], geo: [], user: [] };
  let position = 0;
  for (const post of generatePosts({ rows: 400, seed: 7 })) {
    const copies = ++position % 7 === 0 ? 2 : 1;
    for (let i = 0; i < copies; i++) {
      raw.pin.push(post.pin as RawPinRow);
      raw.geo.push(post.geo as RawGeoRow);
      raw.user.push(post.user as RawUserRow);
    }
  }
  const base = raw.pin[0];
  const odd: Partial<RawPinRow>[] = [
    { follower_count: '1.5k', title: '   ', save_location: 'Local save in  /data/finance ' },
    { follower_count: ' 12k ', description: ` ${PLACEHOLDERS.noDescription} `, save_location: '/data/already-a-path' },
    { follower_count: '1,234', tag_list: '', image_src: PLACEHOLDERS.imageSrcError, save_location: '' },
    { follower_count: '2.25M', poster_name: PLACEHOLDERS.userInfoError, category: '' },
    { follower_count: 'lots', save_location: 'local SAVE in /data/travel' },
    { follower_count: '', unique_id: '' },
    { follower_count: '12,34', unique_id: null },
    { follower_count: '3m', unique_id: null },
    { follower_count: '3m', unique_id: null, index: 100_007 },
  ];
  odd.forEach((changes, i) => raw.pin.push({ ...base, unique_id: `odd-${i}`, index: 100_000 + i, ...changes } as RawPinRow));
  const geo = raw.geo[0];
  const oddGeo: Partial<RawGeoRow>[] = [
    { latitude: null }, { longitude: null, country: '' }, { timestamp: '2020-01-01T10:00:00' }, { timestamp: '2021-02-30 00:00:00' },
    { timestamp: 'yesterday' }, { timestamp: '2020-05-05' }, { timestamp: '2020-05-05 10:11:12.75' }, { timestamp: null },
  ];
  oddGeo.forEach((changes, i) => raw.geo.push({ ...geo, ind: 100_000 + i, ...changes } as RawGeoRow));
  const user = raw.user[0];
  const oddUser: Partial<RawUserRow>[] = [
    { first_name: null }, { last_name: '  Smith ' }, { first_name: '', last_name: '' }, { age: null }, { date_joined: '2016-13-01 00:00:00' }, { date_joined: '2016-03-01' },
  ];
  oddUser.forEach((changes, i) => raw.user.push({ ...user, ind: 100_000 + i, ...changes } as RawUserRow));
  return raw;
}

const sorted = (rows: readonly object[]): string[] => rows.map((r) => JSON.stringify(r)).sort();

describe('the shared cleaning SQL (DuckDB) gives what the TypeScript cleaning gives', () => {
  const raw = rawRecords();
  let db: AnalysisDatabase;

  before(async () => {
    db = await openAnalysisDatabase();
    await loadRawTables(db.connection, raw);
    await cleanRawInDuckDb(db.connection);
  });
  after(() => db.close());

  test('the input has duplicates and dirty values', () => {
    assert.ok(raw.pin.length > 450);
    assert.ok(raw.pin.some((r) => r.follower_count === PLACEHOLDERS.userInfoError));
    assert.ok(raw.pin.some((r) => r.title === PLACEHOLDERS.noTitle || r.title === PLACEHOLDERS.untitled));
  });

  const expected = { pin: cleanPinRows(raw.pin).rows, geo: cleanGeoRows(raw.geo).rows, user: cleanUserRows(raw.user).rows };

  for (const table of TABLES) {
    test(`${SQL_TABLES[table]}: the same rows, the same columns in order`, async () => {
      const rows = await queryRows(db.connection, `SELECT * FROM ${SQL_TABLES[table]}`);
      assert.deepEqual(Object.keys(rows[0]), cleanColumns(table));
      assert.equal(rows.length, expected[table].length);
      assert.deepEqual(sorted(rows), sorted(expected[table] as object[]));
    });
  }

  test('spot checks of the SQL rules', async () => {
    const pins = await queryRows(db.connection, 'SELECT unique_id, title, follower_count, save_location FROM pin_clean WHERE ind >= 100000 ORDER BY ind');
    assert.deepEqual(pins.slice(0, 5).map((r) => r.follower_count), [1500, 12000, 1234, 2250000, null]);
    const basePath = String(raw.pin[0].save_location).replace('Local save in ', '');
    assert.deepEqual(pins.slice(0, 5).map((r) => r.save_location), ['/data/finance', '/data/already-a-path', null, basePath, '/data/travel']);
    assert.equal(pins.filter((r) => r.unique_id === null).length, 3, "'' and two different null-id rows; the exact repeat dropped");
  });

  test('the nine answers are the same as the TypeScript path (cleanTables + analyse)', async () => {
    const fromSql = await answerQuestions(db.connection);
    const fromTs = await analyse({ frames: cleanTables(raw).frames });
    assert.equal(fromSql.length, 9);
    for (let i = 0; i < fromTs.length; i++) {
      assert.ok(fromTs[i].rows.length > 0, `${fromTs[i].question.id} has rows`);
      assert.deepEqual(sorted(fromSql[i].rows), sorted(fromTs[i].rows), fromTs[i].question.id);
    }
  });
});
