/**
 * Posts per second the emulation reaches on the local stack with the rate unlimited, per path
 * (batch through the gateway or the REST Proxy directly, streaming through the SDK or the gateway)
 * and per source (the embedded generator, MySQL seeded into a scratch database that is dropped
 * afterwards), with the embedded Kafka log and, when `npm run setup:kafka` has run, Apache Kafka under
 * the REST proxy (batch paths only: streaming does not touch Kafka). Not a test: run it by hand and read the table.
 *
 *   npx tsx bench/emulation-throughput.ts --posts 20000 --kafka both
 */
import { randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { choiceOption, intOption, parseCommandLine, runMain, type CommandSpec } from '../scripts/lib/cli';
import { emulatePosts } from '../src/emulation/emulate-posts';
import { createHttpClient } from '../src/http-client';
import { createGatewayStreamTransport, createSdkStreamTransport } from '../src/emulation/kinesis-transport';
import { formatSummary } from '../src/emulation/ledger';
import { createRestProxyTransport } from '../src/emulation/rest-proxy-transport';
import type { RecordTransport } from '../src/emulation/transport';
import { PipelineError } from '../src/errors';
import { KAFKA_VERSION, kafkaLibsDir } from '../src/local-stack/kafka/broker';
import { EPHEMERAL_PORTS, startLocalStack, type LocalStack } from '../src/local-stack/start-local-stack';
import { KAFKA_KINDS, type KafkaKind } from '../src/local-stack/topic-backend';
import { EmbeddedRowSource } from '../src/source/embedded-source';
import { createMysqlPool, localMysqlConfig, MysqlRowSource } from '../src/source/mysql-source';
import type { RowSource } from '../src/source/row-source';
import { seedDatabase } from '../src/source/seed-database';

export const PATHS = ['batch-gateway', 'batch-direct', 'stream-sdk', 'stream-gateway'] as const;
export type PathName = (typeof PATHS)[number];

const SPEC: CommandSpec = {
  name: 'npx tsx bench/emulation-throughput.ts',
  summary:
    'Measures posts/s of each emulation path on a local stack (started here, on free ports, in a temp folder) with the rate unlimited, from the embedded generator and from MySQL.',
  options: {
    posts: { type: 'string', value: 'N', description: 'posts per run (three records each)', default: '20000' },
    'batch-size': { type: 'string', value: 'N', description: 'records per request', default: '500' },
    concurrency: { type: 'string', value: 'N', description: 'requests in flight', default: '4' },
    'flush-size': {
      type: 'string',
      value: 'N',
      description: "the S3 sink's flush.size while measuring",
      default: '1000',
    },
    'skip-mysql': { type: 'boolean', description: 'measure the embedded source only' },
    kafka: {
      type: 'string',
      value: 'KIND',
      description:
        'Kafka under the REST proxy: embedded, apache or both (default: both when npm run setup:kafka has run, else embedded)',
    },
  },
};

export interface ThroughputRow {
  /** Which Kafka was under the REST proxy. */
  kafka: KafkaKind;
  source: string;
  path: PathName;
  posts: number;
  seconds: number;
  postsPerSecond: number;
  recordsPerSecond: number;
  ok: boolean;
}

function transportFor(name: PathName, stack: LocalStack): RecordTransport {
  switch (name) {
    case 'batch-gateway':
      return createRestProxyTransport({
        http: createHttpClient({ baseUrl: stack.endpoints.invokeUrl }),
        via: 'gateway',
      });
    case 'batch-direct':
      return createRestProxyTransport({
        http: createHttpClient({ baseUrl: stack.endpoints.restProxy }),
        via: 'rest-proxy',
      });
    case 'stream-sdk':
      return createSdkStreamTransport({ client: stack.kinesis });
    case 'stream-gateway':
      return createGatewayStreamTransport({ http: createHttpClient({ baseUrl: stack.endpoints.invokeUrl }) });
    default:
      throw new PipelineError('USAGE', `unknown path ${name as string}`);
  }
}

async function measure(
  stack: LocalStack,
  sourceName: string,
  source: RowSource,
  name: PathName,
  options: { posts: number; batchSize: number; concurrency: number },
): Promise<ThroughputRow> {
  const transport = transportFor(name, stack);
  try {
    const summary = await emulatePosts({
      source,
      transport,
      destinations: name.startsWith('batch') ? stack.names.topics : stack.names.streams,
      count: options.posts,
      batchSize: options.batchSize,
      concurrency: options.concurrency,
    });
    if (!summary.ok) process.stderr.write(`${formatSummary(summary)}\n`);
    const seconds = summary.elapsedMs / 1000;
    return {
      kafka: stack.kafka.kind,
      source: sourceName,
      path: name,
      posts: summary.posts,
      seconds,
      postsPerSecond: summary.postsPerSecond,
      recordsPerSecond: summary.postsPerSecond * 3,
      ok: summary.ok,
    };
  } finally {
    await transport.close();
  }
}

export interface EmulationThroughputOptions {
  /** Posts per run (three records each). */
  posts: number;
  /** Records per request (default 500). */
  batchSize?: number;
  /** Requests in flight (default 4). */
  concurrency?: number;
  /** The S3 sink's flush.size while measuring (default 1000). */
  flushSize?: number;
  /** Paths to measure (default all four). */
  paths?: readonly PathName[];
  /** Also measure from MySQL (a scratch database, dropped afterwards; embedded Kafka only). */
  mysql?: boolean;
  /** Kafkas to measure under (default: the embedded one; `npm run bench` labels rows by path only). */
  kafka?: readonly KafkaKind[];
}

/**
 * Starts a local stack (free ports, temp folder, the REST Proxy durable: fdatasync before each
 * acknowledgement) and measures each path with the rate unlimited, after a warm-up run.
 */
export async function measureEmulationThroughput(options: EmulationThroughputOptions): Promise<ThroughputRow[]> {
  const kinds = options.kafka ?? ['embedded' as const];
  const rows: ThroughputRow[] = [];
  for (const kafka of kinds) rows.push(...(await measureOn(kafka, options)));
  return rows;
}

async function measureOn(kafka: KafkaKind, options: EmulationThroughputOptions): Promise<ThroughputRow[]> {
  const run = { posts: options.posts, batchSize: options.batchSize ?? 500, concurrency: options.concurrency ?? 4 };
  const paths = (options.paths ?? PATHS).filter((name) => kafka === 'embedded' || name.startsWith('batch'));
  const dataDir = mkdtempSync(path.join(tmpdir(), 'pp-bench-emulation-'));
  const stack = await startLocalStack({
    dataDir,
    userId: `bench-${randomBytes(3).toString('hex')}`,
    ports: EPHEMERAL_PORTS,
    sink: { flushSize: options.flushSize ?? 1_000 },
    provision: true,
    kafka,
  });
  const rows: ThroughputRow[] = [];
  try {
    const embedded = new EmbeddedRowSource({ rows: 11_153, seed: 42 });
    // A warm-up run, so the first measured path does not pay for JIT and connection set-up.
    await measure(stack, 'embedded', embedded, 'batch-direct', { ...run, posts: Math.min(2_000, run.posts) });
    for (const name of paths) rows.push(await measure(stack, 'embedded', embedded, name, run));

    if (options.mysql && kafka === 'embedded') {
      const config = { ...localMysqlConfig(), database: `pp_bench_${randomBytes(3).toString('hex')}` };
      const pool = createMysqlPool(config);
      try {
        const seeded = await seedDatabase(pool, { database: config.database, rows: 11_153, seed: 42, fresh: true });
        process.stderr.write(`seeded ${config.database}: ${seeded.posts} posts in ${seeded.seconds.toFixed(1)} s\n`);
        const mysql = new MysqlRowSource(pool, config.database, { endpoint: config });
        for (const name of paths) rows.push(await measure(stack, 'mysql', mysql, name, run));
      } finally {
        await pool.query(`DROP DATABASE IF EXISTS ${pool.escapeId(config.database)}`);
        await pool.end();
      }
    }
  } finally {
    await stack.stop();
    rmSync(dataDir, { recursive: true, force: true });
  }
  return rows;
}

export async function main(argv: string[]): Promise<ThroughputRow[] | undefined> {
  const values = parseCommandLine(SPEC, argv);
  if (!values) return undefined;
  const rows = await measureEmulationThroughput({
    posts: intOption(values, 'posts', 1) ?? 20_000,
    batchSize: intOption(values, 'batch-size', 1),
    concurrency: intOption(values, 'concurrency', 1),
    flushSize: intOption(values, 'flush-size', 1),
    mysql: !values['skip-mysql'],
    kafka: kafkaKinds(choiceOption(values, 'kafka', ['embedded', 'apache', 'both'] as const)),
  });
  console.table(
    rows.map((r) => ({
      ...r,
      seconds: Number(r.seconds.toFixed(2)),
      postsPerSecond: Math.round(r.postsPerSecond),
      recordsPerSecond: Math.round(r.recordsPerSecond),
    })),
  );
  return rows;
}

/** The Kafkas `--kafka` names; without it, both when `npm run setup:kafka` has run, else the embedded one. */
export function kafkaKinds(choice: 'embedded' | 'apache' | 'both' | undefined): readonly KafkaKind[] {
  if (choice === undefined)
    return existsSync(path.join(kafkaLibsDir(), `kafka_2.13-${KAFKA_VERSION}.jar`)) ? KAFKA_KINDS : ['embedded'];
  return choice === 'both' ? KAFKA_KINDS : [choice];
}

if (require.main === module) runMain(main);
