/**
 * One emulation run as `npm run emulate:batch` and `npm run emulate:stream` do it, callable from a
 * script or a notebook: opens the targets (the local stack running, or AWS), the source, the
 * quarantine file and the progress bar, sends the posts and closes everything again.
 */
import { projectPath, type PipelineConfig } from '../config';
import { PipelineError } from '../errors';
import { createLogger, type Logger } from '../log';
import { createProgress, type ProgressOptions } from '../progress';
import { createRowSource } from '../source/create-source';
import { TABLES } from '../contract/tables';
import {
  createQuarantine,
  EmulationFailedError,
  emulateBatch,
  emulateStream,
  type EmulationRunOptions,
} from './emulate-posts';
import type { EmulationSummary } from './ledger';
import { ensureDestinations, openEmulationTargets, type EmulationTargetOptions } from './targets';

export type EmulationPath = 'batch' | 'stream';

export interface RunEmulationOptions extends Pick<
  EmulationRunOptions,
  'count' | 'durationMs' | 'coursePace' | 'selection' | 'seed' | 'batchSize' | 'concurrency' | 'signal' | 'hardSignal'
> {
  /** batch: the topics through the REST Proxy; stream: the Kinesis streams. */
  path: EmulationPath;
  /** From `loadConfig()`: the target, the source and the names. */
  config: PipelineConfig;
  /** Posts per second; unset or 0: as fast as acknowledged. */
  rate?: number;
  /** Retries of a failed request or record (10 by default). */
  retries?: number;
  /** JSON-lines file of rows that can never be sent; default `output/quarantine/emulation-<path>.jsonl`. */
  quarantineFile?: string;
  /** The progress bar: auto (a bar on a terminal, lines otherwise, the default), plain or silent. */
  progress?: ProgressOptions['mode'];
  /** Send until stopped (the course's endless loop); by default a run without `count` or `durationMs` sends as many posts as the source holds. */
  forever?: boolean;
  /** Create the topics (batch) or streams (stream) first; idempotent. */
  setup?: boolean;
  /** How to reach the destinations: route, data folder of the local stack, size limits. */
  targets?: Omit<EmulationTargetOptions, 'log'>;
  /** Told the summary once it is known, before the targets close: also a failed run's (then the error is thrown). */
  onSummary?: (summary: EmulationSummary) => void;
  log?: Logger;
}

/**
 * Runs one emulation path and resolves with its summary (`ok` false when a record was neither
 * acknowledged nor quarantined: see `unfinishedRunError`). An error that stopped the run is
 * thrown as an `EmulationFailedError` after `onSummary` was told its summary.
 */
export async function runEmulation(options: RunEmulationOptions): Promise<EmulationSummary> {
  const { path, config } = options;
  const log = options.log ?? createLogger(`emulate-${path}`);
  const targets = await openEmulationTargets(config, { ...options.targets, log });
  const source = createRowSource(config);
  const quarantine = createQuarantine(
    options.quarantineFile ?? projectPath('output', 'quarantine', `emulation-${path}.jsonl`),
  );
  try {
    log.info(targets.description);
    log.info(`${path}: ${targets[path].description}`);
    log.info(`source: ${source.description}`);
    // The default finishes: the source's posts once (as many as it holds), as npm start sends them.
    const count =
      options.count ?? (options.durationMs === undefined && !options.forever ? await source.count() : undefined);
    if (count === undefined)
      log.info(
        options.forever ? '--forever: sending until Ctrl-C' : `sending for ${(options.durationMs ?? 0) / 1000} s`,
      );
    else
      log.info(
        `sending ${count.toLocaleString('en-US')} posts (${(count * 3).toLocaleString('en-US')} records), then stopping`,
      );
    if (options.setup) {
      for (const r of await ensureDestinations(targets, { topics: path === 'batch', streams: path === 'stream' }))
        log.info(`${r.kind} ${r.name}: ${r.outcome}`);
    }
    const progress = createProgress({
      label: path,
      total: count ?? 0,
      fields: ['acked', 'retried', 'quarantined', 'failed'],
      mode: options.progress ?? 'auto',
    });
    const run: EmulationRunOptions = {
      source,
      names: targets.names,
      count,
      durationMs: options.durationMs,
      rate: options.rate || undefined,
      coursePace: options.coursePace === true,
      selection: options.selection,
      seed: options.seed,
      batchSize: options.batchSize,
      concurrency: options.concurrency,
      retry: options.retries === undefined ? undefined : { retries: options.retries },
      signal: options.signal,
      hardSignal: options.hardSignal,
      quarantine,
      progress,
      log,
    };
    let summary: EmulationSummary;
    try {
      summary =
        path === 'batch'
          ? await emulateBatch({ ...run, transport: targets.batch })
          : await emulateStream({ ...run, transport: targets.stream });
    } catch (error) {
      // The summary of what was sent before the failure; the caller then reports the error.
      if (error instanceof EmulationFailedError) options.onSummary?.(error.summary);
      throw error;
    }
    options.onSummary?.(summary);
    const started = targets.run.started;
    if (started && summary.path === 'batch') {
      log.info(
        `records land in s3://${started.bucket}/topics/{${TABLES.map((t) => targets.names.topics[t]).join(',')}}/ under ${started.dataDir}`,
      );
    }
    return summary;
  } finally {
    quarantine.close();
    await source.close();
    await targets.close();
  }
}

/**
 * The one-line error of a run that ended with records neither acknowledged nor quarantined (retries
 * spent, or cut off by a second Ctrl-C), thrown by the scripts after the summary is printed.
 */
export function unfinishedRunError(summary: EmulationSummary): PipelineError {
  const failed = summary.tables.reduce((n, t) => n + t.failed, 0);
  const read = summary.tables.reduce((n, t) => n + t.read, 0);
  const reason = summary.reasons.find((r) => r.outcome === 'failed')?.reason;
  const what = summary.reconciled
    ? `${failed.toLocaleString('en-US')} of ${read.toLocaleString('en-US')} records were neither acknowledged nor quarantined`
    : 'the counts do not reconcile';
  return new PipelineError(
    'RECORDS_FAILED',
    `${what}${reason ? ` (${reason})` : ''}; check that ${summary.transport} answers, then run again`,
    { retriable: true },
  );
}
