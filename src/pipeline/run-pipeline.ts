/**
 * The main job (`npm start`): the whole pipeline in one run. On the embedded local stack it starts
 * a fresh stack, creates the topics and streams, emulates the source's posts on both paths at full
 * speed, waits for the S3 sink, reads and cleans what arrived in S3, answers the nine questions and
 * writes the report; the streaming consumer reads the three Kinesis streams into the streaming tables. Against AWS (credentials/aws.yaml) the same steps run on the invoke URL and
 * the bucket. Every record is accounted for in the reconciliation.
 */
import type { S3Client } from '@aws-sdk/client-s3';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { answerQuestions } from '../analysis/analyse';
import { openDatabase } from '../duckdb';
import { s3SinkStore } from '../batch/read-sink';
import { cleanBatch, summariseCleanBatch, type CleanBatchSummaryRow } from '../batch/run-batch';
import { createS3Client } from '../clients';
import type { Names, PipelineConfig } from '../config';
import { PipelineError } from '../errors';
import { countStreamRecords, readSinkRecords, type LandedCount, type SinkRecord } from '../emulation/landed-records';
import { createQuarantine, emulateBatch, emulateStream } from '../emulation/emulate-posts';
import type { EmulationSummary } from '../emulation/ledger';
import { ensureDestinations, openEmulationTargets } from '../emulation/targets';
import type { Logger } from '../log';
import { removeStackData, type LocalStackOptions } from '../local-stack/start-local-stack';
import { createProgress, type ProgressOptions } from '../progress';
import { consumeStreamsUntilIdle, type ConsumeSummary } from '../streaming/consume-streams';
import { removeStreamDatabase, streamDatabaseFile, streamTablesMatchBatch } from '../streaming/stream-tables';
import { writeReport } from '../report/write-report';
import type { RowSource } from '../source/row-source';
import { TABLES, type TableKey } from '../contract/tables';

export interface RunPipelineOptions {
  config: PipelineConfig;
  /** Created once by the caller from the configuration. */
  source: RowSource;
  /** Posts to emulate; default: every post the source holds (the course's 11,153 embedded). */
  posts?: number;
  /** Local stack data folder; wiped first so the run's counts stand alone. */
  dataDir: string;
  /** Folder of clean/, answers/, quarantine/ and report.html. */
  outDir: string;
  /** S3 sink flush.size on the local stack (the course used 1; larger is faster and reads the same). */
  flushSize: number;
  /** Which Kafka runs under the local stack (default embedded; `apache` needs `npm run setup:kafka`). */
  kafka?: LocalStackOptions['kafka'];
  /** Also emulate the streaming path into Kinesis. */
  stream: boolean;
  seed: number;
  /** Posts per second on each path; default: unlimited on the local stack, `AWS_DEFAULT_RATE` against AWS. */
  rate?: number;
  progress: ProgressOptions['mode'];
  log: Logger;
}

export interface PipelineResult {
  emulation: { batch: EmulationSummary; stream?: EmulationSummary };
  /** Records found in S3 per topic after the sink caught up. */
  landedInS3: LandedCount[];
  /** Records found in each Kinesis stream. */
  landedInKinesis?: LandedCount[];
  /** The streaming consumer's run: records read and distinct cleaned rows per streaming table. */
  streaming?: ConsumeSummary;
  /** Per table: the streaming table holds exactly the batch step's cleaned rows. */
  streamingMatchesBatch?: Record<string, boolean>;
  batch: CleanBatchSummaryRow[];
  reportPath: string;
  answerFiles: string[];
  /** Every table: acked = in S3 = read from S3 = quarantined + cleaned + duplicates; streamed records = rows written + duplicates + invalid + quarantined. */
  reconciled: boolean;
  elapsedMs: number;
}

/** Posts per second `npm start` sends to a real invoke URL unless told otherwise: about what the course's API Gateway stage and MSK take without throttling a learner's account. */
export const AWS_DEFAULT_RATE = 50;

