/**
 * Step 3 as `npm run clean`, notebook 03 and `npm start` run it: ask the REST proxy for each
 * topic's end offsets, wait (with progress) until the sink's objects hold every record below them,
 * read and clean what is there (`cleanBatch`), check it against the end offsets, and record the
 * completed run beside the cleaned tables. Partial data never passes for a completed run: a sink
 * still behind after the timeout, a table with no objects, or records the offsets show but no
 * object holds fail the step (`allowGaps` accepts the loss, still reported).
 */
import type { DuckDBConnection } from '@duckdb/node-api';
import { TABLES, type TableKey } from '../contract/tables';
import { hasErrorCode, type PipelineError } from '../errors';
import type { Logger } from '../log';
import { createProgress, type ProgressOptions } from '../progress';
import { waitForSink, type SinkCoverage } from './await-sink';
import { forgetCleanRun, newRunId, writeCleanRun, type CleanRun } from './clean-run';
import type { EndOffsets } from './end-offsets';
import type { SinkStore } from './read-sink';
import {
  checkCleanBatch,
  cleanBatch,
  summariseCleanBatch,
  type CleanBatchResult,
  type CleanBatchSummaryRow,
} from './run-batch';

/** How long the step waits for the sink by default: locally it flushes within a second or two. */
export const DEFAULT_SINK_WAIT_MS = 120_000;

export interface CleanStepOptions {
  connection: DuckDBConnection;
  store: SinkStore;
  topics: Record<TableKey, string>;
  /** The topics' end offsets, or why there are none (a folder copy, an S3 endpoint without a REST proxy). */
  ends: { offsets: EndOffsets } | { unavailable: string };
  /** Where the cleaned tables and `run.json` go; omit to keep them in the database only. */
  cleanDir?: string;
  quarantineDir?: string;
  concurrency?: number;
  /** How long to wait for the sink to hold every record below the end offsets. */
  sinkWaitMs?: number;
  /** Clean what is there even when records are missing (they are still reported). */
  allowGaps?: boolean;
  progress?: ProgressOptions['mode'];
  log: Logger;
}

export interface CleanStepResult extends CleanBatchResult {
  run: CleanRun;
  /** The sink against the end offsets before reading, when they were known. */
  coverage?: SinkCoverage;
  /** `<table>: <gap>` for each run of offsets no object holds (empty when whole). */
  gapLines: string[];
  /** The SINK_GAPS or SINK_BEHIND error that `allowGaps` turned into a warning. */
  acceptedLoss?: PipelineError;
}

/** Runs step 3; see the module comment. */
export async function runCleanStep(options: CleanStepOptions): Promise<CleanStepResult> {
  const { log } = options;
  if (options.cleanDir) await forgetCleanRun(options.cleanDir);
  const offsets = 'offsets' in options.ends ? options.ends.offsets : undefined;
  let coverage: SinkCoverage | undefined;
  let acceptedLoss: PipelineError | undefined;
  if (offsets) {
    ({ coverage, acceptedLoss } = await awaitSink(options, offsets));
  } else {
    log.warn(
      `no end offsets (${'unavailable' in options.ends ? options.ends.unavailable : ''}): records lost after the last object of a partition cannot be seen`,
    );
  }
  const result = await readAndClean(options, offsets, coverage);
  const verdict = checkCleanBatch(result, { store: options.store.description, topics: options.topics });
  if (verdict.gapError) {
    if (!options.allowGaps) {
      for (const line of verdict.gapLines) log.error(line);
      throw verdict.gapError;
    }
    acceptedLoss ??= verdict.gapError;
  }
  const run = cleanRunOf(options, result, offsets !== undefined && acceptedLoss === undefined);
  if (options.cleanDir) await writeCleanRun(options.cleanDir, run);
  return {
    ...result,
    run,
    ...(coverage ? { coverage } : {}),
    gapLines: verdict.gapLines,
    ...(acceptedLoss ? { acceptedLoss } : {}),
  };
}

/** Waits (with progress) for the sink to hold every record below `offsets`; with `allowGaps`, a SINK_BEHIND is accepted and warned. */
async function awaitSink(
  options: CleanStepOptions,
  offsets: EndOffsets,
): Promise<{ coverage?: SinkCoverage; acceptedLoss?: PipelineError }> {
  const waiting = createProgress({
    label: 'waiting for the S3 sink to hold every record below the end offsets',
    total: 0,
    mode: options.progress,
    plainEverySeconds: 2,
  });
  try {
    const coverage = await waitForSink({
      store: options.store,
      topics: options.topics,
      ends: offsets,
      timeoutMs: options.sinkWaitMs ?? DEFAULT_SINK_WAIT_MS,
      progress: waiting,
    });
    return { coverage };
  } catch (error) {
    if (!options.allowGaps || !hasErrorCode(error, 'SINK_BEHIND')) throw error;
    options.log.warn(`${error.message}; cleaning what is there (--allow-gaps)`);
    return { acceptedLoss: error };
  } finally {
    waiting.stop();
  }
}

/** Reads and cleans the sink's objects (`cleanBatch`), with progress over the objects `coverage` counted. */
async function readAndClean(
  options: CleanStepOptions,
  offsets: EndOffsets | undefined,
  coverage: SinkCoverage | undefined,
): Promise<CleanBatchResult> {
  const objects = coverage?.partitions.reduce((n, p) => n + p.objects, 0) ?? 0;
  const reading = createProgress({
    label: `reading ${options.store.description}/topics/ (objects)`,
    total: objects,
    fields: ['records', 'quarantined'],
    mode: options.progress,
  });
  return cleanBatch({
    connection: options.connection,
    store: options.store,
    topics: options.topics,
    ...(offsets ? { endOffsets: offsets } : {}),
    ...(options.cleanDir ? { cleanDir: options.cleanDir } : {}),
    ...(options.quarantineDir ? { quarantineDir: options.quarantineDir } : {}),
    ...(options.concurrency ? { concurrency: options.concurrency } : {}),
    onProgress: (p) => reading.update(p.objectsRead, { records: p.records, quarantined: p.quarantined }),
  }).finally(() => reading.stop());
}

/** The completed run's record; checked against the end offsets only when they were known, no loss was accepted and none is missing. */
function cleanRunOf(options: CleanStepOptions, result: CleanBatchResult, wholeAgainstOffsets: boolean): CleanRun {
  const rows = summariseCleanBatch(result);
  return {
    run: newRunId(),
    finishedAt: new Date().toISOString(),
    source: options.store.description,
    tables: Object.fromEntries(
      rows.map((r) => [
        r.table,
        { records: r.records, quarantined: r.quarantined, missing: r.missing, cleaned: r.cleaned },
      ]),
    ),
    checkedAgainstEndOffsets: wholeAgainstOffsets && TABLES.every((t) => result.read.tables[t].missing === 0),
  };
}

/** Per table: objects read, records, missing, quarantined, parsed, duplicates dropped, rows kept. */
export function summariseCleanStep(result: CleanStepResult): CleanBatchSummaryRow[] {
  return summariseCleanBatch(result);
}
