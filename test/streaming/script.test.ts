/** `scripts/stream.ts`: --help, and a run with --until-idle against a stack found running from its data folder. */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Writable } from 'node:stream';
import { after, test } from 'node:test';
import { PutRecordsCommand } from '@aws-sdk/client-kinesis';
import { main } from '../../scripts/stream';
import { stackPool } from './helpers';
import { runTsScript } from '../support/run-process';

const pool = stackPool();
after(() => pool.cleanup());

test('--help describes the command', () => {
  const text = execFileSync(
    process.execPath,
    ['--import', 'tsx', path.join(__dirname, '..', '..', 'scripts', 'stream.ts'), '--help'],
    { encoding: 'utf8' },
  );
  assert.match(text, /Usage: npm run stream -- \[options\]/);
  assert.match(text, /--until-idle/);
  assert.match(text, /--duration SECONDS/);
});

test('--until-idle consumes what the streams hold and prints a line per stream', { timeout: 60_000 }, async () => {
  const dataDir = pool.tempDir();
  const stack = await pool.start({ dataDir, provision: true });
  const user = (ind: number) => ({ ind, first_name: 'A', last_name: 'B', age: 30, date_joined: '2016-01-01 00:00:00' });
  await stack.kinesis.send(
    new PutRecordsCommand({
      StreamName: stack.names.streams.user,
      Records: [1, 2, 3].map((i) => ({ Data: Buffer.from(JSON.stringify(user(i))), PartitionKey: String(i) })),
    }),
  );
  let text = '';
  const out = new Writable({
    write(chunk: Buffer, _encoding, done) {
      text += chunk.toString();
      done();
    },
  });
  const summary = await main(
    ['--until-idle', '--idle-ms', '300', '--data-dir', dataDir, '--quarantine', path.join(dataDir, 'q.jsonl')],
    { out },
  );
  assert.equal(summary?.stoppedBy, 'idle');
  assert.equal(summary?.tables.user.rowsWritten, 3);
  assert.match(
    text,
    new RegExp(
      `${stack.names.streams.user}: \\d+ records/s, 3 read, 3 rows written to ${stack.names.streamTables.user}.* ms behind latest`,
    ),
  );
  assert.match(text, /stopped by idle/);

  const timed = await main(['--duration', '1', '--data-dir', dataDir, '--quarantine', path.join(dataDir, 'q.jsonl')], {
    out,
  });
  assert.equal(timed?.stoppedBy, 'duration');
  assert.equal(timed?.tables.user.records, 0, 'the second run resumes after the checkpoint');
  assert.equal(timed?.tables.user.tableRows, 3);
});

test(
  'the stream command fails with exit 1 and one line for bad flags and bad credentials',
  { timeout: 60_000 },
  async () => {
    const credentials = mkdtempSync(path.join(tmpdir(), 'pp-stream-creds-'));
    try {
      writeFileSync(path.join(credentials, 'aws.yaml'), 'user_id: abc123\nregoin: us-east-1\n');
      const env = { ...process.env, PP_CREDENTIALS_DIR: credentials };
      for (const [args, line] of [
        [['--duration', 'soon'], /^error: --duration expects a number >= 0, got "soon"$/],
        [['--bogus'], /^error: .*'--bogus'.*; see npm run stream -- --help$/],
        [['--until-idle'], /^error: .*aws\.yaml: regoin: unknown key; did you mean region\?/],
      ] as const) {
        const run = await runTsScript('scripts/stream.ts', [...args], { env, timeoutMs: 60_000 });
        const errors = run.stderr.split('\n').filter((l) => l.startsWith('error:'));
        assert.equal(run.code, 1, run.stderr);
        assert.equal(errors.length, 1, run.stderr);
        assert.match(errors[0], line);
      }
    } finally {
      rmSync(credentials, { recursive: true, force: true });
    }
  },
);