/** The rate of a run: the one asked for, else unlimited locally and `AWS_DEFAULT_RATE` against AWS. */
export function pipelineRate(target: PipelineConfig['target'], asked?: number): number | undefined {
  return asked ?? (target === 'aws' ? AWS_DEFAULT_RATE : undefined);
}

/** Runs the whole pipeline; see the module comment. */
export async function runPipeline(options: RunPipelineOptions): Promise<PipelineResult> {
  const started = performance.now();
  const { config, source, log } = options;
  if (config.target === 'local') {
    await removeStackData(options.dataDir);
    await removeStreamDatabase(streamDatabaseFile(options.dataDir));
  }
  const targets = await openEmulationTargets(config, { dataDir: options.dataDir, startStack: true, stackSink: { flushSize: options.flushSize }, ...(options.kafka ? { stackKafka: options.kafka } : {}), log });
  try {
    log.info(`target: ${targets.description}`);
    await ensureDestinations(targets);
    const posts = options.posts ?? (await source.count());
    const rate = pipelineRate(config.target, options.rate);
    if (rate !== undefined) log.info(`sending ${rate} posts/s on each path (--rate to change)`);
    const common = { source, names: targets.names, count: posts, seed: options.seed, concurrency: 4, log, ...(rate !== undefined ? { rate } : {}) };
    // This run's acknowledged offsets: a bucket that already holds earlier runs' objects counts only these.
    const ackedOffsets = new AckedOffsets();
    const batch = await emulateBatch({
      ...common,
      onAck: (ack) => ackedOffsets.add(ack),
      transport: targets.batch,
      quarantine: createQuarantine(path.join(options.outDir, 'quarantine', 'emulation-batch.jsonl')),
      progress: createProgress({ label: 'batch  → REST proxy', total: posts, fields: ['acked', 'retried', 'failed'], mode: options.progress }),
    });
    const stream = options.stream
      ? await emulateStream({
        ...common,
        transport: targets.stream,
        quarantine: createQuarantine(path.join(options.outDir, 'quarantine', 'emulation-stream.jsonl')),
        progress: createProgress({ label: 'stream → Kinesis   ', total: posts, fields: ['acked', 'retried', 'failed'], mode: options.progress }),
      })
      : undefined;

    const s3 = targets.stack?.stack?.s3 ?? createS3Client({ region: config.aws.region, ...(targets.stack ? { endpoint: targets.stack.endpoints.s3 } : {}) });
    const bucket = targets.stack?.bucket ?? config.names.bucket;
    const acked = Object.fromEntries(batch.tables.map((t) => [t.table, t.acked]));
    log.info('waiting for the S3 sink to copy every acknowledged record ...');
    const ackedRecords = Object.values(acked).reduce((n, a) => n + a, 0);
    const sinking = createProgress({ label: 'S3 sink → bucket     ', total: ackedRecords, fields: [], mode: options.progress });
    let landedInS3: LandedCount[];
    try {
      const stack = targets.stack?.stack;
      if (stack) {
        const ticker = setInterval(() => sinking.update(Math.min(ackedRecords, stack.sink.stats().recordsWritten)), 250);
        try {
          await stack.sink.drain(120_000);
        } finally {
          clearInterval(ticker);
        }
      }
      landedInS3 = await waitForSink(s3, bucket, targets.names, ackedOffsets, acked, stack ? 0 : 10 * 60_000, (landed) => sinking.update(Math.min(ackedRecords, landed)));
    } finally {
      sinking.stop();
    }
    const landedInKinesis = stream && targets.stack ? await countStreamRecords(targets.stack.kinesis, targets.names) : undefined;
    let streaming: ConsumeSummary | undefined;
    if (stream && targets.stack) {
      log.info('consuming the three streams into the streaming tables ...');
      streaming = await consumeStreamsUntilIdle({
        kinesis: targets.stack.kinesis,
        database: streamDatabaseFile(options.dataDir),
        names: { streams: targets.names.streams, streamTables: config.names.streamTables },
        quarantineFile: path.join(options.outDir, 'quarantine', 'streaming.jsonl'),
        log,
      });
    }

    log.info('reading the sink from S3 into DuckDB and cleaning the three tables with the shared SQL ...');
    const db = await openDatabase();
    try {
      const reading = createProgress({ label: `reading s3://${bucket}/topics/`, total: 0, fields: ['records', 'quarantined'], mode: options.progress });
      const cleaned = await cleanBatch({
        connection: db.connection,
        store: s3SinkStore(s3, bucket),
        topics: targets.names.topics,
        cleanDir: path.join(options.outDir, 'clean'),
        quarantineDir: path.join(options.outDir, 'quarantine'),
        onProgress: (p) => {
          reading.setTotal(p.objectsListed);
          reading.update(p.objectsRead, { records: p.records, quarantined: p.quarantined });
        },
      }).finally(() => reading.stop());
      const batchRows = summariseCleanBatch(cleaned);
      log.info('answering the nine questions ...');
      const answers = await answerQuestions(db.connection);
      const streamingMatchesBatch = streaming ? await streamTablesMatchBatch(db.connection, streamDatabaseFile(options.dataDir), config.names.streamTables) : undefined;
      // Locally the stack is new, so the sink holds this run's records only; a bucket on AWS may hold
      // earlier runs' too, so there this run's acknowledged records must all be in it and the batch
      // step read at least those.
      const fresh = Boolean(targets.stack);
      const reconciled = TABLES.every((table) => {
        const row = batchRows.find((r) => r.table === table) as CleanBatchSummaryRow;
        const inS3 = landedInS3.find((l) => l.table === table)?.records ?? -1;
        const read = fresh ? row.records === inS3 : row.records >= inS3;
        return acked[table] === inS3 && read && row.missing === 0 && row.records === row.quarantined + row.duplicates + row.cleaned;
      }) && batch.reconciled && (stream?.reconciled ?? true) && TABLES.every((table) => {
        if (!streaming || !stream) return true;
        const t = streaming.tables[table];
        const acked = stream.tables.find((s) => s.table === table)?.acked;
        return t.records === acked && t.records === t.rowsWritten + t.duplicates + t.invalid + t.quarantined && (streamingMatchesBatch?.[table] ?? false);
      });
      const report = await writeReport({
        answers,
        outDir: options.outDir,
        summary: reportSummary(batch, stream, landedInS3, batchRows, streaming),
      });
      return {
        emulation: { batch, stream }, landedInS3, landedInKinesis, streaming, streamingMatchesBatch, batch: batchRows,
        reportPath: report.reportPath, answerFiles: report.answerFiles, reconciled, elapsedMs: performance.now() - started,
      };
    } finally {
      db.close();
    }
  } finally {
    await targets.close();
  }
}

