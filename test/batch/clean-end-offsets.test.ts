import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { GetObjectCommand, PutObjectCommand } from '@aws-sdk/client-s3';
import { main as cleanMain } from '../../scripts/clean-batch';
import { sinkObjectKey } from '../../src/contract/sink-object';
import { TABLES } from '../../src/contract/tables';
import { createHttpClient } from '../../src/http-client';
import { EPHEMERAL_PORTS, startLocalStack, type LocalStack } from '../../src/local-stack/start-local-stack';
import { geo, pin, user } from './helpers';

const ROW = { pin, geo, user } as const;

/** Runs `npm run clean`'s main with console output kept out of the test report. */
async function clean(args: string[]) {
  const log = console.log;
  console.log = () => undefined;
  try {
    return await cleanMain(args);
  } finally {
    console.log = log;
  }
}

/**
 * `npm run clean` against a running local stack reads up to each topic's end offset (the REST
 * proxy's): a sink still behind, or a last object that lost records, is a failure naming the
 * missing offsets, never a success with fewer rows.
 */
describe("npm run clean reads up to the topics' end offsets", () => {
  let dir: string;
  let stack: LocalStack;
  let args: (name: string) => string[];
  const produce = async (table: (typeof TABLES)[number], ids: number[]) => {
    const http = createHttpClient({ baseUrl: stack.endpoints.restProxy });
    try {
      const answer = await http.request('POST', `/topics/${stack.names.topics[table]}`, {
        headers: { 'Content-Type': 'application/vnd.kafka.json.v2+json' },
        body: JSON.stringify({ records: ids.map((id) => ({ value: ROW[table](id) })) }),
      });
      assert.equal(answer.status, 200, answer.text);
    } finally {
      http.close();
    }
  };

  before(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'pp-end-offsets-'));
    stack = await startLocalStack({
      dataDir: path.join(dir, 'stack'),
      ports: EPHEMERAL_PORTS,
      provision: true,
      userId: `eo${process.pid}`,
      sink: { flushSize: 3, rotateIntervalMs: 200 },
    });
    args = (name) => [
      '--data-dir',
      path.join(dir, 'stack'),
      '--out',
      path.join(dir, name),
      '--quarantine',
      path.join(dir, `${name}-q`),
      '--timeout',
      '3',
    ];
    for (const table of TABLES) await produce(table, [0, 1, 2, 3, 4, 5]);
  });
  after(async () => {
    await stack.stop();
    await rm(dir, { recursive: true, force: true });
  });

  test(
    'the whole sink: every record below the end offsets read, each object downloaded once, and the run recorded',
    { timeout: 60_000 },
    async () => {
      const before = new Map(stack.objectReads());
      const result = await clean(args('whole'));
      const downloads = [...stack.objectReads()]
        .map(([key, n]) => [key, n - (before.get(key) ?? 0)] as const)
        .filter(([, n]) => n > 0);
      assert.equal(downloads.length, 6, 'two objects per topic, each read');
      assert.ok(
        downloads.every(([, n]) => n === 1),
        `the wait counts records from listings and metadata; the read downloads each object once: ${JSON.stringify(downloads)}`,
      );
      assert.equal(result?.read.missing, 0);
      for (const table of TABLES) assert.equal(result?.read.tables[table].records, 6);
      assert.equal(result?.run.checkedAgainstEndOffsets, true);
      assert.equal(result?.coverage?.expected, 18);
      assert.ok(existsSync(path.join(dir, 'whole', 'run.json')));
    },
  );

  test(
    'the last object of a partition truncated (3 lines → 1): exit 1 naming the missing offsets',
    { timeout: 60_000 },
    async () => {
      const key = sinkObjectKey(stack.names.topics.pin, 0, 3);
      const original = await stack.s3.send(new GetObjectCommand({ Bucket: stack.bucket, Key: key }));
      const text = (await original.Body?.transformToString()) ?? '';
      assert.equal(text.trim().split('\n').length, 3);
      const firstLine = `${text.split('\n')[0]}\n`;
      try {
        // Truncated in place, its metadata still saying 3 records: only the end offset shows the loss.
        await stack.s3.send(
          new PutObjectCommand({ Bucket: stack.bucket, Key: key, Body: firstLine, Metadata: original.Metadata }),
        );
        await assert.rejects(clean(args('truncated')), /2 record\(s\) the sink's offsets show are in no object/);
        assert.ok(!existsSync(path.join(dir, 'truncated', 'run.json')), 'no record of a completed run');
        // Rewritten without metadata: the wait counts the object's lines, waits, then names the offsets.
        await stack.s3.send(new PutObjectCommand({ Bucket: stack.bucket, Key: key, Body: firstLine }));
        const started = Date.now();
        await assert.rejects(
          clean(args('truncated')),
          /the S3 sink still lacks 2 of 18 records \(eo\d+\.pin partition 0: offsets 4\.\.5 of 0\.\.5 are in no object\)/,
        );
        assert.ok(Date.now() - started >= 3_000, 'it waited for --timeout first');
      } finally {
        await stack.s3.send(
          new PutObjectCommand({ Bucket: stack.bucket, Key: key, Body: text, Metadata: original.Metadata }),
        );
      }
    },
  );

  test(
    'the sink behind: records produced while it is stopped make clean wait, then fail naming them',
    { timeout: 60_000 },
    async () => {
      await stack.sink.stop();
      await produce('geo', [6, 7]);
      await assert.rejects(
        clean(args('behind')),
        /the S3 sink still lacks 2 of 20 records \(eo\d+\.geo partition 0: offsets 6\.\.7 of 0\.\.7 are in no object\); is the sink .* running\?/,
      );
      const accepted = await clean([...args('behind'), '--allow-gaps']);
      assert.equal(accepted?.read.missing, 2, 'the loss is still counted');
      assert.equal(accepted?.run.checkedAgainstEndOffsets, false);
    },
  );
});
