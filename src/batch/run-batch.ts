/**
 * The batch step (step 3): every object the S3 sink wrote for the three topics, read into DuckDB
 * (load-sink.ts), cleaned there by the shared cleaning SQL (src/cleaning/), table by table, so one
 * raw table at a time is held. The cleaned tables `pin_clean`, `geo_clean`, `user_clean` stay in the
 * database for the nine questions, and are written to `output/clean/` by DuckDB.
 */
import { RAW_VIEWS } from '../cleaning/cleaning-sql';
import { cleanRawTable, type CleanCounts } from '../cleaning/duckdb-cleaning';
import { TABLES, type TableKey } from '../contract/tables';
import { PipelineError } from '../errors';
import { loadSink, type LoadSinkOptions } from './load-sink';
import type { BatchQuarantine, ReadCounts } from './read-sink';
import { writeCleanTables } from './write-tables';
import { type CleanTableFiles } from '../contract/clean-schema';

export type { CleanCounts };

export interface CleanBatchOptions extends LoadSinkOptions {
  /** Where the cleaned tables are written as CSV and JSON lines (e.g. `output/clean/`); omit to keep them in the database only. */
  cleanDir?: string;
}

/** How long a table took to read and to clean. */
export interface TableTimings {
  table: TableKey;
  readMs: number;
  cleanMs: number;
}

export interface CleanBatchResult {
  /** What was read: per table `records === parsed + quarantined`; `missing` records the offsets show but no object holds. */
  read: ReadCounts;
  /** What the cleaning did: per table `input (= parsed) === invalid + duplicates + output`. */
  clean: Record<TableKey, CleanCounts>;
  quarantine: BatchQuarantine;
  /** Objects read record by record (the others were taken as DuckDB read them). */
  objectsByRecord: number;
  timings: TableTimings[];
  files?: Record<TableKey, CleanTableFiles>;
}

/** Reads, cleans and (with `cleanDir`) writes the three tables; see the module comment. */
export async function cleanBatch(options: CleanBatchOptions): Promise<CleanBatchResult> {
  const { connection } = options;
  const clean = {} as Record<TableKey, CleanCounts>;
  const timings: TableTimings[] = [];
  const loaded = await loadSink(options, async ({ table, ms }) => {
    const started = performance.now();
    clean[table] = await cleanRawTable(connection, table);
    await connection.run(`DROP TABLE ${RAW_VIEWS[table]}`);
    timings.push({ table, readMs: ms, cleanMs: performance.now() - started });
  });
  const files = options.cleanDir ? await writeCleanTables(connection, options.cleanDir) : undefined;
  const objectsByRecord = TABLES.reduce((n, t) => n + loaded.tables[t].objectsByRecord, 0);
  return {
    read: loaded.counts,
    clean,
    quarantine: loaded.quarantine,
    objectsByRecord,
    timings,
    ...(files ? { files } : {}),
  };
}

/** One line per table of what the batch step did, for logs, notebooks and the report. */
export interface CleanBatchSummaryRow {
  table: TableKey;
  objects: number;
  records: number;
  /** Records the sink's offsets show but no object holds. */
  missing: number;
  quarantined: number;
  parsed: number;
  duplicates: number;
  cleaned: number;
}

/** Per table: objects read, records in them, missing, quarantined, parsed, duplicates dropped, rows kept. */
export function summariseCleanBatch(result: Pick<CleanBatchResult, 'read' | 'clean'>): CleanBatchSummaryRow[] {
  return TABLES.map((table) => {
    const read = result.read.tables[table];
    const clean = result.clean[table];
    return {
      table,
      objects: read.objects,
      records: read.records,
      missing: read.missing,
      quarantined: read.quarantined,
      parsed: read.parsed,
      duplicates: clean.duplicates + clean.invalid,
      cleaned: clean.output,
    };
  });
}

/** What a batch run's counts say against the sink: one line per gap, and the error they make. */
export interface CleanBatchVerdict {
  /** `<table>: <gap>` for each run of offsets no object holds. */
  gapLines: string[];
  /** SINK_GAPS when records are missing (a caller may accept the loss and print its message as a warning). */
  gapError?: PipelineError;
}

/**
 * Checks a batch run: SINK_EMPTY is thrown when a table has no object at all (nothing was emulated,
 * the sink has not copied it yet, or the bucket or user_id is wrong); records the sink's offsets show but no object holds are
 * returned as gap lines and a SINK_GAPS error.
 */
export function checkCleanBatch(
  result: Pick<CleanBatchResult, 'read'>,
  where: { store: string; topics: Record<TableKey, string> },
): CleanBatchVerdict {
  const empty = TABLES.filter((table) => result.read.tables[table].objects === 0);
  if (empty.length > 0) {
    const what =
      empty.length === TABLES.length
        ? `no sink objects under ${where.store}/topics/{${TABLES.map((t) => where.topics[t]).join(',')}}/`
        : `no sink objects for ${empty.join(' and ')} under ${empty.map((t) => `${where.store}/topics/${where.topics[t]}/`).join(' and ')} (the other tables have some)`;
    throw new PipelineError(
      'SINK_EMPTY',
      `${what}; emulate posts first (npm run emulate:batch, or npm start), wait for the sink, or check the bucket and user_id`,
    );
  }
  if (result.read.missing === 0) return { gapLines: [] };
  const gapLines = TABLES.flatMap((table) => result.read.tables[table].gaps.map((gap) => `${table}: ${gap}`));
  const message = `${result.read.missing} record(s) the sink's offsets show are in no object (objects truncated, emptied or deleted); restore them or re-run the sink, or pass --allow-gaps to accept the loss`;
  return { gapLines, gapError: new PipelineError('SINK_GAPS', message) };
}
