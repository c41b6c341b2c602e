import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, test } from 'node:test';
import { cleanGeo } from '../../src/batch/clean-geo';
import { cleanPin } from '../../src/batch/clean-pin';
import { cleanUser } from '../../src/batch/clean-user';
import { csvField, toCsv, toJsonLines, writeCleanTables, writeLines } from '../../src/batch/write-tables';

describe('writing tables', () => {
  test('CSV fields: null empty, quoting only when needed, arrays as JSON', () => {
    assert.equal(csvField(null), '');
    assert.equal(csvField(12), '12');
    assert.equal(csvField('plain text'), 'plain text');
    assert.equal(csvField('a,b'), '"a,b"');
    assert.equal(csvField('say "hi"'), '"say ""hi"""');
    assert.equal(csvField('two\nlines'), '"two\nlines"');
    assert.equal(csvField(' padded'), '" padded"');
    assert.equal(csvField([51.5, -0.12]), '"[51.5,-0.12]"');
    assert.equal(toCsv(['a', 'b'], [[1, null], ['x', 'y']]), 'a,b\n1,\nx,y\n');
  });

  test('JSON lines keep the column order and nulls', () => {
    assert.equal(toJsonLines(['b', 'a'], [[1, null]]), '{"b":1,"a":null}\n');
  });

  test('writeLines writes any number of lines a chunk at a time, each ended by a newline; none makes an empty file', async () => {
    const dir = await mkdtemp(path.join(tmpdir(), 'pp-lines-'));
    try {
      const lines = Array.from({ length: 30_000 }, (_, i) => `line ${i} ${'x'.repeat(100)}`);
      await writeLines(path.join(dir, 'deep', 'many.txt'), lines);
      const text = await readFile(path.join(dir, 'deep', 'many.txt'), 'utf8');
      assert.ok(text.length > 3 * 1024 * 1024, 'more than three chunks');
      assert.equal(text, `${lines.join('\n')}\n`);
      await writeLines(path.join(dir, 'none.txt'), []);
      assert.equal(await readFile(path.join(dir, 'none.txt'), 'utf8'), '');
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  test('writeCleanTables writes CSV and JSON lines per table, columns in order', async () => {
    const dir = await mkdtemp(path.join(tmpdir(), 'pp-write-'));
    try {
      const frames = {
        pin: cleanPin([{ index: 1, unique_id: 'u', title: 'T, with comma', description: null, poster_name: 'P', follower_count: '2k', tag_list: 'a,b', is_image_or_video: 'image', image_src: null, downloaded: 1, save_location: 'Local save in /data/art', category: 'art' }]),
        geo: cleanGeo([{ ind: 1, timestamp: '2019-02-03 04:05:06', latitude: 1.25, longitude: -2, country: 'Chile' }]),
        user: cleanUser([]),
      };
      const files = await writeCleanTables(frames, dir);
      assert.equal(await readFile(files.pin.csv, 'utf8'),
        'ind,unique_id,title,description,follower_count,poster_name,tag_list,is_image_or_video,image_src,save_location,category\n' +
        '1,u,"T, with comma",,2000,P,"a,b",image,,/data/art,art\n');
      assert.equal(await readFile(files.geo.jsonl, 'utf8'), '{"ind":1,"country":"Chile","coordinates":[1.25,-2],"timestamp":"2019-02-03 04:05:06"}\n');
      assert.equal(await readFile(files.user.csv, 'utf8'), 'ind,user_name,age,date_joined\n');
      assert.equal(await readFile(files.user.jsonl, 'utf8'), '');
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
