/**
 * Whether the stream consumer's memory stays flat as its tables grow: posts are emulated into the
 * local stack's Kinesis while the consumer runs in a process of its own, which reports its resident
 * memory after each stored micro-batch; the figures at each checkpoint of posts consumed are printed.
 * See `--help`.
 */
import { fork } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { intOption, parseCommandLine, runMain, type CommandSpec } from '../scripts/lib/cli';
import { createKinesisClient } from '../src/clients';
import { namesFor } from '../src/config';
import { emulateStream } from '../src/emulation/emulate-posts';
import { createSdkStreamTransport } from '../src/emulation/kinesis-transport';
import { EPHEMERAL_PORTS, startLocalStack } from '../src/local-stack/start-local-stack';
import { EmbeddedRowSource } from '../src/source/embedded-source';
import { startStreamConsumer } from '../src/streaming/consume-streams';
import { streamDatabaseFile } from '../src/streaming/stream-tables';

export const SPEC: CommandSpec = {
  name: 'node --import tsx bench/streaming-memory.ts',
  summary:
    'Streams generated posts (each one new) through the local Kinesis into the stream consumer, run in a process of its own, and prints its resident memory as its tables grow.',
  options: {
    posts: { type: 'string', value: 'N', description: 'posts to stream (three records each)', default: '200000' },
    every: { type: 'string', value: 'N', description: 'report the memory every N posts consumed', default: '50000' },
    child: { type: 'string', value: 'JSON', description: '(internal) run the consumer with these settings' },
  },
  examples: ['node --import tsx bench/streaming-memory.ts --posts 200000'],
};

/** Child mode: the consumer, printing `batch <records> <rss>` after each micro-batch. */
async function runConsumer(settings: {
  region: string;
  kinesis: string;
  database: string;
  userId: string;
}): Promise<void> {
  const kinesis = createKinesisClient({ region: settings.region, endpoint: settings.kinesis });
  const consumer = startStreamConsumer({
    kinesis,
    database: settings.database,
    names: namesFor(settings.userId),
    onBatch: (event) => process.send?.({ table: event.table, records: event.records, rss: process.memoryUsage().rss }),
  });
  process.on('disconnect', () => {
    void consumer.stop().then(() => process.exit(0));
  });
  await consumer.done;
}

export async function main(argv: string[]): Promise<void> {
  const values = parseCommandLine(SPEC, argv);
  if (!values) return;
  if (typeof values.child === 'string') return runConsumer(JSON.parse(values.child));
  const posts = intOption(values, 'posts', 1) as number;
  const every = intOption(values, 'every', 1) as number;
  const dataDir = mkdtempSync(path.join(tmpdir(), 'pp-streaming-memory-'));
  const stack = await startLocalStack({ dataDir, ports: EPHEMERAL_PORTS, userId: 'memory', provision: true });
  const child = fork(
    __filename,
    [
      '--child',
      JSON.stringify({
        region: stack.region,
        kinesis: stack.endpoints.kinesis,
        database: streamDatabaseFile(dataDir),
        userId: 'memory',
      }),
    ],
    { execArgv: ['--import', 'tsx'] },
  );
  try {
    const reports: { posts: number; rssBytes: number }[] = [];
    let pins = 0;
    let next = every;
    const done = new Promise<void>((resolve) => {
      child.on('message', (message: { table: string; records: number; rss: number }) => {
        if (message.table !== 'pin') return;
        pins += message.records;
        while (pins >= next) {
          reports.push({ posts: next, rssBytes: message.rss });
          console.log(
            `${next.toLocaleString('en-US')} posts consumed: consumer RSS ${(message.rss / 2 ** 20).toFixed(0)} MiB`,
          );
          next += every;
        }
        if (pins >= posts) resolve();
      });
    });
    await emulateStream({
      // Every post once, in order: the tables grow with every one.
      source: new EmbeddedRowSource({ rows: posts, seed: 7 }),
      transport: createSdkStreamTransport({ client: stack.kinesis }),
      names: stack.names,
      count: posts,
      selection: 'sequential',
      batchSize: 500,
      concurrency: 4,
    });
    await done;
    const first = reports[0];
    const last = reports[reports.length - 1];
    console.log(
      `RSS at ${first.posts.toLocaleString('en-US')} posts ${(first.rssBytes / 2 ** 20).toFixed(0)} MiB, at ${last.posts.toLocaleString('en-US')} posts ${(last.rssBytes / 2 ** 20).toFixed(0)} MiB: difference ${((last.rssBytes - first.rssBytes) / 2 ** 20).toFixed(0)} MiB`,
    );
  } finally {
    child.disconnect();
    await new Promise((resolve) => child.once('exit', resolve));
    await stack.stop();
    rmSync(dataDir, { recursive: true, force: true });
  }
}

if (require.main === module) runMain(main);
