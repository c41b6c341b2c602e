/**
 * The three scripts run in-process: --help, a short run on a local stack started as `npm run stack`
 * starts it (in a temp folder, unique user id, no credentials, no topics yet), Ctrl-C (an abort
 * signal) still printing the summary, and create-topics creating the topics and being idempotent.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { PassThrough } from 'node:stream';
import { after, before, describe, test } from 'node:test';
import { main as createTopicsMain, SPEC as TOPICS_SPEC } from '../../scripts/create-topics';
import { main as emulateBatchMain, SPEC as BATCH_SPEC } from '../../scripts/emulate-batch';
import { main as emulateStreamMain, SPEC as STREAM_SPEC } from '../../scripts/emulate-stream';
import { helpText } from '../../scripts/lib/cli';
import { EPHEMERAL_PORTS, startLocalStack, type LocalStack } from '../../src/local-stack/start-local-stack';

function collector(): PassThrough & { text(): string } {
  const stream = new PassThrough();
  let text = '';
  stream.on('data', (chunk: Buffer) => {
    text += chunk.toString('utf8');
  });
  return Object.assign(stream, { text: () => text });
}

describe('emulation scripts', { timeout: 120_000 }, () => {
  const saved = {
    dir: process.env.PP_CREDENTIALS_DIR,
    user: process.env.PP_USER_ID,
    source: process.env.PP_SOURCE,
    exitCode: process.exitCode,
  };
  const work = mkdtempSync(path.join(tmpdir(), 'pp-emulation-scripts-'));
  const dataDir = path.join(work, 'stack');
  let stack: LocalStack | undefined;
  before(async () => {
    // No credentials: the embedded source and the local stack, whatever the workspace holds.
    process.env.PP_CREDENTIALS_DIR = mkdtempSync(path.join(work, 'credentials-'));
    process.env.PP_USER_ID = `sc-${randomBytes(4).toString('hex')}`;
    delete process.env.PP_SOURCE;
    stack = await startLocalStack({
      dataDir,
      ports: EPHEMERAL_PORTS,
      userId: process.env.PP_USER_ID,
      sink: { flushSize: 500 },
    });
  });
  after(async () => {
    await stack?.stop();
    for (const [key, value] of [
      ['PP_CREDENTIALS_DIR', saved.dir],
      ['PP_USER_ID', saved.user],
      ['PP_SOURCE', saved.source],
    ] as const) {
      if (value === undefined) delete process.env[key];
      else process.env[key] = value;
    }
    process.exitCode = saved.exitCode;
    rmSync(work, { recursive: true, force: true });
  });

  test('--help of each script names its flags', () => {
    for (const [spec, flags] of [
      [
        BATCH_SPEC,
        [
          '--count',
          '--duration',
          '--rate',
          '--course-pace',
          '--seed',
          '--selection',
          '--batch-size',
          '--concurrency',
          '--via',
          '--quarantine',
          '--start-stack',
          '--forever',
        ],
      ],
      [STREAM_SPEC, ['--count', '--rate', '--via', '--route']],
      [TOPICS_SPEC, ['--topics-only', '--streams-only', '--shards', '--replication-factor']],
    ] as const) {
      const text = helpText(spec);
      assert.match(text, /^Usage: npm run (emulate:batch|emulate:stream|create-topics) -- \[options\]/);
      for (const flag of [...flags, '--help']) assert.ok(text.includes(flag), `${flag} in\n${text}`);
    }
  });

  test('create-topics creates the topics and streams, and says they exist the second time', async () => {
    const first = await createTopicsMain(['--data-dir', dataDir], { out: collector() });
    assert.equal(first?.length, 6);
    // The stack starts with none: creating them is the learner's step.
    assert.ok(
      first?.every((r) => r.outcome === 'created' && (r.kind === 'topic' || r.status === 'ACTIVE')),
      JSON.stringify(first),
    );
    const out = collector();
    const results = await createTopicsMain(['--data-dir', dataDir], { out });
    assert.ok(results?.every((r) => r.outcome === 'exists' && (r.kind === 'topic' || r.status === 'ACTIVE')));
    // A table (src/terminal-table.ts): a header line, columns two spaces apart.
    assert.match(out.text(), /^kind {4}name\s+outcome$/m);
    assert.match(
      out.text(),
      new RegExp(`^stream {2}streaming-${process.env.PP_USER_ID}-pin\\s+exists \\(ACTIVE\\)$`, 'm'),
    );
  });

  test('emulate-batch sends, prints the summary and writes no quarantine lines', async () => {
    const out = collector();
    const quarantine = path.join(work, 'q-batch.jsonl');
    const summary = await emulateBatchMain(
      [
        '--count',
        '200',
        '--data-dir',
        dataDir,
        '--progress',
        'silent',
        '--quarantine',
        quarantine,
        '--via',
        'rest-proxy',
      ],
      { out },
    );
    assert.ok(summary?.ok);
    assert.equal(summary?.tables[0].acked, 200);
    assert.match(out.text(), /batch path: 200 posts/);
    assert.match(out.text(), /total\s+600\s+600\s+600\s+0\s+0\s+0/);
    assert.equal(readFileSync(quarantine, 'utf8'), '');
    assert.notEqual(process.exitCode, 1);
  });

  test('emulate-stream stopped like Ctrl-C still prints the summary, and it reconciles', async () => {
    const out = collector();
    const controller = new AbortController();
    setTimeout(() => controller.abort(), 1_500);
    const summary = await emulateStreamMain(
      [
        '--rate',
        '300',
        '--data-dir',
        dataDir,
        '--progress',
        'silent',
        '--quarantine',
        path.join(work, 'q-stream.jsonl'),
        '--via',
        'gateway',
      ],
      { out, signal: controller.signal },
    );
    assert.equal(summary?.stoppedBy, 'signal');
    assert.ok(summary?.ok && summary.reconciled);
    assert.ok((summary?.posts ?? 0) > 100, `${summary?.posts} posts`);
    assert.match(out.text(), /stopped by signal/);
  });

  test('bad flags fail with a one-line reason', async () => {
    await assert.rejects(emulateBatchMain(['--count', 'ten']), /--count expects a whole number >= 1/);
    await assert.rejects(
      emulateBatchMain(['--selection', 'shuffled', '--data-dir', dataDir]),
      /--selection expects one of random, sequential/,
    );
    await assert.rejects(emulateStreamMain(['--bogus']), /see npm run emulate:stream -- --help/);
  });
});
