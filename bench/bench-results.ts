/**
 * The shape of the benchmark's results (bench/results/*.json): written by bench.ts, rendered by
 * render-results.ts; a file of its own so that neither imports the other.
 */
import type { NpmStartTiming } from './npm-start-timing';
import type { ThroughputRow } from './emulation-throughput';
import type { EngineRun } from './run-engine';
import type { StreamingLatencyResult } from './streaming-latency';

/** Median figures of one engine at one size. */
export interface BatchResult {
  posts: number;
  records: number;
  flushSize: number;
  objects: number;
  bytes: number;
  engine: string;
  runs: { seconds: EngineRun['seconds']; peakRssBytes: number }[];
  median: { seconds: number; read: number; clean: number; analyse: number; peakRssBytes: number; session?: number };
  /** Median wall time and peak memory relative to pandas at the same size (pandas = 1). */
  vsPandas?: { time: number; memory: number };
  counts: EngineRun['counts'];
  answersMatchPandas: boolean;
}

export interface BenchResults {
  generatedAt: string;
  command: string;
  machine: {
    cpus: number;
    cpuModel: string;
    memoryBytes: number;
    node: string;
    platform: string;
    pandas?: string;
    polars?: string;
  };
  check: { posts: number; engines: string[]; answersMatch: boolean };
  batch: BatchResult[];
  /** What was left out, and why. */
  notes?: string[];
  emulation?: (ThroughputRow & { into: string })[];
  streaming?: StreamingLatencyResult;
  /** `npm start` on the embedded defaults (bench/npm-start-timing.ts). */
  npmStart?: NpmStartTiming;
}