/** The (partition, offset) of every record the REST proxy acknowledged in this run, per table. */
export class AckedOffsets {
  private readonly offsets: Record<TableKey, Set<string>> = { pin: new Set(), geo: new Set(), user: new Set() };

  add(ack: { table: TableKey; partition?: number; offset?: number }): void {
    if (ack.partition !== undefined && ack.offset !== undefined) this.offsets[ack.table].add(`${ack.partition}:${ack.offset}`);
  }

  /** Of the records in S3, how many of each table are this run's. */
  landed(records: Record<TableKey, readonly { partition: number; offset: number }[]>): Record<TableKey, number> {
    const out = {} as Record<TableKey, number>;
    for (const table of TABLES) out[table] = records[table].filter((r) => this.offsets[table].has(`${r.partition}:${r.offset}`)).length;
    return out;
  }
}

/**
 * Polls S3 until each topic holds every record this run acknowledged (the sink on AWS is MSK
 * Connect's), counting only those offsets: objects of earlier runs in the bucket do not count.
 * `timeoutMs` 0 counts once and returns (the local sink was drained already).
 */
async function waitForSink(s3: S3Client, bucket: string, names: Pick<Names, 'topics'>, ackedOffsets: AckedOffsets, acked: Record<string, number>, timeoutMs: number, onCount: (records: number) => void): Promise<LandedCount[]> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const records = {} as Record<TableKey, SinkRecord[]>;
    for (const table of TABLES) records[table] = await readSinkRecords(s3, bucket, table, names.topics[table]);
    const ours = ackedOffsets.landed(records);
    const landed: LandedCount[] = TABLES.map((table) => ({
      table, where: `s3://${bucket}/topics/${names.topics[table]}/`, objects: new Set(records[table].map((r) => r.key)).size, records: ours[table],
    }));
    onCount(landed.reduce((n, l) => n + l.records, 0));
    if (landed.every((l) => l.records >= acked[l.table])) return landed;
    if (Date.now() >= deadline) {
      if (timeoutMs === 0) return landed;
      const behind = landed.map((l) => `${l.table} ${l.records}/${acked[l.table]}`).join(', ');
      throw new PipelineError('SINK_BEHIND', `the S3 sink has not copied every record this run acknowledged after ${timeoutMs / 1000} s (${behind}); check the connector in MSK Connect`, { retriable: true });
    }
    await sleep(5_000);
  }
}

