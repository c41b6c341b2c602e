import type { S3Client } from '@aws-sdk/client-s3';
import type { Frame } from '../frames';
import type { TableKey } from '../tables';
import type { CleanCounts } from './clean-result';
import { cleanTables } from './clean-tables';
import { readSinkTables, type ReadCounts, type ReadProgress } from './read-sink';
import { writeCleanTables, type CleanTableFiles } from './write-tables';

export interface CleanBatchOptions {
  /** Created once by the caller (`createS3Client`). */
  s3: S3Client;
  bucket: string;
  topics: Record<TableKey, string>;
  /** Where the cleaned tables go (e.g. `output/clean/`). */
  cleanDir: string;
  /** Where the quarantine files go (e.g. `output/quarantine/`). */
  quarantineDir?: string;
  concurrency?: number;
  onProgress?: (progress: ReadProgress) => void;
}

export interface CleanBatchResult {
  frames: Record<TableKey, Frame>;
  /** What was read: per table `records === parsed + quarantined`. */
  read: ReadCounts;
  /** What the cleaning did: per table `input (= parsed) === invalid + duplicates + output`. */
  clean: Record<TableKey, CleanCounts>;
  files: Record<TableKey, CleanTableFiles>;
}

/**
 * The batch step in one call: reads every sink object of the three topics (`readSinkTables`),
 * cleans the tables (`cleanTables`) and writes them as CSV and JSON lines (`writeCleanTables`).
 */
export async function cleanBatch(options: CleanBatchOptions): Promise<CleanBatchResult> {
  const read = await readSinkTables(options);
  const cleaned = cleanTables(read.rows);
  const files = await writeCleanTables(cleaned.frames, options.cleanDir);
  return { frames: cleaned.frames, read: read.counts, clean: cleaned.counts, files };
}

/** One line per table of what the batch step did, for logs, notebooks and the report. */
export interface CleanBatchSummaryRow {
  table: TableKey;
  objects: number;
  records: number;
  quarantined: number;
  parsed: number;
  duplicates: number;
  cleaned: number;
}

/** Per table: objects read, records in them, quarantined, parsed, duplicates dropped, rows kept. */
export function summariseCleanBatch(result: Pick<CleanBatchResult, 'read' | 'clean'>): CleanBatchSummaryRow[] {
  return (['pin', 'geo', 'user'] as const).map((table) => {
    const read = result.read.tables[table];
    const clean = result.clean[table];
    return { table, objects: read.objects, records: read.records, quarantined: read.quarantined, parsed: read.parsed, duplicates: clean.duplicates + clean.invalid, cleaned: clean.output };
  });
}
