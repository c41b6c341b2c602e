/**
 * How many objects the batch step reads at a time: the store's `objectsInFlight` (64 from S3, whose
 * GetObject calls wait on the network) unless `concurrency` says otherwise, else 16.
 */
import assert from 'node:assert/strict';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { after, before, test } from 'node:test';
import { loadSink } from '../../src/batch/load-sink';
import { s3SinkStore, type SinkStore } from '../../src/batch/read-sink';
import { folderSinkStore, sinkFolderFile } from '../../src/batch/sink-folder';
import { createS3Client } from '../../src/clients';
import { namesFor } from '../../src/config';
import { sinkObjectKey } from '../../src/contract/sink-object';
import { TABLES } from '../../src/contract/tables';
import { openDatabase } from '../../src/duckdb';
import { S3_REQUESTS_IN_FLIGHT } from '../../src/s3-in-flight';
import { geo, lines, pin, user } from './helpers';

const OBJECTS = 100;
const topics = namesFor('in-flight').topics;
let dir: string;

before(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'pp-in-flight-'));
  const make = { pin, geo, user };
  for (const table of TABLES)
    for (let i = 0; i < OBJECTS; i++) {
      const file = sinkFolderFile(dir, sinkObjectKey(topics[table], 0, i));
      await mkdir(path.dirname(file), { recursive: true });
      await writeFile(file, lines(make[table](i + 1)));
    }
});
after(async () => {
  if (dir) await rm(dir, { recursive: true, force: true });
});

/** The folder as a remote store (no file to read in place) whose objects take 10 ms to open; `most` is the most open at once. */
function slowStore(objectsInFlight: number | undefined): SinkStore & { most: number } {
  const folder = folderSinkStore(dir);
  let open = 0;
  const store = {
    most: 0,
    description: 'slow',
    ...(objectsInFlight ? { objectsInFlight } : {}),
    listPages: folder.listPages.bind(folder),
    open: async (key: string) => {
      open += 1;
      store.most = Math.max(store.most, open);
      await sleep(10);
      const body = await folder.open(key);
      return (async function* () {
        try {
          yield* body;
        } finally {
          open -= 1;
        }
      })();
    },
  };
  return store;
}

test('S3 is read 64 objects at a time, a store that says nothing 16, and --concurrency wins over both', async () => {
  assert.equal(s3SinkStore(createS3Client({ region: 'us-east-1' }), 'b').objectsInFlight, S3_REQUESTS_IN_FLIGHT);
  for (const [objectsInFlight, concurrency, expected] of [
    [S3_REQUESTS_IN_FLIGHT, undefined, S3_REQUESTS_IN_FLIGHT],
    [undefined, undefined, 16],
    [S3_REQUESTS_IN_FLIGHT, 8, 8],
  ] as const) {
    const store = slowStore(objectsInFlight);
    const db = await openDatabase();
    try {
      const loaded = await loadSink({
        connection: db.connection,
        store,
        topics,
        ...(concurrency ? { concurrency } : {}),
      });
      assert.equal(loaded.counts.tables.pin.records, OBJECTS);
    } finally {
      db.close();
    }
    assert.equal(store.most, expected, `objectsInFlight ${objectsInFlight}, concurrency ${concurrency}`);
  }
});
