import assert from 'node:assert/strict';
import { appendFile, mkdtemp, open, readFile, readdir, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, afterEach, before, describe, test } from 'node:test';
import { PipelineError } from '../../src/errors';
import { TopicStore } from '../../src/local-stack/topic-store';

const silent = { info: () => undefined, warn: () => undefined, error: () => undefined };

/** Counts FileHandle writes and fdatasyncs made while `run` runs. */
async function countSyscalls<T>(
  dir: string,
  run: () => Promise<T>,
): Promise<{ result: T; writes: number; datasyncs: number }> {
  const probe = await open(path.join(dir, 'probe'), 'w');
  const proto = Object.getPrototypeOf(probe) as {
    write: (...args: unknown[]) => unknown;
    datasync: (...args: unknown[]) => unknown;
  };
  await probe.close();
  const { write, datasync } = proto;
  let writes = 0;
  let datasyncs = 0;
  proto.write = function (this: unknown, ...args: unknown[]) {
    writes++;
    return write.apply(this, args);
  };
  proto.datasync = function (this: unknown, ...args: unknown[]) {
    datasyncs++;
    return datasync.apply(this, args);
  };
  try {
    const result = await run();
    return { result, writes, datasyncs };
  } finally {
    proto.write = write;
    proto.datasync = datasync;
  }
}

function logFileOf(dir: string, store: TopicStore, topic: string, partition: number): string {
  return path.join(dir, 'topics', topic, `${store.getTopic(topic)?.topicId}-${partition}.log`);
}

