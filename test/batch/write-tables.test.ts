import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, test } from 'node:test';
import { loadCleanTables } from '../../src/analysis/clean-tables';
import { openDatabase, queryRows } from '../../src/duckdb';
import { writeCleanTables } from '../../src/batch/write-tables';
import { cleanRawTables, loadRawTables } from '../../src/cleaning/duckdb-cleaning';

describe('writing tables', () => {
  test('writeCleanTables: DuckDB writes CSV and JSON lines per table, columns in order, and they load back the same', async () => {
    const dir = await mkdtemp(path.join(tmpdir(), 'pp-write-'));
    const db = await openDatabase();
    try {
      await loadRawTables(db.connection, {
        pin: [
          {
            index: 1,
            unique_id: 'u',
            title: 'T, with "comma"',
            description: null,
            poster_name: 'P',
            follower_count: '2k',
            tag_list: 'a,b',
            is_image_or_video: 'image',
            image_src: null,
            downloaded: 1,
            save_location: 'Local save in /data/art',
            category: 'art',
          },
        ],
        geo: [{ ind: 1, timestamp: '2019-02-03 04:05:06', latitude: 1.25, longitude: -2, country: 'Chile' }],
        user: [],
      });
      await cleanRawTables(db.connection);
      const files = await writeCleanTables(db.connection, dir);
      assert.equal(
        await readFile(files.pin.csv, 'utf8'),
        'ind,unique_id,title,description,follower_count,poster_name,tag_list,is_image_or_video,image_src,save_location,category\n' +
          '1,u,"T, with ""comma""",,2000,P,"a,b",image,,/data/art,art\n',
      );
      assert.equal(
        await readFile(files.geo.csv, 'utf8'),
        'ind,country,coordinates,timestamp\n1,Chile,"[1.25,-2.0]",2019-02-03 04:05:06\n',
      );
      assert.equal(
        await readFile(files.geo.jsonl, 'utf8'),
        '{"ind":1,"country":"Chile","coordinates":[1.25,-2.0],"timestamp":"2019-02-03 04:05:06"}\n',
      );
      assert.equal(await readFile(files.user.csv, 'utf8'), 'ind,user_name,age,date_joined\n');
      assert.equal(await readFile(files.user.jsonl, 'utf8'), '');
      const before = await queryRows(db.connection, 'SELECT * FROM pin_clean');
      await loadCleanTables(db.connection, dir);
      assert.deepEqual(await queryRows(db.connection, 'SELECT * FROM pin_clean'), before);
      assert.deepEqual(await queryRows(db.connection, 'SELECT * FROM geo_clean'), [
        { ind: 1, country: 'Chile', coordinates: [1.25, -2], timestamp: '2019-02-03 04:05:06' },
      ]);
    } finally {
      db.close();
      await rm(dir, { recursive: true, force: true });
    }
  });
});
