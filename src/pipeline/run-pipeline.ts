/**
 * The main job (`npm start`): the whole pipeline in one run. On the embedded local stack it starts
 * a fresh stack, creates the topics and streams, emulates the source's posts on both paths at full
 * speed, waits for the S3 sink, reads and cleans what arrived in S3, answers the nine questions and
 * writes the report; the streaming consumer reads the three Kinesis streams into the streaming tables. Against AWS (credentials/aws.yaml) the same steps run on the invoke URL and
 * the bucket. Every record is accounted for in the reconciliation.
 */
import path from 'node:path';
import { answerQuestions } from '../analysis/analyse';
import { openDatabase } from '../duckdb';
import type { SinkCoverage } from '../batch/await-sink';
import { DEFAULT_SINK_WAIT_MS, runCleanStep, summariseCleanStep } from '../batch/clean-step';
import { writeCleanRun } from '../batch/clean-run';
import type { EndOffsets } from '../batch/end-offsets';
import { inputEndOffsets } from '../batch/open-sink-input';
import { s3SinkStore } from '../batch/read-sink';
import type { CleanBatchSummaryRow } from '../batch/run-batch';
import type { PipelineConfig } from '../config';
import type { LandedCount } from '../emulation/landed-records';
import { createQuarantine, emulateBatch, emulateStream } from '../emulation/emulate-posts';
import type { EmulationSummary } from '../emulation/ledger';
import { emulationTargets, ensureDestinations } from '../emulation/targets';
import type { Logger } from '../log';
import { removeStackData, type LocalStackOptions } from '../local-stack/start-local-stack';
import { openTarget, type RunTarget } from '../target/open-target';
import { createProgress, type ProgressOptions } from '../progress';
import { consumeStreamsUntilIdle, type ConsumeSummary } from '../streaming/consume-streams';
import { streamDatabaseFile, streamTablesMatchBatch } from '../streaming/stream-tables';
import { writeReport } from '../report/write-report';
import type { RowSource } from '../source/row-source';
import { TABLES, type TableKey } from '../contract/tables';

/** How the main job's target is opened (`openPipelineTarget`). */
export interface PipelineTargetOptions {
  config: PipelineConfig;
  /** Local stack data folder; wiped first so the run's counts stand alone. */
  dataDir: string;
  /** S3 sink flush.size on the local stack (the course used 1; larger is faster and reads the same). */
  flushSize: number;
  /** Which Kafka runs under the local stack (default embedded; `apache` needs `npm run setup:kafka`). */
  kafka?: LocalStackOptions['kafka'];
  log: Logger;
}

