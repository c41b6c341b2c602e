import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, test } from 'node:test';
import { CreateStreamCommand, PutRecordsCommand } from '@aws-sdk/client-kinesis';
import { createKinesisClient } from '../../src/clients';
import { startKinesisServer } from '../../src/local-stack/kinesis-server';

const dirs: string[] = [];
after(() => {
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

/**
 * Regression: kinesalite throws an uncaught exception (ending the whole process) when a request's
 * socket is cut mid-request or its LevelDB closes under a pending write. Stopping the server with
 * PutRecords in flight, again and again on the same data folder, must leave the process running.
 */
test(
  'stopping Kinesis with PutRecords in flight ends no process, and the data folder reopens',
  { timeout: 120_000 },
  async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'pp-kinesis-stop-'));
    dirs.push(dir);
    for (let round = 0; round < 8; round++) {
      const server = await startKinesisServer({ dir });
      const client = createKinesisClient({ region: 'us-east-1', endpoint: server.endpoint });
      if (round === 0) await client.send(new CreateStreamCommand({ StreamName: 'stop-test', ShardCount: 2 }));
      const records = Array.from({ length: 200 }, (_, i) => ({
        Data: Buffer.from(JSON.stringify({ round, i, pad: 'x'.repeat(500) })),
        PartitionKey: String(i),
      }));
      const settled = Promise.allSettled(
        Array.from({ length: 40 }, () =>
          client.send(new PutRecordsCommand({ StreamName: 'stop-test', Records: records })),
        ),
      );
      await new Promise((resolve) => setTimeout(resolve, 15 + round * 10));
      await server.close();
      const results = await settled;
      client.destroy();
      assert.equal(results.length, 40);
    }
  },
);
