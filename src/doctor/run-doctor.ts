import { createHttpClient } from '../http-client';
import { redact } from '../log';
import { createDatabricksHttpClient } from '../orchestration/databricks-run';
import type { DoctorTarget } from './doctor-target';
import { HOPS, newMarker, type HopContext, type HopResult } from './hops';

import { DEFAULT_SINK_TIMEOUT_MS } from './defaults';

export { DEFAULT_SINK_TIMEOUT_MS };
/** Per HTTP request to the invoke URL or Databricks. */
export const DEFAULT_REQUEST_TIMEOUT_MS = 15_000;

export interface RunDoctorOptions {
  /** Sink wait; default DEFAULT_SINK_TIMEOUT_MS of the target's kind. */
  sinkTimeoutMs?: number;
  requestTimeoutMs?: number;
  /** Between two looks at the bucket (default 1 s on AWS, 100 ms locally). */
  pollMs?: number;
  /** Each hop's line as soon as it is known. */
  onLine?: (line: string) => void;
  /** The marker of the test records (default: a new `doctor-<random>`). */
  marker?: string;
}

export interface DoctorReport {
  results: HopResult[];
  lines: string[];
  /** True only when no hop failed (skipped hops do not fail). */
  ok: boolean;
  marker: string;
}

/** `✅ hop: seen`, `❌ hop: failed — fix: ...` or `– hop: reason`, secrets redacted. */
export function formatHop(result: HopResult): string {
  if (result.status === 'ok') return redact(`✅ ${result.hop}: ${result.seen}`);
  if (result.status === 'failed') return redact(`❌ ${result.hop}: ${result.failed} — fix: ${result.fix}`);
  return redact(`– ${result.hop}: ${result.reason}`);
}

/**
 * Checks each hop of `target` in order (HOPS) and says what it saw. A hop that needs an earlier
 * one that failed is skipped with the reason; the report is ok only when no hop failed. The HTTP
 * clients (the invoke URL's, the Databricks workspace's) are made here once and closed at the end.
 */
export async function runDoctor(target: DoctorTarget, options: RunDoctorOptions = {}): Promise<DoctorReport> {
  const marker = options.marker ?? newMarker();
  const timeoutMs = options.requestTimeoutMs ?? DEFAULT_REQUEST_TIMEOUT_MS;
  const dbx = target.databricks;
  const context: HopContext = {
    target,
    gateway: createHttpClient({ baseUrl: target.invokeUrl, timeoutMs }),
    ...(dbx?.token ? { databricks: createDatabricksHttpClient({ host: dbx.host, token: dbx.token, timeoutMs }) } : {}),
    sinkTimeoutMs: options.sinkTimeoutMs ?? DEFAULT_SINK_TIMEOUT_MS[target.kind],
    pollMs: options.pollMs ?? (target.kind === 'aws' ? 1_000 : 100),
    marker,
    earlier: [],
    ...(options.onLine ? { progress: options.onLine } : {}),
  };
  const lines: string[] = [];
  try {
    for (const hop of HOPS) {
      const result = await hop(context);
      context.earlier.push(result);
      const line = formatHop(result);
      lines.push(line);
      options.onLine?.(line);
    }
  } finally {
    context.gateway.close();
    context.databricks?.close();
  }
  return { results: context.earlier, lines, ok: context.earlier.every((r) => r.status !== 'failed'), marker };
}