export interface RunPipelineOptions {
  config: PipelineConfig;
  /** The run's connections, opened once by the caller (`openPipelineTarget`) and closed by it. */
  target: RunTarget;
  /** Created once by the caller from the configuration. */
  source: RowSource;
  /** Posts to emulate; default: every post the source holds (the course's 11,153 embedded). */
  posts?: number;
  /** Local stack data folder (the streaming tables' database is there). */
  dataDir: string;
  /** Folder of clean/, answers/, quarantine/ and report.html. */
  outDir: string;
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

/** Runs the whole pipeline on `options.target` (which stays open); see the module comment. */
export async function runPipeline(options: RunPipelineOptions): Promise<PipelineResult> {
  const started = performance.now();
  const { target } = options;
  options.log.info(`target: ${target.description}`);
  const sent = await sendPosts(target, options);
  const ends = await sinkEnds(target, sent.ackedOffsets, options.log);
  const streaming = sent.stream ? await consumeStreams(target, options) : undefined;
  const result = await cleanAndAnswer(target, options, { ...sent, ends, streaming });
  return { ...result, elapsedMs: performance.now() - started };
}

/**
 * The main job's target: locally a fresh stack started for the run (the data of earlier runs removed
 * first, so the run's counts stand alone), with its topics and streams; on AWS the invoke URL and
 * the bucket. Its `close()` lets the local sink copy what was acknowledged, then stops the stack.
 */
export async function openPipelineTarget(options: PipelineTargetOptions): Promise<RunTarget> {
  const { config, log } = options;
  if (config.target === 'local') await removeStackData(options.dataDir);
  return openTarget(config, {
    dataDir: options.dataDir,
    startStack: true,
    stackSink: { flushSize: options.flushSize },
    ...(options.kafka ? { stackKafka: options.kafka } : {}),
    log,
  });
}

/** What the emulation sent: the summaries of both paths and this run's acknowledged offsets. */
interface SentPosts {
  batch: EmulationSummary;
  stream?: EmulationSummary;
  /** This run's acknowledged offsets: a bucket that already holds earlier runs' objects counts only these. */
  ackedOffsets: AckedOffsets;
}

/** Creates the topics and streams, then sends the source's posts on the batch path (and the streaming one). */
async function sendPosts(target: RunTarget, options: RunPipelineOptions): Promise<SentPosts> {
  const { config, source, log } = options;
  const targets = emulationTargets(target);
  await ensureDestinations(targets);
  const posts = options.posts ?? (await source.count());
  const rate = pipelineRate(config.target, options.rate);
  if (rate !== undefined) log.info(`sending ${rate} posts/s on each path (--rate to change)`);
  const common = {
    source,
    names: targets.names,
    count: posts,
    seed: options.seed,
    concurrency: 4,
    log,
    ...(rate !== undefined ? { rate } : {}),
  };
  const quarantineFile = (name: string) => createQuarantine(path.join(options.outDir, 'quarantine', name));
  const progress = (label: string) =>
    createProgress({ label, total: posts, fields: ['acked', 'retried', 'failed'], mode: options.progress });
  const ackedOffsets = new AckedOffsets();
  const batch = await emulateBatch({
    ...common,
    onAck: (ack) => ackedOffsets.add(ack),
    transport: targets.batch,
    quarantine: quarantineFile('emulation-batch.jsonl'),
    progress: progress('batch  → REST proxy'),
  });
  const stream = options.stream
    ? await emulateStream({
        ...common,
        transport: targets.stream,
        quarantine: quarantineFile('emulation-stream.jsonl'),
        progress: progress('stream → Kinesis   '),
      })
    : undefined;
  return { batch, stream, ackedOffsets };
}

/**
 * The offsets the sink must reach: the topics' end offsets (the REST proxy's); where none can be had
 * on AWS, the highest offset this run had acknowledged in each partition.
 */
async function sinkEnds(target: RunTarget, ackedOffsets: AckedOffsets, log: Logger): Promise<{ offsets: EndOffsets }> {
  const url = target.restProxy?.url ?? target.invokeUrl;
  const asked = await inputEndOffsets({
    kind: target.stack ? 'local-stack' : 'aws',
    restProxy: url ? { url } : { unavailable: 'no invoke URL' },
    topics: target.names.topics,
  });
  if ('unavailable' in asked) log.warn(`${asked.unavailable}; waiting for the records this run acknowledged instead`);
  return 'offsets' in asked ? asked : { offsets: ackedOffsets.ends() };
}

/** Locally, the streaming consumer reads the three streams into the streaming tables until they are idle. */
async function consumeStreams(target: RunTarget, options: RunPipelineOptions): Promise<ConsumeSummary | undefined> {
  if (!target.stack) return undefined;
  options.log.info('consuming the three streams into the streaming tables ...');
  return consumeStreamsUntilIdle({
    kinesis: target.stack.kinesis,
    database: streamDatabaseFile(options.dataDir),
    names: { streams: target.names.streams, streamTables: options.config.names.streamTables },
    quarantineFile: path.join(options.outDir, 'quarantine', 'streaming.jsonl'),
    log: options.log,
  });
}

/** Waits for the S3 sink, cleans what it holds, answers the nine questions, reconciles and writes the report. */
async function cleanAndAnswer(
  target: RunTarget,
  options: RunPipelineOptions,
  sent: SentPosts & { ends: { offsets: EndOffsets }; streaming?: ConsumeSummary },
): Promise<Omit<PipelineResult, 'elapsedMs'>> {
  const { config, log } = options;
  const { batch, stream, streaming, ackedOffsets } = sent;
  // The consumer read every record of the streams: that count is what Kinesis held (read once).
  const landedInKinesis: LandedCount[] | undefined = streaming
    ? TABLES.map((table) => ({
        table,
        where: `kinesis://${target.names.streams[table]}`,
        records: streaming.tables[table].records,
      }))
    : undefined;
  log.info(
    'waiting for the S3 sink, then reading it into DuckDB and cleaning the three tables with the shared SQL ...',
  );
  const db = await openDatabase();
  try {
    const cleaned = await runCleanStep({
      connection: db.connection,
      store: s3SinkStore(target.s3, target.bucket),
      topics: target.names.topics,
      ends: sent.ends,
      cleanDir: path.join(options.outDir, 'clean'),
      quarantineDir: path.join(options.outDir, 'quarantine'),
      sinkWaitMs: target.stack ? DEFAULT_SINK_WAIT_MS : 10 * 60_000,
      progress: options.progress,
      log,
    });
    const batchRows = summariseCleanStep(cleaned);
    log.info('answering the nine questions ...');
    const answers = await answerQuestions(db.connection);
    const streamingMatchesBatch = streaming
      ? await streamTablesMatchBatch(db.connection, streamDatabaseFile(options.dataDir), config.names.streamTables)
      : undefined;
    const landedInS3: LandedCount[] = TABLES.map((table) => ({
      table,
      where: `s3://${target.bucket}/topics/${target.names.topics[table]}/`,
      objects: cleaned.read.tables[table].objects,
      records: ackedOffsets.landed(table, cleaned.coverage),
    }));
    // Locally the stack is new, so the sink holds this run's records only; a bucket on AWS may hold
    // earlier runs' too, so there this run's acknowledged records must all be in it and the batch
    // step read at least those.
    const reconciled = isReconciled({
      fresh: Boolean(target.stack),
      batch,
      stream,
      landedInS3,
      batchRows,
      streaming,
      streamingMatchesBatch,
    });
    const summary: [string, string | number][] = [
      ['cleaned tables of batch run', cleaned.run.run],
      ...reportSummary(batch, stream, landedInS3, batchRows, streaming),
    ];
    const report = await writeReport({ answers, outDir: options.outDir, summary });
    await writeCleanRun(path.join(options.outDir, 'answers'), cleaned.run);
    return {
      emulation: { batch, stream },
      landedInS3,
      landedInKinesis,
      streaming,
      streamingMatchesBatch,
      batch: batchRows,
      reportPath: report.reportPath,
      answerFiles: report.answerFiles,
      reconciled,
    };
  } finally {
    db.close();
  }
}

/** Every table: acked = in S3 = read from S3 = quarantined + cleaned + duplicates; streamed records = rows written + duplicates + invalid + quarantined. */
function isReconciled(run: {
  fresh: boolean;
  batch: EmulationSummary;
  stream?: EmulationSummary;
  landedInS3: LandedCount[];
  batchRows: CleanBatchSummaryRow[];
  streaming?: ConsumeSummary;
  streamingMatchesBatch?: Record<string, boolean>;
}): boolean {
  const { fresh, batch, stream, landedInS3, batchRows, streaming, streamingMatchesBatch } = run;
  const acked = Object.fromEntries(batch.tables.map((t) => [t.table, t.acked])) as Record<TableKey, number>;
  return (
    TABLES.every((table) => {
      const row = batchRows.find((r) => r.table === table) as CleanBatchSummaryRow;
      const inS3 = landedInS3.find((l) => l.table === table)?.records ?? -1;
      const read = fresh ? row.records === inS3 : row.records >= inS3;
      return (
        acked[table] === inS3 &&
        read &&
        row.missing === 0 &&
        row.records === row.quarantined + row.duplicates + row.cleaned
      );
    }) &&
    batch.reconciled &&
    (stream?.reconciled ?? true) &&
    TABLES.every((table) => {
      if (!streaming || !stream) return true;
      const t = streaming.tables[table];
      const acked = stream.tables.find((s) => s.table === table)?.acked;
      return (
        t.records === acked &&
        t.records === t.rowsWritten + t.duplicates + t.invalid + t.quarantined &&
        (streamingMatchesBatch?.[table] ?? false)
      );
    })
  );
}

/** The (partition, offset) of every record the REST proxy acknowledged in this run, per table. */
export class AckedOffsets {
  private readonly offsets: Record<TableKey, Map<number, number[]>> = {
    pin: new Map(),
    geo: new Map(),
    user: new Map(),
  };

