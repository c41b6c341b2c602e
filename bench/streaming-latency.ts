/**
 * End-to-end latency of the streaming path on the local stack: from a record's arrival in Kinesis
 * (its ApproximateArrivalTimestamp, set when the put is accepted) and from the producer's
 * acknowledgement, to its row stored in the streaming table (the batch object and the shard's
 * checkpoint written). Posts are emulated at a fixed record rate while the consumer runs. Not a
 * test: run it by hand and read the figures.
 *
 *   npx tsx bench/streaming-latency.ts --records-per-second 1000 --seconds 20
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { intOption, parseCommandLine, runMain, type CommandSpec } from '../scripts/lib/cli';
import { emulateStream } from '../src/emulation/emulate-posts';
import { createSdkStreamTransport } from '../src/emulation/kinesis-transport';
import { EPHEMERAL_PORTS, startLocalStack } from '../src/local-stack/start-local-stack';
import { EmbeddedRowSource } from '../src/source/embedded-source';
import { formatStreamStats, startStreamConsumer } from '../src/streaming/consume-streams';

const SPEC: CommandSpec = {
  name: 'npx tsx bench/streaming-latency.ts',
  summary:
    'Measures put → row stored latency (p50/p95/p99/max) of the streaming consumer on a local stack started here (free ports, temp folder).',
  options: {
    'records-per-second': {
      type: 'string',
      value: 'N',
      description: 'records per second over the three streams (a post is three records)',
      default: '1000',
    },
    seconds: { type: 'string', value: 'N', description: 'how long to emulate', default: '20' },
  },
};

/** The nearest-rank percentile of sorted values (NaN when there are none). */
export function percentile(sorted: readonly number[], p: number): number {
  if (!sorted.length) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))];
}

/** Milliseconds from an event to the row stored, summarised. */
export interface LatencySummary {
  n: number;
  p50: number;
  p95: number;
  p99: number;
  max: number;
}

export function summariseLatency(values: readonly number[]): LatencySummary {
  const sorted = [...values].sort((a, b) => a - b);
  return {
    n: sorted.length,
    p50: percentile(sorted, 50),
    p95: percentile(sorted, 95),
    p99: percentile(sorted, 99),
    max: sorted.at(-1) ?? NaN,
  };
}

function describe(label: string, s: LatencySummary): string {
  return `${label}: n=${s.n} p50=${s.p50} ms p95=${s.p95} ms p99=${s.p99} ms max=${s.max} ms`;
}

export interface StreamingLatencyResult {
  recordsPerSecond: number;
  seconds: number;
  /** Records the producer had acknowledged. */
  acked: number;
  /** Rows stored by the consumer, per table (`formatStreamStats` lines). */
  stats: string[];
  /** From the record's arrival in Kinesis (ApproximateArrivalTimestamp) to its row stored. */
  fromArrival: LatencySummary;
  /** From the producer's acknowledgement to the row stored. */
  fromAck: LatencySummary;
}

/**
 * Starts a local stack (free ports, temp folder) and a stream consumer, emulates posts at
 * `recordsPerSecond` for `seconds`, waits until the consumer is idle and summarises the latencies.
 */
export async function measureStreamingLatency(options: {
  recordsPerSecond: number;
  seconds: number;
}): Promise<StreamingLatencyResult> {
  const { recordsPerSecond, seconds } = options;
  const dataDir = mkdtempSync(path.join(tmpdir(), 'pp-streaming-latency-'));
  const stack = await startLocalStack({
    dataDir,
    ports: EPHEMERAL_PORTS,
    userId: `bench-${randomBytes(3).toString('hex')}`,
    provision: true,
  });
  try {
    const ackedAt = new Map<string, number>();
    const fromArrival: number[] = [];
    const fromAck: number[] = [];
    const consumer = startStreamConsumer({
      kinesis: stack.kinesis,
      database: path.join(dataDir, 'streaming.duckdb'),
      names: stack.names,
      onBatch: (event) => {
        for (const record of event.arrivals) {
          if (record.arrivedAt !== undefined) fromArrival.push(event.storedAt - record.arrivedAt);
          const acked = ackedAt.get(`${event.stream}/${record.sequenceNumber}`);
          if (acked !== undefined) fromAck.push(event.storedAt - acked);
        }
      },
    });
    const started = Date.now();
    const summary = await emulateStream({
      source: new EmbeddedRowSource({ rows: 11_153, seed: 42 }),
      transport: createSdkStreamTransport({ client: stack.kinesis }),
      names: stack.names,
      rate: recordsPerSecond / 3,
      durationMs: seconds * 1000,
      lingerMs: 20,
      onAck: (ack) => ackedAt.set(`${ack.destination}/${ack.sequenceNumber}`, Date.now()),
    });
    const result = await consumer.finishWhenIdle(1_000);
    const elapsed = Date.now() - started;
    return {
      recordsPerSecond,
      seconds,
      acked: summary.tables.reduce((n, t) => n + t.acked, 0),
      stats: formatStreamStats(result.tables, elapsed),
      fromArrival: summariseLatency(fromArrival),
      fromAck: summariseLatency(fromAck),
    };
  } finally {
    await stack.stop();
    rmSync(dataDir, { recursive: true, force: true });
  }
}

export async function main(argv: string[]): Promise<void> {
  const values = parseCommandLine(SPEC, argv);
  if (!values) return;
  const result = await measureStreamingLatency({
    recordsPerSecond: intOption(values, 'records-per-second', 3) ?? 1_000,
    seconds: intOption(values, 'seconds', 1) ?? 20,
  });
  process.stdout.write(
    `${result.recordsPerSecond} records/s for ${result.seconds} s: ${result.acked} records acknowledged\n`,
  );
  for (const line of result.stats) process.stdout.write(`${line}\n`);
  process.stdout.write(`${describe('arrival in Kinesis → row stored', result.fromArrival)}\n`);
  process.stdout.write(`${describe('producer ack → row stored', result.fromAck)}\n`);
}

if (require.main === module) runMain(main);
