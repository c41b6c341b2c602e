/**
 * The doctor leaves no trace in the learner's data: after one real post and `npm run doctor` on
 * the running stack, `npm run clean` reads the post and quarantines nothing (the marked record went
 * to `<user_id>.doctor`, which the readers never list), and the three streams hold no record.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdir, mkdtemp, readdir, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { GetRecordsCommand, GetShardIteratorCommand } from '@aws-sdk/client-kinesis';
import { createHttpClient } from '../../src/http-client';
import { TABLES } from '../../src/contract/tables';
import { produceRow, SAMPLE_POST } from '../../src/local-stack/sample-roundtrip';
import { EPHEMERAL_PORTS, startLocalStack, type LocalStack } from '../../src/local-stack/start-local-stack';
import { listObjects } from '../../src/s3-list';
import { runTsScript } from '../support/run-process';
import { quietLogger } from './helpers';

describe('npm run doctor, then npm run clean', { timeout: 180_000 }, () => {
  const userId = `trace-${randomBytes(4).toString('hex')}`;
  let dir: string;
  let stack: LocalStack;
  let env: NodeJS.ProcessEnv;

  before(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'pp-doctor-trace-'));
    await mkdir(path.join(dir, 'credentials'));
    env = { PP_CREDENTIALS_DIR: path.join(dir, 'credentials'), PP_USER_ID: userId };
    for (const [key, value] of Object.entries(process.env))
      if (!/^(PP_|DB_|DATABRICKS_|AWS_)/.test(key)) env[key] = value;
    stack = await startLocalStack({
      dataDir: path.join(dir, 'stack'),
      ports: EPHEMERAL_PORTS,
      userId,
      provision: true,
      sink: { flushSize: 500 },
      logger: quietLogger,
    });
  });
  after(async () => {
    await stack?.stop();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  test("clean quarantines 0 records and the streams hold none of the doctor's", async () => {
    const http = createHttpClient({ baseUrl: stack.endpoints.invokeUrl, timeoutMs: 30_000 });
    try {
      for (const table of TABLES) await produceRow(http, stack.names.topics[table], SAMPLE_POST[table]);
    } finally {
      http.close();
    }
    const doctor = await runTsScript('scripts/doctor.ts', ['--local', '--data-dir', stack.dataDir], { env });
    assert.equal(doctor.code, 0, `${doctor.stdout}\n${doctor.stderr}`);
    assert.match(
      doctor.stdout,
      new RegExp(`✅ S3 sink: the marked record \\(${userId}\\.doctor partition 0 offset 0\\)`),
    );
    await stack.sink.drain();
    assert.ok(
      (await listObjects(stack.s3, stack.bucket, `topics/${userId}.doctor/`)).length > 0,
      "the doctor's record is in its own topic's folder",
    );

    const out = path.join(dir, 'clean');
    const quarantine = path.join(dir, 'quarantine');
    const clean = await runTsScript(
      'scripts/clean-batch.ts',
      ['--s3-endpoint', stack.endpoints.s3, '--out', out, '--quarantine', quarantine],
      { env },
    );
    const context = `${clean.stdout}\n${clean.stderr}`;
    assert.equal(clean.code, 0, context);
    // table  objects  records  missing  quarantined  parsed  duplicates  cleaned
    for (const table of TABLES)
      assert.match(clean.stdout, new RegExp(`^${table}\\s+1\\s+1\\s+0\\s+0\\s+1\\s+0\\s+1$`, 'm'), context);
    const files = await readdir(quarantine).catch(() => [] as string[]);
    for (const file of files)
      assert.equal((await stat(path.join(quarantine, file))).size, 0, `${file} holds quarantined records`);

    for (const stream of Object.values(stack.names.streams)) {
      const { ShardIterator } = await stack.kinesis.send(
        new GetShardIteratorCommand({
          StreamName: stream,
          ShardId: 'shardId-000000000000',
          ShardIteratorType: 'TRIM_HORIZON',
        }),
      );
      const { Records } = await stack.kinesis.send(new GetRecordsCommand({ ShardIterator, Limit: 100 }));
      assert.deepEqual(Records ?? [], [], `${stream} holds a record`);
    }
  });
});