function reportSummary(batch: EmulationSummary, stream: EmulationSummary | undefined, landed: LandedCount[], rows: CleanBatchSummaryRow[], streaming?: ConsumeSummary): [string, string | number][] {
  const sum = (f: (r: CleanBatchSummaryRow) => number) => rows.reduce((n, r) => n + f(r), 0);
  const out: [string, string | number][] = [
    ['posts emulated', batch.posts],
    ['records acknowledged by the REST proxy', batch.tables.reduce((n, t) => n + t.acked, 0)],
    ['records in S3', landed.reduce((n, l) => n + l.records, 0)],
    ['records missing from S3 (gaps in the sink offsets)', sum((r) => r.missing)],
    ['records quarantined when reading S3', sum((r) => r.quarantined)],
    ['duplicates dropped by cleaning', sum((r) => r.duplicates)],
    ['rows cleaned (pin / geo / user)', rows.map((r) => r.cleaned).join(' / ')],
  ];
  if (stream) out.splice(2, 0, ['records acknowledged by Kinesis', stream.tables.reduce((n, t) => n + t.acked, 0)]);
  if (streaming) out.push([`streaming tables (${TABLES.map((t) => streaming.tables[t].tableName).join(' / ')})`, TABLES.map((t) => streaming.tables[t].tableRows).join(' / ')]);
  return out;
}

/** The reconciliation as rows, for the terminal and notebooks. */
export function reconciliationRows(result: PipelineResult): Record<string, string | number>[] {
  return TABLES.map((table) => {
    const emitted = result.emulation.batch.tables.find((t) => t.table === table);
    const streamed = result.emulation.stream?.tables.find((t) => t.table === table);
    const row = result.batch.find((r) => r.table === table) as CleanBatchSummaryRow;
    return {
      table,
      emitted: emitted?.read ?? 0,
      acked: emitted?.acked ?? 0,
      'emulation quarantined': (emitted?.quarantined ?? 0) + (emitted?.failed ?? 0),
      'in S3': result.landedInS3.find((l) => l.table === table)?.records ?? 0,
      missing: row.missing,
      'read quarantined': row.quarantined,
      deduplicated: row.duplicates,
      cleaned: row.cleaned,
      ...(streamed ? { 'in Kinesis': result.landedInKinesis?.find((l) => l.table === table)?.records ?? streamed.acked } : {}),
      ...(result.streaming ? { 'stream table rows': result.streaming.tables[table].tableRows } : {}),
    };
  });
}
