import assert from 'node:assert/strict';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import { folderSinkStore, listTopicFolder } from '../../src/batch/sink-folder';

test('folderSinkStore: objects listed in sink order with their sizes, and each opened to its exact bytes, small ones read whole and large ones streamed', async () => {
  const dir = await mkdtemp(path.join(tmpdir(), 'pp-sink-folder-'));
  try {
    const partition = path.join(dir, 'topics', 'x.pin', 'partition=0');
    await mkdir(partition, { recursive: true });
    const line = (i: number) => `{"index": ${i}, "title": "${'t'.repeat(200)}"}\n`;
    const small = Buffer.from(line(1));
    // Over the 1 MiB read whole: streamed in pieces.
    const large = Buffer.from(Array.from({ length: 6000 }, (_, i) => line(i + 2)).join(''));
    assert.ok(large.length > 1 << 20);
    await writeFile(path.join(partition, 'x.pin+0+0000000010.json'), large);
    await writeFile(path.join(partition, 'x.pin+0+0000000009.json'), small);
    await writeFile(path.join(partition, 'x.pin+0+0000000002.json'), Buffer.alloc(0));

    const objects = await listTopicFolder(dir, 'pin', 'x.pin');
    assert.deepEqual(
      objects.map((o) => [o.key, o.size]),
      [
        ['topics/x.pin/partition=0/x.pin+0+0000000002.json', 0],
        ['topics/x.pin/partition=0/x.pin+0+0000000009.json', small.length],
        ['topics/x.pin/partition=0/x.pin+0+0000000010.json', large.length],
      ],
    );

    const store = folderSinkStore(dir);
    const pieces = async (key: string) => {
      const out: Uint8Array[] = [];
      for await (const piece of await store.open(key)) out.push(piece);
      return out;
    };
    const [empty, whole, streamed] = await Promise.all(objects.map((o) => pieces(o.key)));
    assert.equal(Buffer.concat(empty).length, 0);
    assert.deepEqual(Buffer.concat(whole), small);
    assert.equal(whole.length, 1);
    assert.deepEqual(Buffer.concat(streamed), large);
    assert.ok(streamed.length > 1, 'a large object comes in pieces');
    await assert.rejects(pieces('topics/x.pin/partition=0/gone.json'), /ENOENT/);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});
