/**
 * One sink folder both engines read in the Spark parity tests: generated posts (every 13th sent
 * twice, as the course's random emulation does), the dirty rows of the cleaning tests
 * (test/cleaning/dirty-rows.ts) and the bad-record corpus of the batch reader's tests
 * (test/batch/helpers.ts), each on a partition of its own.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { writeSinkFolder } from '../../src/batch/sample-bucket';
import { sinkObjectKey } from '../../src/contract/sink-object';
import { generatePosts } from '../../src/source/generate';
import { TABLES, type Post, type TableKey } from '../../src/contract/tables';
import { badRecordCorpus } from '../batch/helpers';
import { dirtyRawRecords } from '../cleaning/dirty-rows';

function* withRepeats(posts: Iterable<Post>, every: number): Generator<Post> {
  let position = 0;
  for (const post of posts) {
    yield post;
    if (++position % every === 0) yield post;
  }
}

async function writeObject(
  dir: string,
  topic: string,
  partition: number,
  startOffset: number,
  body: string | Buffer,
): Promise<void> {
  const file = path.join(dir, ...sinkObjectKey(topic, partition, startOffset).split('/'));
  await mkdir(path.dirname(file), { recursive: true });
  await writeFile(file, body);
}

export interface ParitySink {
  posts: number;
  objects: number;
}

/** Writes the parity sink for `topics` into `dir`. */
export async function writeParitySink(
  dir: string,
  topics: Record<TableKey, string>,
  posts: number,
  seed = 11,
): Promise<ParitySink> {
  const written = await writeSinkFolder({
    dir,
    topics,
    posts: withRepeats(generatePosts({ rows: posts, seed }), 13),
    flushSize: 1,
  });
  let objects = written.objects;
  const dirty = dirtyRawRecords();
  for (const table of TABLES) {
    const rows = dirty[table] as unknown[];
    for (let start = 0; start < rows.length; start += 50) {
      await writeObject(
        dir,
        topics[table],
        1,
        start,
        rows
          .slice(start, start + 50)
          .map((r) => `${JSON.stringify(r)}\n`)
          .join(''),
      );
      objects += 1;
    }
  }
  for (const object of badRecordCorpus(topics)) {
    await writeObject(dir, object.topic, object.partition + 2, object.startOffset, object.body);
    objects += 1;
  }
  return { posts, objects };
}
