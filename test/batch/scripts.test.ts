import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { main as analyseMain } from '../../scripts/analyse';
import { main as cleanBatchMain } from '../../scripts/clean-batch';
import { putSinkObject } from '../support/sink-fixture';
import { namesFor } from '../../src/config';
import { TABLES } from '../../src/contract/tables';
import { geo, lines, pin, startTestS3, user as userRow } from './helpers';

/** Runs `fn` with console.log captured (stdout itself stays: the test runner reports through it). */
async function captured<T>(fn: () => Promise<T>): Promise<{ result: T; output: string }> {
  const lines: string[] = [];
  const log = console.log;
  console.log = (...args: unknown[]) => {
    lines.push(args.join(' '));
  };
  try {
    return { result: await fn(), output: lines.join('\n') };
  } finally {
    console.log = log;
  }
}

/** Calls `fn` with stdout captured only while it runs synchronously (where --help is printed). */
function helpOf(fn: () => Promise<unknown>): { done: Promise<unknown>; output: string } {
  const chunks: string[] = [];
  const write = process.stdout.write.bind(process.stdout);
  process.stdout.write = ((chunk: string | Uint8Array) => {
    chunks.push(String(chunk));
    return true;
  }) as typeof process.stdout.write;
  let done: Promise<unknown>;
  try {
    done = fn();
  } finally {
    process.stdout.write = write;
  }
  return { done, output: chunks.join('') };
}

describe('npm run clean and npm run analyse (scripts/clean-batch.ts, scripts/analyse.ts)', () => {
  let dir: string;
  before(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'pp-batch-scripts-'));
  });
  after(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  test('--help explains each', async () => {
    const clean = helpOf(() => cleanBatchMain(['--help']));
    assert.equal(await clean.done, undefined);
    assert.match(clean.output, /--sample N/);
    assert.match(clean.output, /--quarantine DIR/);
    const analyse = helpOf(() => analyseMain(['--help']));
    assert.equal(await analyse.done, undefined);
    assert.match(analyse.output, /--clean-dir DIR/);
  });

  test('clean a generated sample, then analyse it into a report', { timeout: 120_000 }, async () => {
    const clean = path.join(dir, 'clean');
    const { result, output } = await captured(() =>
      cleanBatchMain([
        '--sample',
        '60',
        '--out',
        clean,
        '--quarantine',
        path.join(dir, 'quarantine'),
        '--concurrency',
        '4',
      ]),
    );
    assert.ok(result);
    assert.match(output, /^pin\s+61\s+61\s+0\s+0\s+61\s+1\s+60$/m, 'one post sent twice, its copy dropped');
    for (const table of TABLES) {
      assert.ok(existsSync(path.join(clean, `${table}.csv`)));
      assert.equal(
        readFileSync(path.join(clean, `${table}.jsonl`), 'utf8')
          .trim()
          .split('\n').length,
        60,
      );
    }
    const out = path.join(dir, 'out');
    const analysed = await captured(() => analyseMain(['--clean-dir', clean, '--out', out]));
    assert.equal(analysed.result?.answers.length, 9);
    assert.ok(existsSync(path.join(out, 'report.html')));
    assert.ok(existsSync(path.join(out, 'answers', 'q8-median-followers-by-join-year-and-age-group.csv')));
    assert.match(analysed.output, /report: /);
  });

  test('a bad option is a one-line usage error', async () => {
    await assert.rejects(cleanBatchMain(['--sample', 'many']), /--sample expects a whole number/);
    await assert.rejects(analyseMain(['--nope']), /see npm run analyse -- --help/);
  });

  test(
    'nothing to read, records missing from the sink, or empty cleaned tables: a failure with one line saying what to do',
    { timeout: 120_000 },
    async () => {
      const s3 = await startTestS3();
      try {
        const user = `empty-${process.pid}`;
        const endpoint = s3.s3.config.endpoint as unknown as () => Promise<{
          protocol: string;
          hostname: string;
          port?: number;
        }>;
        const { protocol, hostname, port } = await endpoint();
        const url = `${protocol}//${hostname}:${port}`;
        const args = [
          '--s3-endpoint',
          url,
          '--bucket',
          s3.bucket,
          '--out',
          path.join(dir, 'clean-empty'),
          '--quarantine',
          path.join(dir, 'q-empty'),
        ];
        const env = process.env.PP_USER_ID;
        process.env.PP_USER_ID = user;
        try {
          await assert.rejects(
            captured(() => cleanBatchMain(args)),
            /no sink objects under s3:\/\/.*; emulate posts first \(npm run emulate:batch, or npm start\)/,
          );
          const topics = namesFor(user).topics;
          await putSinkObject(s3.s3, s3.bucket, topics.pin, 0, 0, lines(pin(0), pin(1)));
          await putSinkObject(s3.s3, s3.bucket, topics.pin, 0, 5, lines(pin(5)));
          await assert.rejects(
            captured(() => cleanBatchMain(args)),
            /no sink objects for geo and user under .* \(the other tables have some\)/,
            'one table cleaned while another has nothing is never a success',
          );
          await putSinkObject(s3.s3, s3.bucket, topics.geo, 0, 0, lines(geo(0), geo(1)));
          await putSinkObject(s3.s3, s3.bucket, topics.user, 0, 0, lines(userRow(0), userRow(1)));
          await assert.rejects(
            captured(() => cleanBatchMain(args)),
            /3 record\(s\) the sink's offsets show are in no object .* pass --allow-gaps to accept the loss/,
          );
          assert.ok(
            !existsSync(path.join(dir, 'clean-empty', 'run.json')),
            'a failed run leaves no record of a completed one',
          );
          const accepted = await captured(() => cleanBatchMain([...args, '--allow-gaps']));
          assert.equal(accepted.result?.read.missing, 3);
          assert.equal(accepted.result?.run.checkedAgainstEndOffsets, false);
          await assert.rejects(
            captured(() =>
              analyseMain(['--clean-dir', path.join(dir, 'q-empty'), '--out', path.join(dir, 'out-empty')]),
            ),
            /holds no tables of a completed batch run \(npm run clean has not run there, or its last run failed\): run npm run clean, or npm start/,
          );
        } finally {
          if (env === undefined) delete process.env.PP_USER_ID;
          else process.env.PP_USER_ID = env;
        }
      } finally {
        await s3.close();
      }
    },
  );
});
