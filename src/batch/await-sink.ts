/**
 * How much of each partition the sink's objects hold, against the topics' end offsets, from the
 * listing alone: an object holds the offsets from its key's start up to the next object's start;
 * the last object of a partition says its record count in its `record-count` metadata (the local
 * sink writes it; an object without it is read once to count). `waitForSink` polls that until every
 * record below the end offsets is in an object, with progress, so the batch step never reads a
 * partition that the sink is still writing, and no object is downloaded to be counted.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { parseSinkKey } from '../contract/sink-object';
import { TABLES, type TableKey } from '../contract/tables';
import { PipelineError } from '../errors';
import type { Progress } from '../progress';
import { recordsBelowEnd, type EndOffsets } from './end-offsets';
import { splitLines, type SinkStore } from './read-sink';

/** One partition: its end offset, the records below it that objects hold, and the offsets none holds. */
export interface PartitionCoverage {
  table: TableKey;
  topic: string;
  partition: number;
  end: number;
  objects: number;
  /** Records in [0, end) that some object holds. */
  covered: number;
  /** Runs of offsets in [0, end) that no object holds, as [first, last]. */
  missing: [number, number][];
}

export interface SinkCoverage {
  partitions: PartitionCoverage[];
  /** Records below the end offsets, and those of them the objects hold. */
  expected: number;
  covered: number;
  complete: boolean;
}

/** Record counts of last objects already asked for: objects are immutable under their key. */
type CountCache = Map<string, number>;

/** The coverage of `ends` by the objects `store` lists now. */
export async function sinkCoverage(
  store: SinkStore,
  topics: Record<TableKey, string>,
  ends: EndOffsets,
  cache: CountCache = new Map(),
): Promise<SinkCoverage> {
  const starts = new Map<string, { table: TableKey; partition: number; starts: { start: number; key: string }[] }>();
  for (const table of TABLES) {
    for await (const page of store.listPages(table, topics[table])) {
      for (const object of page) {
        const parsed = parseSinkKey(object.key);
        if (!parsed || parsed.topic !== topics[table]) continue;
        const id = `${table}/${parsed.partition}`;
        const entry = starts.get(id) ?? { table, partition: parsed.partition, starts: [] };
        entry.starts.push({ start: parsed.startOffset, key: object.key });
        starts.set(id, entry);
      }
    }
  }
  const partitions: PartitionCoverage[] = [];
  for (const table of TABLES) {
    for (const [partition, end] of ends[table]) {
      const objects = (starts.get(`${table}/${partition}`)?.starts ?? []).sort((a, b) => a.start - b.start);
      const held: [number, number][] = [];
      for (let i = 0; i < objects.length; i++) {
        const { start, key } = objects[i] as { start: number; key: string };
        const next = objects[i + 1];
        const count = next ? next.start - start : await lastObjectCount(store, key, cache);
        if (count > 0) held.push([start, start + count]);
      }
      partitions.push({
        table,
        topic: topics[table],
        partition,
        end,
        objects: objects.length,
        ...gapsBelow(held, end),
      });
    }
  }
  const expected = recordsBelowEnd(ends);
  const covered = partitions.reduce((n, p) => n + p.covered, 0);
  return { partitions, expected, covered, complete: partitions.every((p) => p.missing.length === 0) };
}

export interface WaitForSinkOptions {
  store: SinkStore;
  topics: Record<TableKey, string>;
  ends: EndOffsets;
  /** Give up after this long (the sink is behind or records were lost). */
  timeoutMs: number;
  /** Between two listings (default 1 s). */
  pollMs?: number;
  /** Total = records below the end offsets (known before the first listing); value = those in objects. */
  progress?: Progress;
  signal?: AbortSignal;
}

/**
 * Lists the sink until its objects hold every record below the end offsets; throws SINK_BEHIND
 * naming each topic, partition and the offsets no object holds when `timeoutMs` passes first.
 */
export async function waitForSink(options: WaitForSinkOptions): Promise<SinkCoverage> {
  const deadline = Date.now() + options.timeoutMs;
  const cache: CountCache = new Map();
  options.progress?.setTotal(recordsBelowEnd(options.ends));
  for (;;) {
    const coverage = await sinkCoverage(options.store, options.topics, options.ends, cache);
    options.progress?.update(coverage.covered);
    if (coverage.complete) return coverage;
    if (Date.now() >= deadline) throw sinkBehindError(coverage, options.timeoutMs);
    options.signal?.throwIfAborted();
    await sleep(options.pollMs ?? 1_000);
  }
}

/** SINK_BEHIND: one clause per incomplete partition, naming the offsets no object holds. */
export function sinkBehindError(coverage: SinkCoverage, waitedMs: number): PipelineError {
  const behind = coverage.partitions
    .filter((p) => p.missing.length > 0)
    .map((p) => {
      const runs = p.missing
        .slice(0, 3)
        .map(([a, b]) => (a === b ? `${a}` : `${a}..${b}`))
        .join(', ');
      const more = p.missing.length > 3 ? ` and ${p.missing.length - 3} more runs` : '';
      return `${p.topic} partition ${p.partition}: offsets ${runs}${more} of 0..${p.end - 1} are in no object`;
    });
  return new PipelineError(
    'SINK_BEHIND',
    `after ${(waitedMs / 1000).toFixed(0)} s the S3 sink still lacks ${(coverage.expected - coverage.covered).toLocaleString('en-US')} of ${coverage.expected.toLocaleString('en-US')} records (${behind.join('; ')}); is the sink (the local stack, or MSK Connect's connector) running? wait longer with --timeout, or pass --allow-gaps to clean what is there`,
    { retriable: true },
  );
}

/** Records the last object of a partition holds: its metadata, else its lines. */
async function lastObjectCount(store: SinkStore, key: string, cache: CountCache): Promise<number> {
  const known = cache.get(key);
  if (known !== undefined) return known;
  let count = await store.recordCount?.(key);
  if (count === undefined) {
    const pieces: Uint8Array[] = [];
    for await (const piece of await store.open(key)) pieces.push(piece);
    count = splitLines(Buffer.concat(pieces)).filter((line) => line.length > 0).length;
  }
  cache.set(key, count);
  return count;
}

/** Of the half-open intervals `held`, how many offsets of [0, end) they cover, and the runs they leave. */
function gapsBelow(held: [number, number][], end: number): { covered: number; missing: [number, number][] } {
  const missing: [number, number][] = [];
  let next = 0;
  let covered = 0;
  for (const [from, to] of held.sort((a, b) => a[0] - b[0])) {
    const a = Math.max(from, next);
    const b = Math.min(to, end);
    if (a > next && next < end) missing.push([next, Math.min(a, end) - 1]);
    if (b > a) covered += b - a;
    next = Math.max(next, to);
  }
  if (next < end) missing.push([next, end - 1]);
  return { covered, missing };
}
