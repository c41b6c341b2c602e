/**
 * The streaming tables in their DuckDB file: each micro-batch cleaned by the shared SQL and merged
 * against the stored table in one transaction with its checkpoint; a replay adds nothing; the result
 * equals the batch cleaning of everything sent.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, describe, test } from 'node:test';
import { openDatabase, queryRows } from '../../src/duckdb';
import { SQL_TABLES } from '../../src/contract/clean-schema';
import type { RawPinRow, RawTables } from '../../src/contract/raw-records';
import { cleanRawTables, loadRawTables } from '../../src/cleaning/duckdb-cleaning';
import { namesFor } from '../../src/config';
import {
  openStreamTables,
  readStreamTable,
  streamTablesMatchBatch,
  type ShardCheckpoint,
} from '../../src/streaming/stream-tables';
import { TABLES } from '../../src/contract/tables';
import { dirtyRawRecords } from '../cleaning/dirty-rows';
import { rowLines } from './helpers';

const dir = mkdtempSync(path.join(tmpdir(), 'pp-stream-tables-'));
after(() => rmSync(dir, { recursive: true, force: true }));
let files = 0;
const names = namesFor('st_tables').streamTables;
const checkpoint = (stream: string, sequenceNumber: string, records: number): ShardCheckpoint => ({
  stream,
  shardId: 'shardId-000000000000',
  sequenceNumber,
  records,
  updatedAt: new Date().toISOString(),
});

function pin(index: number, unique_id: string | null, title = `t${index}`): RawPinRow {
  return {
    index,
    unique_id,
    title,
    description: 'd',
    poster_name: 'p',
    follower_count: '1k',
    tag_list: 'a',
    is_image_or_video: 'image',
    image_src: 'x',
    downloaded: 1,
    save_location: 'Local save in /data/art',
    category: 'art',
  };
}

describe('streaming tables in DuckDB', () => {
  test('a repeated unique_id keeps the smallest ind across batches; rows without one lose only exact copies; counts reconcile', async () => {
    const file = path.join(dir, `${++files}.duckdb`);
    const tables = await openStreamTables(file, names);
    try {
      const first = await tables.storeBatch(
        'pin',
        [pin(5, 'a', 'later'), pin(2, 'b'), pin(3, null), pin(3, null)],
        checkpoint('s', '10', 4),
      );
      assert.deepEqual(first, { input: 4, invalid: 0, duplicates: 1, rowsWritten: 3, tableRows: 3 });
      const second = await tables.storeBatch(
        'pin',
        [
          pin(1, 'a', 'smallest ind'),
          pin(2, 'b'),
          pin(3, null),
          pin(3, null, 'another'),
          pin(2_147_483_648, 'no usable id'),
        ],
        checkpoint('s', '20', 9),
      );
      assert.deepEqual(
        second,
        { input: 5, invalid: 1, duplicates: 3, rowsWritten: 1, tableRows: 4 },
        'a replaced by the smaller ind (a duplicate of the old row), b and the exact copy stored already',
      );
      assert.deepEqual(second.input, second.invalid + second.duplicates + second.rowsWritten);
      const rows = await readStreamTable(file, names.pin, 'pin');
      assert.deepEqual(
        rows.map((r) => [r.ind, r.unique_id, r.title]),
        [
          [1, 'a', 'smallest ind'],
          [2, 'b', 't2'],
          [3, null, 'another'],
          [3, null, 't3'],
        ],
      );
      assert.equal((await tables.readCheckpoint('s', 'shardId-000000000000'))?.sequenceNumber, '20');
    } finally {
      tables.close();
    }
  });

  test('a batch stored again adds nothing; a failed batch leaves neither rows nor checkpoint', async () => {
    const file = path.join(dir, `${++files}.duckdb`);
    const tables = await openStreamTables(file, names);
    try {
      const raw = dirtyRawRecords(50);
      await tables.storeBatch('geo', raw.geo, checkpoint('g', '1', raw.geo.length));
      const again = await tables.storeBatch('geo', raw.geo, checkpoint('g', '2', 2 * raw.geo.length));
      assert.equal(again.rowsWritten, 0);
      assert.equal(again.duplicates + again.invalid, raw.geo.length);
      await assert.rejects(
        tables.storeBatch(
          'user',
          [{ ind: 1, first_name: 'A', last_name: 'B', age: 'x' as unknown as number, date_joined: null }],
          checkpoint('u', '9', 1),
        ),
      );
      assert.equal(await tables.tableRows('user'), 0);
      assert.equal(await tables.readCheckpoint('u', 'shardId-000000000000'), undefined, 'the checkpoint did not move');
    } finally {
      tables.close();
    }
  });

  test('micro-batches of the dirty-rows corpus, any split, give exactly the batch cleaning of it; a changed row is seen', async () => {
    const raw = dirtyRawRecords(300);
    const file = path.join(dir, `${++files}.duckdb`);
    const tables = await openStreamTables(file, names);
    try {
      for (const table of TABLES) {
        const rows = raw[table] as RawTables[typeof table];
        for (let start = 0, n = 0; start < rows.length; start += 37, n++) {
          await tables.storeBatch(
            table,
            rows.slice(start, start + 37) as never,
            checkpoint(table, String(n), start + 37),
          );
        }
      }
    } finally {
      tables.close();
    }
    const db = await openDatabase();
    try {
      await loadRawTables(db.connection, raw);
      await cleanRawTables(db.connection);
      for (const table of TABLES) {
        assert.deepEqual(
          rowLines(await readStreamTable(file, names[table], table)),
          rowLines(await queryRows(db.connection, `SELECT * FROM ${SQL_TABLES[table]}`)),
          table,
        );
      }
      assert.deepEqual(await streamTablesMatchBatch(db.connection, file, names), { pin: true, geo: true, user: true });
      await db.connection.run(
        `UPDATE geo_clean SET country = 'Elsewhere' WHERE ind = (SELECT MIN(ind) FROM geo_clean)`,
      );
      await db.connection.run(`DELETE FROM user_clean WHERE ind = (SELECT MIN(ind) FROM user_clean)`);
      assert.deepEqual(await streamTablesMatchBatch(db.connection, file, names), {
        pin: true,
        geo: false,
        user: false,
      });
    } finally {
      db.close();
    }
  });
});
