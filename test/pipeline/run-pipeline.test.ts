import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import { loadConfig } from '../../src/config';
import { createLogger } from '../../src/log';
import {
  AckedOffsets,
  AWS_DEFAULT_RATE,
  openPipelineTarget,
  pipelineRate,
  reconciliationRows,
  runPipeline,
} from '../../src/pipeline/run-pipeline';
import { EmbeddedRowSource } from '../../src/source/embedded-source';

/** The main job (`npm start`) end to end on the embedded local stack, small. */
test('the whole pipeline runs on the local stack and every record is accounted for', { timeout: 180_000 }, async () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'pp-pipeline-'));
  const lines: string[] = [];
  try {
    const config = loadConfig({
      credentialsDir: mkdtempSync(path.join(tmpdir(), 'pp-no-creds-')),
      env: { PP_USER_ID: `pl-${process.pid}` },
    });
    const log = createLogger('test', (line) => lines.push(line));
    const target = await openPipelineTarget({ config, dataDir: path.join(dir, 'stack'), flushSize: 50, log });
    const result = await runPipeline({
      config,
      target,
      source: new EmbeddedRowSource({ rows: 1_000, seed: 42 }),
      posts: 800,
      dataDir: path.join(dir, 'stack'),
      outDir: path.join(dir, 'output'),
      stream: true,
      seed: 7,
      progress: 'silent',
      log,
    }).finally(() => target.close());
    assert.ok(result.reconciled, JSON.stringify(reconciliationRows(result)));
    for (const row of reconciliationRows(result)) {
      assert.equal(row.emitted, 800);
      assert.equal(row.acked, 800);
      assert.equal(row['in S3'], 800);
      assert.equal(row.missing, 0);
      assert.equal(row['in Kinesis'], 800);
      assert.equal(Number(row['read quarantined']) + Number(row.deduplicated) + Number(row.cleaned), 800);
      assert.ok(Number(row.deduplicated) > 0, 'random rows repeat, as in the course');
      assert.equal(
        row['stream table rows'],
        row.cleaned,
        "both paths carried the same posts, so the streaming tables hold the batch path's cleaned rows",
      );
    }
    assert.deepEqual(
      result.streamingMatchesBatch,
      { pin: true, geo: true, user: true },
      "the streaming tables hold exactly the batch step's cleaned rows, row for row",
    );
    assert.ok(existsSync(result.reportPath));
    assert.equal(result.answerFiles.length, 9);
    assert.ok(existsSync(path.join(dir, 'output', 'clean')));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test("against AWS: a sane default rate, and only this run's acknowledged offsets count as landed", () => {
  assert.equal(pipelineRate('aws'), AWS_DEFAULT_RATE);
  assert.equal(pipelineRate('aws', 500), 500);
  assert.equal(pipelineRate('local'), undefined, 'unlimited on the local stack');
  const offsets = new AckedOffsets();
  offsets.add({ table: 'pin', partition: 0, offset: 10 });
  offsets.add({ table: 'pin', partition: 0, offset: 11 });
  offsets.add({ table: 'geo', partition: 1, offset: 0 });
  offsets.add({ table: 'user' });
  assert.deepEqual(
    offsets.ends(),
    { pin: new Map([[0, 12]]), geo: new Map([[1, 1]]), user: new Map() },
    "the sink must reach one past each partition's highest acknowledged offset",
  );
  // The bucket also holds an earlier run's records (pin offsets 0-9, and partition 0 of geo); pin's offset 11 is in no object yet.
  const part = (table: 'pin' | 'geo' | 'user', partition: number, end: number, missing: [number, number][]) => ({
    table,
    topic: table,
    partition,
    end,
    objects: 1,
    covered: end - missing.length,
    missing,
  });
  const coverage = {
    partitions: [part('pin', 0, 12, [[11, 11]]), part('geo', 0, 5, []), part('geo', 1, 1, [])],
    expected: 18,
    covered: 17,
    complete: false,
  };
  assert.deepEqual(
    {
      pin: offsets.landed('pin', coverage),
      geo: offsets.landed('geo', coverage),
      user: offsets.landed('user', coverage),
    },
    { pin: 1, geo: 1, user: 0 },
  );
  assert.equal(offsets.landed('pin', undefined), 0, 'nothing landed when the sink was not checked');
});
