/**
 * Integration: seeding and reading the course tables in a real MariaDB/MySQL.
 *
 * Connects to 127.0.0.1:3306 as root with no password (DB_HOST, DB_PORT, DB_USER, DB_PASSWORD
 * override). When the server is down: under CI=true the test fails; otherwise it tries once to start
 * the local MariaDB, and skips with the reason if that does not work. Every run uses its own
 * database, dropped at the end.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { test } from 'node:test';
import type { Pool, RowDataPacket } from 'mysql2/promise';
import { describeError, PipelineError } from '../../src/errors';
import { generatePost, generatePosts } from '../../src/source/generate';
import { createMysqlPool, describeEndpoint, localMysqlConfig, MysqlRowSource } from '../../src/source/mysql-source';
import { countRows, seedDatabase, upsertPosts } from '../../src/source/seed-database';
import type { Post } from '../../src/contract/tables';

const ROWS = 300;
const SEED = 42;
const START_TIMEOUT_MS = 20_000;
const DATETIME = /^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}$/;

const config = { ...localMysqlConfig(), database: `pp_test_${randomBytes(4).toString('hex')}` };

async function reachable(pool: Pool): Promise<string | undefined> {
  try {
    await pool.query('SELECT 1');
    return undefined;
  } catch (error) {
    return describeError(error);
  }
}

/** Undefined when MySQL answers; otherwise why not, after one attempt to start the local MariaDB. */
async function ensureServer(pool: Pool): Promise<string | undefined> {
  const first = await reachable(pool);
  if (first === undefined) return undefined;
  const where = describeEndpoint(config);
  if (process.env.CI === 'true') throw new Error(`MySQL at ${where} is required under CI but unreachable: ${first}`);
  const started = spawnSync(
    'start-stop-daemon',
    ['--start', '--oknodo', '--background', '--exec', '/usr/sbin/mariadbd'],
    { encoding: 'utf8', timeout: 10_000 },
  );
  if (started.error || started.status !== 0) {
    return `MySQL at ${where} is unreachable (${first}) and starting /usr/sbin/mariadbd failed: ${started.error?.message ?? started.stderr.trim()}`;
  }
  for (const deadline = Date.now() + START_TIMEOUT_MS; Date.now() < deadline; await sleep(500)) {
    if ((await reachable(pool)) === undefined) return undefined;
  }
  return `MySQL at ${where} is unreachable (${first}), also ${START_TIMEOUT_MS / 1000} s after starting /usr/sbin/mariadbd`;
}

/** A post's JSON, for comparing posts whole. */
const json = (posts: readonly Post[]) => JSON.stringify(posts);

