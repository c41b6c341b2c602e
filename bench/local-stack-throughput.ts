/**
 * Throughput of the Kafka stand-in: records/s produced into the REST proxy over HTTP (fsync on),
 * and records/s the S3 sink copies into s3rver with flush.size 1 and 500.
 *
 *   npx tsx bench/local-stack-throughput.ts [--records 50000] [--batch 500] [--clients 4]
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { intOption, parseCommandLine, runMain, type CommandSpec } from '../scripts/lib/cli';
import { createS3Client } from '../src/clients';
import { PipelineError } from '../src/errors';
import { startRestProxy } from '../src/local-stack/rest-proxy';
import { startS3Server } from '../src/local-stack/s3-server';
import { startS3Sink } from '../src/local-stack/s3-sink';
import { TopicStore } from '../src/local-stack/topic-store';
import { formatDateTime, type PinRow } from '../src/contract/tables';

const SPEC: CommandSpec = {
  name: 'bench/local-stack-throughput.ts',
  summary: 'Measures produce throughput into the REST proxy (durable) and S3 sink throughput into s3rver.',
  options: {
    records: { type: 'string', value: 'N', description: 'records produced over HTTP', default: '50000' },
    batch: { type: 'string', value: 'N', description: 'records per produce request', default: '500' },
    clients: { type: 'string', value: 'N', description: 'concurrent HTTP clients', default: '4' },
    'sink-records-1': { type: 'string', value: 'N', description: 'records copied with flush.size=1', default: '3000' },
    'sink-records-500': {
      type: 'string',
      value: 'N',
      description: 'records copied with flush.size=500',
      default: '50000',
    },
  },
  examples: [
    'npx tsx bench/local-stack-throughput.ts',
    'npx tsx bench/local-stack-throughput.ts --batch 100 --clients 8',
  ],
};

const quiet = {
  info: () => undefined,
  warn: (m: string) => process.stderr.write(`${m}\n`),
  error: (m: string) => process.stderr.write(`${m}\n`),
};

function pinRow(index: number): PinRow {
  return {
    index,
    unique_id: `00000000-0000-4000-8000-${String(index).padStart(12, '0')}`,
    title: 'Ideas for a small balcony garden with herbs and climbing plants',
    description: 'A short description of the post, as most rows carry one of about this length, with a few more words.',
    poster_name: 'Garden Ideas Daily',
    follower_count: '124k',
    tag_list: 'garden,balcony,herbs,plants,small space,diy',
    is_image_or_video: 'image',
    image_src: 'https://i.pinimg.com/originals/aa/bb/cc/aabbcc0011223344556677889900aabb.jpg',
    downloaded: 1,
    save_location: 'Local save in /data/home-decor',
    category: 'home-decor',
  };
}

/** Produces `total` records with `clients` concurrent loops; returns records/s. */
async function measureProduce(
  url: string,
  topic: string,
  total: number,
  batch: number,
  clients: number,
): Promise<number> {
  let next = 0;
  const client = async () => {
    for (;;) {
      const start = next;
      if (start >= total) return;
      next += batch;
      const records = Array.from({ length: Math.min(batch, total - start) }, (_, i) => ({ value: pinRow(start + i) }));
      const response = await fetch(`${url}/topics/${topic}`, {
        method: 'POST',
        headers: { 'Content-Type': 'application/vnd.kafka.json.v2+json' },
        body: JSON.stringify({ records }),
      });
      const body = (await response.json()) as { offsets?: { error_code: number | null }[] };
      if (response.status !== 200 || body.offsets?.some((o) => o.error_code !== null))
        throw new PipelineError(
          'BENCH_PRODUCE_FAILED',
          `produce answered ${response.status}: ${JSON.stringify(body).slice(0, 200)}`,
        );
    }
  };
  const started = performance.now();
  await Promise.all(Array.from({ length: clients }, client));
  return total / ((performance.now() - started) / 1000);
}

/** Fills a topic directly, then times a fresh sink copying it; returns records/s. */
async function measureSink(
  store: TopicStore,
  endpoint: string,
  bucket: string,
  stateDir: string,
  topic: string,
  total: number,
  flushSize: number,
): Promise<number> {
  for (let i = 0; i < total; i += 1000) {
    await store.append(
      topic,
      0,
      Array.from({ length: Math.min(1000, total - i) }, (_, j) => ({ value: pinRow(i + j) })),
    );
  }
  const s3 = createS3Client({ region: 'us-east-1', endpoint });
  const started = performance.now();
  const sink = await startS3Sink({
    store,
    s3,
    bucket,
    topicsRegex: topic.replace(/\./g, '\\.'),
    flushSize,
    rotateIntervalMs: 50,
    pollIntervalMs: 50,
    stateDir,
    logger: quiet,
  });
  try {
    await sink.drain(600_000);
    return total / ((performance.now() - started) / 1000);
  } finally {
    await sink.stop();
    s3.destroy();
  }
}

export async function main(argv: string[]): Promise<void> {
  const values = parseCommandLine(SPEC, argv);
  if (!values) return;
  const records = intOption(values, 'records', 1) ?? 50_000;
  const batch = intOption(values, 'batch', 1) ?? 500;
  const clients = intOption(values, 'clients', 1) ?? 4;
  const sink1 = intOption(values, 'sink-records-1', 1) ?? 3_000;
  const sink500 = intOption(values, 'sink-records-500', 1) ?? 50_000;

  const dir = await mkdtemp(path.join(tmpdir(), 'pp-bench-local-stack-'));
  const bucket = 'bench-bucket';
  const store = await TopicStore.open({ dir: path.join(dir, 'topics'), logger: quiet });
  const proxy = await startRestProxy(store, { port: 0, logger: quiet });
  const s3Server = await startS3Server({ dir: path.join(dir, 's3'), bucket });
  try {
    await measureProduce(proxy.url, 'bench.warmup', 5_000, batch, clients);
    const produceRate = await measureProduce(proxy.url, 'bench.pin', records, batch, clients);
    process.stdout.write(
      `produce: ${records} records, batches of ${batch}, ${clients} clients, fsync on: ${Math.round(produceRate)} records/s (${formatDateTime(new Date())})\n`,
    );
    const rate1 = await measureSink(store, s3Server.endpoint, bucket, path.join(dir, 'sink1'), 'bench.sink1', sink1, 1);
    process.stdout.write(`sink flush.size=1: ${sink1} records: ${Math.round(rate1)} records/s (objects/s)\n`);
    const rate500 = await measureSink(
      store,
      s3Server.endpoint,
      bucket,
      path.join(dir, 'sink500'),
      'bench.sink500',
      sink500,
      500,
    );
    process.stdout.write(`sink flush.size=500: ${sink500} records: ${Math.round(rate500)} records/s\n`);
  } finally {
    await proxy.close();
    await store.close();
    await s3Server.close();
    await rm(dir, { recursive: true, force: true });
  }
}

runMain(main);