  add(ack: { table: TableKey; partition?: number; offset?: number }): void {
    if (ack.partition === undefined || ack.offset === undefined) return;
    const list = this.offsets[ack.table].get(ack.partition) ?? [];
    list.push(ack.offset);
    this.offsets[ack.table].set(ack.partition, list);
  }

  /** Per partition, one past the highest offset acknowledged: what the sink must reach for this run's records. */
  ends(): EndOffsets {
    const out = {} as EndOffsets;
    for (const table of TABLES)
      out[table] = new Map([...this.offsets[table]].map(([p, list]) => [p, Math.max(...list) + 1]));
    return out;
  }

  /** How many of this run's records of `table` the sink's objects hold (all of them when the coverage is whole). */
  landed(table: TableKey, coverage: SinkCoverage | undefined): number {
    let n = 0;
    for (const [partition, list] of this.offsets[table]) {
      const part = coverage?.partitions.find((p) => p.table === table && p.partition === partition);
      if (!part) continue;
      n += list.filter(
        (offset) => offset < part.end && !part.missing.some(([a, b]) => offset >= a && offset <= b),
      ).length;
    }
    return n;
  }
}

function reportSummary(
  batch: EmulationSummary,
  stream: EmulationSummary | undefined,
  landed: LandedCount[],
  rows: CleanBatchSummaryRow[],
  streaming?: ConsumeSummary,
): [string, string | number][] {
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
  if (streaming)
    out.push([
      `streaming tables (${TABLES.map((t) => streaming.tables[t].tableName).join(' / ')})`,
      TABLES.map((t) => streaming.tables[t].tableRows).join(' / '),
    ]);
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
      ...(streamed
        ? { 'in Kinesis': result.landedInKinesis?.find((l) => l.table === table)?.records ?? streamed.acked }
        : {}),
      ...(result.streaming ? { 'stream table rows': result.streaming.tables[table].tableRows } : {}),
    };
  });
}