describe('TopicStore', () => {
  let root: string;
  let dir = '';
  const stores: TopicStore[] = [];
  const openStore = async (options: Partial<Parameters<typeof TopicStore.open>[0]> = {}) => {
    const store = await TopicStore.open({ dir, logger: silent, ...options });
    stores.push(store);
    return store;
  };

  before(async () => {
    root = await mkdtemp(path.join(tmpdir(), 'pp-topic-store-'));
  });
  afterEach(async () => {
    for (const store of stores.splice(0)) await store.close();
  });
  after(async () => {
    await rm(root, { recursive: true, force: true });
  });
  test('appends, reads back values, keys and bytes, and keeps them across a reopen', async () => {
    dir = path.join(root, 'roundtrip');
    let store = await openStore();
    assert.deepEqual(
      await store.append('a.pin', 0, [{ value: { index: 1, title: 'x\ny' } }, { value: 'text', key: 'k1' }]),
      [0, 1],
    );
    assert.deepEqual(
      await store.append('a.pin', 0, [
        { value: Buffer.from([0, 1, 2, 255]), key: new Uint8Array([7]) },
        { value: null },
      ]),
      [2, 3],
    );
    assert.equal(store.endOffset('a.pin', 0), 4);
    const check = async (s: TopicStore) => {
      const records = await s.read('a.pin', 0, 0, 10);
      assert.deepEqual(
        records.map((r) => [r.offset, r.value, r.key]),
        [
          [0, { index: 1, title: 'x\ny' }, undefined],
          [1, 'text', 'k1'],
          [2, Buffer.from([0, 1, 2, 255]), Buffer.from([7])],
          [3, null, undefined],
        ],
      );
      assert.ok(records.every((r) => typeof r.timestamp === 'number' && r.timestamp > 0));
      assert.deepEqual(
        (await s.read('a.pin', 0, 1, 2)).map((r) => r.offset),
        [1, 2],
      );
      assert.deepEqual(await s.read('a.pin', 0, 4, 10), []);
    };
    await check(store);
    await store.close();
    stores.length = 0;
    store = await openStore();
    await check(store);
    assert.deepEqual(await store.append('a.pin', 0, [{ value: 5 }]), [4]);
  });

  test('a torn last line (a write cut short) is truncated on reopen and its offset reused', async () => {
    dir = path.join(root, 'torn');
    let store = await openStore();
    await store.append('t', 0, [{ value: { a: 1 } }, { value: { a: 2 } }, { value: { a: 3 } }]);
    const file = logFileOf(dir, store, 't', 0);
    await store.close();
    stores.length = 0;
    const goodSize = (await stat(file)).size;
    await appendFile(file, '{"o":3,"t":1700000000000,"v":{"a":');
    store = await openStore();
    assert.equal(store.endOffset('t', 0), 3);
    assert.equal((await stat(file)).size, goodSize);
    assert.deepEqual(await store.append('t', 0, [{ value: { a: 4 } }]), [3]);
    assert.deepEqual(
      (await store.read('t', 0, 0, 10)).map((r) => r.value),
      [{ a: 1 }, { a: 2 }, { a: 3 }, { a: 4 }],
    );
    await store.close();
    stores.length = 0;

    // A whole but garbled tail (zeros a crash can leave, or a line out of sequence) goes too.
    const before = (await stat(file)).size;
    await appendFile(file, Buffer.concat([Buffer.alloc(100), Buffer.from('\n{"o":9,"t":1,"v":1}\n')]));
    store = await openStore();
    assert.equal(store.endOffset('t', 0), 4);
    assert.equal((await stat(file)).size, before);
  });

  test('group commit: concurrent appenders get unique, gap-free offsets with fewer fdatasyncs than batches', async () => {
    dir = path.join(root, 'group');
    const store = await openStore();
    await store.createTopic('g', { partitions: 2 });
    const appenders = 16;
    const batches = 20;
    const { result, datasyncs, writes } = await countSyscalls(root, () =>
      Promise.all(
        Array.from({ length: appenders }, async (_, a) => {
          const seen: { partition: number; offsets: number[]; values: string[] }[] = [];
          for (let b = 0; b < batches; b++) {
            const partition = (a + b) % 2;
            const values = Array.from({ length: 25 }, (_, i) => `${a}/${b}/${i}`);
            seen.push({
              partition,
              offsets: await store.append(
                'g',
                partition,
                values.map((value) => ({ value })),
              ),
              values,
            });
          }
          return seen;
        }),
      ),
    );
    const byPartition: Map<number, string>[] = [new Map(), new Map()];
    for (const seen of result) {
      for (const { partition, offsets, values } of seen) {
        offsets.forEach((offset, i) => {
          if (i > 0) assert.equal(offset, offsets[i - 1] + 1, 'a batch gets consecutive offsets');
          assert.ok(!byPartition[partition].has(offset), `offset ${offset} given twice`);
          byPartition[partition].set(offset, values[i]);
        });
      }
    }
    const total = appenders * batches * 25;
    assert.equal(byPartition[0].size + byPartition[1].size, total);
    for (const partition of [0, 1]) {
      const end = store.endOffset('g', partition);
      assert.equal(end, byPartition[partition].size);
      const stored = await store.read('g', partition, 0, end);
      assert.deepEqual(
        stored.map((r) => r.offset),
        [...Array(end).keys()],
      );
      for (const record of stored) assert.equal(record.value, byPartition[partition].get(record.offset));
    }
    assert.ok(datasyncs > 0, 'fsync is on by default');
    assert.ok(
      datasyncs < appenders * batches,
      `appends waiting together share an fdatasync (${datasyncs} for ${appenders * batches} batches)`,
    );
    assert.ok(writes <= datasyncs, 'one write per group commit');
  });

  test('fsync: false writes without fdatasync', async () => {
    dir = path.join(root, 'nofsync');
    const store = await openStore({ fsync: false });
    await store.createTopic('n');
    const { datasyncs } = await countSyscalls(root, () => store.append('n', 0, [{ value: 1 }]));
    assert.equal(datasyncs, 0);
  });

  test('topics: create (typed errors), list, delete, re-create with a new id, kept in topics.json', async () => {
    dir = path.join(root, 'topics');
    let store = await openStore({ autoCreateTopics: false, defaultPartitions: 3 });
    const info = await store.createTopic('b.geo', {
      partitions: 2,
      replicationFactor: 3,
      configs: { 'cleanup.policy': 'delete' },
    });
    assert.deepEqual(
      { ...info, topicId: undefined },
      {
        name: 'b.geo',
        partitions: 2,
        replicationFactor: 3,
        configs: { 'cleanup.policy': 'delete' },
        topicId: undefined,
      },
    );
    await assert.rejects(
      store.createTopic('b.geo'),
      (e: unknown) => e instanceof PipelineError && e.code === 'TOPIC_EXISTS',
    );
    await assert.rejects(
      store.createTopic('bad name'),
      (e: unknown) => e instanceof PipelineError && e.code === 'TOPIC_NAME_INVALID',
    );
    await assert.rejects(
      store.createTopic('x', { partitions: 0 }),
      (e: unknown) => e instanceof PipelineError && e.code === 'TOPIC_CONFIG_INVALID',
    );
    await assert.rejects(
      store.append('missing', 0, [{ value: 1 }]),
      (e: unknown) => e instanceof PipelineError && e.code === 'TOPIC_NOT_FOUND',
    );
    await assert.rejects(
      store.append('b.geo', 2, [{ value: 1 }]),
      (e: unknown) => e instanceof PipelineError && e.code === 'PARTITION_NOT_FOUND',
    );
    assert.equal((await store.createTopic('c')).partitions, 3);
    assert.deepEqual(
      store.listTopics().map((t) => t.name),
      ['b.geo', 'c'],
    );
    await store.append('c', 1, [{ value: 'old' }]);
    const oldId = store.getTopic('c')?.topicId;
    await store.deleteTopic('c');
    await assert.rejects(
      store.deleteTopic('c'),
      (e: unknown) => e instanceof PipelineError && e.code === 'TOPIC_NOT_FOUND',
    );
    assert.equal(store.getTopic('c'), undefined);
    const again = await store.createTopic('c', { partitions: 2 });
    assert.notEqual(again.topicId, oldId);
    assert.equal(store.endOffset('c', 1), 0);
    await store.close();
    stores.length = 0;

    const metadata = JSON.parse(await readFile(path.join(dir, 'topics.json'), 'utf8')) as {
      topics: { name: string }[];
    };
    assert.deepEqual(metadata.topics.map((t) => t.name).sort(), ['b.geo', 'c']);
    // A log left by an interrupted create or delete is removed on open.
    await writeFile(path.join(dir, 'topics', 'c', 'stale-0.log'), '{"o":0,"t":1,"v":1}\n');
    store = await openStore();
    assert.deepEqual(
      store.listTopics().map((t) => [t.name, t.partitions]),
      [
        ['b.geo', 2],
        ['c', 2],
      ],
    );
    assert.deepEqual(
      (await readdir(path.join(dir, 'topics', 'c'))).sort(),
      [`${again.topicId}-0.log`, `${again.topicId}-1.log`].sort(),
    );
  });

  test('auto-creates topics with the default partitions, also under concurrent appends', async () => {
    dir = path.join(root, 'auto');
    const store = await openStore({ defaultPartitions: 2 });
    const results = await Promise.all(
      Array.from({ length: 10 }, (_, i) => store.append('auto.user', i % 2, [{ value: i }])),
    );
    assert.equal(results.flat().length, 10);
    assert.equal(store.getTopic('auto.user')?.partitions, 2);
    assert.equal(store.endOffset('auto.user', 0) + store.endOffset('auto.user', 1), 10);
  });

  test('onAppend fires after durable appends; a second open of the folder is refused; close rejects appends', async () => {
    dir = path.join(root, 'listen');
    const store = await openStore();
    const events: string[] = [];
    const off = store.onAppend((topic, partition) =>
      events.push(`${topic}-${partition}:${store.endOffset(topic, partition)}`),
    );
    await store.append('l', 0, [{ value: 1 }, { value: 2 }]);
    off();
    await store.append('l', 0, [{ value: 3 }]);
    assert.deepEqual(events, ['l-0:2']);
    await assert.rejects(
      TopicStore.open({ dir, logger: silent }),
      (e: unknown) => e instanceof PipelineError && e.code === 'STORE_LOCKED',
    );
    await store.close();
    stores.length = 0;
    await assert.rejects(
      store.append('l', 0, [{ value: 4 }]),
      (e: unknown) => e instanceof PipelineError && e.code === 'STORE_CLOSED',
    );
  });
});