test('MySQL source against MariaDB', async (t) => {
  const pool = createMysqlPool(config);
  try {
    const skipReason = await ensureServer(pool);
    if (skipReason !== undefined) {
      t.skip(skipReason);
      return;
    }
    const source = new MysqlRowSource(pool, config.database, { endpoint: config });
    const expected = [...generatePosts({ rows: ROWS, seed: SEED })];

    await t.test('seeds the three tables, and seeding again leaves the same rows', async () => {
      const progress: number[] = [];
      const first = await seedDatabase(pool, {
        database: config.database,
        rows: ROWS,
        seed: SEED,
        batchSize: 64,
        endpoint: config,
        onProgress: (done) => progress.push(done),
      });
      assert.deepEqual(first.counts, { pin: ROWS, geo: ROWS, user: ROWS });
      assert.deepEqual(progress, [0, 64, 128, 192, 256, 300]);
      const second = await seedDatabase(pool, { database: config.database, rows: ROWS, seed: SEED, endpoint: config });
      assert.equal(second.posts, ROWS);
      assert.deepEqual(second.counts, { pin: ROWS, geo: ROWS, user: ROWS });
    });

    await t.test('reads back exactly what the generator made', async () => {
      assert.equal(await source.count(), ROWS);
      assert.equal(source.description, `MySQL ${describeEndpoint(config)}/${config.database}`);
      assert.equal(
        json(await source.postsAt([0, 17, 17, 299, 300, 10_000])),
        json([expected[0], expected[17], expected[17], expected[299]]),
      );
      const positions = Array.from({ length: ROWS }, (_, i) => (i * 7919) % ROWS);
      assert.equal(json(await source.postsAt(positions)), json(positions.map((p) => expected[p])));
      assert.equal(JSON.stringify(await source.rows('pin', 0, 1_000)), JSON.stringify(expected.map((p) => p.pin)));
      assert.equal(
        JSON.stringify(await source.rows('geo', 290, 5)),
        JSON.stringify(expected.slice(290, 295).map((p) => p.geo)),
      );
      assert.equal(JSON.stringify(await source.rows('user', 299, 5)), JSON.stringify([expected[299].user]));
    });

    await t.test(
      'returns numbers as numbers and datetimes as "YYYY-MM-DD HH:MM:SS" strings (dateStrings)',
      async () => {
        const [post] = await source.postsAt([3]);
        for (const value of [
          post.pin.index,
          post.pin.downloaded,
          post.geo.ind,
          post.geo.latitude,
          post.geo.longitude,
          post.user.ind,
          post.user.age,
        ]) {
          assert.equal(typeof value, 'number');
        }
        assert.match(post.geo.timestamp, DATETIME);
        assert.match(post.user.date_joined, DATETIME);
        const [raw] = await pool.query<RowDataPacket[]>(
          `SELECT \`timestamp\`, NOW() AS now FROM ${pool.escapeId(config.database)}.geolocation_data ORDER BY ind LIMIT 1`,
        );
        assert.equal(raw[0].timestamp, expected[0].geo.timestamp);
        assert.match(raw[0].now, DATETIME);
      },
    );

    await t.test('stores hostile and non-ASCII text unchanged, as parameters', async () => {
      const hostile = "x'); DROP TABLE user_data; --";
      const emoji = '📌 Pins 🎨 ünïcødé';
      const updated = structuredClone(expected[5]);
      updated.pin.title = hostile;
      updated.pin.description = emoji;
      updated.user.first_name = `${hostile} ${emoji}`;
      const added = structuredClone(generatePost(SEED, ROWS));
      added.pin.title = hostile;
      added.pin.description = emoji;
      added.geo.country = `Côte d'Ivoire 🌍 \\ "quoted"`;
      await upsertPosts(pool, config.database, [updated, added]);

      const [tables] = await pool.query<RowDataPacket[]>(
        'SELECT table_name AS name FROM information_schema.tables WHERE table_schema = ? ORDER BY table_name',
        [config.database],
      );
      assert.deepEqual(
        tables.map((row) => row.name),
        ['geolocation_data', 'pinterest_data', 'user_data'],
      );
      assert.deepEqual(await countRows(pool, config.database), { pin: ROWS + 1, geo: ROWS + 1, user: ROWS + 1 });

      assert.equal(json(await source.postsAt([5])), json([updated]));
      assert.deepEqual(await source.postsAt([ROWS]), [], 'the position → id list is kept while the source is open');
      source.refresh();
      assert.equal(json(await source.postsAt([ROWS, 5])), json([added, updated]));
      const [lengths] = await pool.query<RowDataPacket[]>(
        `SELECT CHAR_LENGTH(description) AS chars FROM ${pool.escapeId(config.database)}.pinterest_data WHERE \`index\` = ?`,
        [updated.pin.index],
      );
      assert.equal(lengths[0].chars, [...emoji].length, 'emoji stored as single utf8mb4 characters');
    });

    await t.test('says to seed when the database does not exist', async () => {
      const missing = new MysqlRowSource(pool, `${config.database}_missing`, { endpoint: config });
      await assert.rejects(
        missing.count(),
        (error: unknown) =>
          error instanceof PipelineError && error.code === 'MYSQL_NOT_SEEDED' && /npm run db:seed/.test(error.message),
      );
    });
  } finally {
    if ((await reachable(pool)) === undefined)
      await pool.query(`DROP DATABASE IF EXISTS ${pool.escapeId(config.database)}`);
    await pool.end();
  }
});
