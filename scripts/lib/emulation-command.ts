import { intOption, numberOption, type CommandSpec, type OptionSpec, type ParsedOptions } from './cli';
import { loadConfig } from '../../src/config';
import { projectPath } from '../../src/config';
import { PipelineError } from '../../src/errors';
import { createLogger } from '../../src/log';
import { createProgress } from '../../src/progress';
import { createRowSource } from '../../src/source/create-source';
import { TABLES } from '../../src/contract/tables';
import { DEFAULT_EMULATION_SEED, EmulationFailedError, emulateBatch, emulateStream } from '../../src/emulation/emulate-posts';
import { formatSummary, type EmulationSummary } from '../../src/emulation/ledger';
import { createQuarantine } from '../../src/emulation/quarantine';
import type { Selection } from '../../src/emulation/select-positions';
import { ensureDestinations, openEmulationTargets, type EmulationTargetOptions } from '../../src/emulation/targets';

/** Flags both emulation scripts take. */
const COMMON_OPTIONS: Record<string, OptionSpec> = {
  count: { type: 'string', short: 'n', value: 'N', description: 'posts to send (each is 3 records); without --count or --duration, run until Ctrl-C' },
  duration: { type: 'string', short: 'd', value: 'SECONDS', description: 'stop reading new posts after this long' },
  rate: { type: 'string', short: 'r', value: 'POSTS/S', description: 'posts per second (0 = as fast as acknowledged)', default: '0' },
  'course-pace': { type: 'boolean', description: "the course's pace: one post, then a random 0-1 s sleep (overrides --rate)" },
  seed: { type: 'string', value: 'N', description: 'seeds row selection and the course pace', default: String(DEFAULT_EMULATION_SEED) },
  selection: { type: 'string', value: 'MODE', description: "random (the course's, repeats allowed) or sequential", default: 'random' },
  'batch-size': { type: 'string', short: 'b', value: 'N', description: 'records per request (at most 500)', default: '500' },
  concurrency: { type: 'string', short: 'c', value: 'N', description: 'requests in flight at once', default: '4' },
  retries: { type: 'string', value: 'N', description: 'retries of a failed request or record, with exponential back-off', default: '10' },
  'max-record-bytes': { type: 'string', value: 'BYTES', description: 'larger rows are quarantined', default: String(1024 * 1024) },
  quarantine: { type: 'string', value: 'FILE', description: 'JSON-lines file of rows that can never be sent (default output/quarantine/emulation-<path>.jsonl)' },
  progress: { type: 'string', value: 'MODE', description: 'auto (a bar on a terminal, lines otherwise), plain or silent', default: 'auto' },
  setup: { type: 'boolean', description: 'create the topics and streams first (idempotent; the local stack already has them)' },
  'data-dir': { type: 'string', value: 'DIR', description: 'local stack: data folder of a running stack, or to start one from', default: '.local-stack' },
  'start-stack': { type: 'boolean', description: 'local stack: start one for this run when none is running (the default)' },
  'no-start-stack': { type: 'boolean', description: 'local stack: fail when none is running instead of starting one' },
};

/** The `--help` and flags of `emulate-batch` or `emulate-stream`. */
export function emulationCommandSpec(path: 'batch' | 'stream'): CommandSpec {
  const script = `npm run emulate:${path} --`;
  if (path === 'batch') {
    return {
      name: script,
      summary: 'Emulates users posting on the batch path: every post is three records (pin, geo, user) sent to the topics <user_id>.pin|geo|user through the Kafka REST Proxy (POST <invoke_url>/topics/<topic>). Prints a summary per table; exits 1 if any record was neither acknowledged nor quarantined.',
      options: {
        ...COMMON_OPTIONS,
        via: { type: 'string', value: 'ROUTE', description: 'gateway (the invoke URL, as the course) or rest-proxy (the REST Proxy directly)', default: 'gateway' },
        'rest-proxy': { type: 'string', value: 'URL', description: 'on AWS: the REST Proxy URL for --via rest-proxy and --setup' },
      },
      examples: [`${script} --count 1000`, `${script} --course-pace`, `${script} --duration 60 --rate 200 --via rest-proxy`],
    };
  }
  return {
    name: script,
    summary: 'Emulates users posting on the streaming path: every post is three records sent to the Kinesis streams streaming-<user_id>-pin|geo|user (PutRecords through the SDK, or the invoke URL\'s /streams routes). Prints a summary per table; exits 1 if any record was neither acknowledged nor quarantined.',
    options: {
      ...COMMON_OPTIONS,
      via: { type: 'string', value: 'ROUTE', description: 'sdk (PutRecords) or gateway (PUT <invoke_url>/streams/<stream>/records); default: kinesis_via of credentials/aws.yaml, sdk locally' },
      route: { type: 'string', value: 'ROUTE', description: 'with --via gateway: records (batches) or record (one request per record, as the course)', default: 'records' },
    },
    examples: [`${script} --count 1000`, `${script} --duration 60 --rate 100 --via gateway`],
  };
}

function choice<T extends string>(values: ParsedOptions, name: string, choices: readonly T[]): T | undefined {
  const raw = values[name];
  if (raw === undefined) return undefined;
  if (typeof raw !== 'string' || !(choices as readonly string[]).includes(raw)) {
    throw new PipelineError('USAGE', `--${name} expects one of ${choices.join(', ')}, got ${JSON.stringify(raw)}`);
  }
  return raw as T;
}

export interface EmulationCommandIo {
  /** Where the summary goes (stdout by default); progress and messages go to stderr. */
  out?: NodeJS.WritableStream;
  /** Stops like Ctrl-C (for running `main` in-process). */
  signal?: AbortSignal;
}

/**
 * The one-line error of a run that ended with records neither acknowledged nor quarantined (retries
 * spent, or cut off by a second Ctrl-C), thrown by the scripts after the summary is printed.
 */
export function unfinishedRunError(summary: EmulationSummary): PipelineError {
  const failed = summary.tables.reduce((n, t) => n + t.failed, 0);
  const read = summary.tables.reduce((n, t) => n + t.read, 0);
  const reason = summary.reasons.find((r) => r.outcome === 'failed')?.reason;
  const what = summary.reconciled ? `${failed.toLocaleString('en-US')} of ${read.toLocaleString('en-US')} records were neither acknowledged nor quarantined` : 'the counts do not reconcile';
  return new PipelineError('RECORDS_FAILED', `${what}${reason ? ` (${reason})` : ''}; check that ${summary.transport} answers, then run again`, { retriable: true });
}

/**
 * Runs one emulation path from parsed flags: configuration, targets (finding or starting the local
 * stack), source, quarantine file, progress and Ctrl-C handling (first: stop reading and let
 * requests finish; second: cut them off). Prints and returns the summary.
 */
export async function runEmulationCommand(path: 'batch' | 'stream', values: ParsedOptions, io: EmulationCommandIo = {}): Promise<EmulationSummary> {
  const out = io.out ?? process.stdout;
  const log = createLogger(`emulate-${path}`);
  const count = intOption(values, 'count', 1);
  const duration = numberOption(values, 'duration', 0);
  const rate = numberOption(values, 'rate', 0);
  const seed = intOption(values, 'seed', 0);
  const batchSize = intOption(values, 'batch-size', 1);
  const concurrency = intOption(values, 'concurrency', 1);
  const retries = intOption(values, 'retries', 0);
  const maxRecordBytes = intOption(values, 'max-record-bytes', 1);
  const selection = choice<Selection>(values, 'selection', ['random', 'sequential']);
  const progressMode = choice(values, 'progress', ['auto', 'plain', 'silent'] as const);
  if (values['start-stack'] && values['no-start-stack']) throw new PipelineError('USAGE', '--start-stack and --no-start-stack contradict each other');

  const targetOptions: EmulationTargetOptions = {
    dataDir: values['data-dir'] as string | undefined,
    startStack: values['no-start-stack'] !== true,
    log,
    ...(maxRecordBytes !== undefined ? { limits: { maxRecordBytes } } : {}),
  };
  if (path === 'batch') {
    targetOptions.batchVia = choice(values, 'via', ['gateway', 'rest-proxy'] as const);
    targetOptions.restProxyUrl = values['rest-proxy'] as string | undefined;
  } else {
    targetOptions.streamVia = choice(values, 'via', ['sdk', 'gateway'] as const);
    targetOptions.gatewayRoute = choice(values, 'route', ['records', 'record'] as const);
  }

  const config = loadConfig();
  const targets = await openEmulationTargets(config, targetOptions);
  const source = createRowSource(config);
  const quarantine = createQuarantine((values.quarantine as string | undefined) ?? projectPath('output', 'quarantine', `emulation-${path}.jsonl`));
  const stop = new AbortController();
  const cut = new AbortController();
  const onInterrupt = () => {
    if (stop.signal.aborted) {
      cut.abort();
      return;
    }
    log.warn('stopping: no new posts; waiting for requests in flight (Ctrl-C again to cut them off)');
    stop.abort();
  };
  const onStopRequest = () => stop.abort();
  process.on('SIGINT', onInterrupt);
  process.on('SIGTERM', onInterrupt);
  io.signal?.addEventListener('abort', onStopRequest, { once: true });
  try {
    log.info(targets.description);
    log.info(`${path}: ${targets[path].description}`);
    log.info(`source: ${source.description}`);
    if (count === undefined && duration === undefined) log.info('no --count or --duration: running until Ctrl-C');
    if (values.setup) {
      for (const r of await ensureDestinations(targets, { topics: path === 'batch', streams: path === 'stream' })) log.info(`${r.kind} ${r.name}: ${r.outcome}`);
    }
    const progress = createProgress({
      label: path,
      total: count ?? 0,
      fields: ['acked', 'retried', 'quarantined', 'failed'],
      mode: progressMode ?? 'auto',
    });
    const run = {
      source,
      names: targets.names,
      count,
      durationMs: duration === undefined ? undefined : duration * 1000,
      rate: rate || undefined,
      coursePace: values['course-pace'] === true,
      selection,
      seed,
      batchSize,
      concurrency,
      retry: retries === undefined ? undefined : { retries },
      signal: stop.signal,
      hardSignal: cut.signal,
      quarantine,
      progress,
      log,
    };
    let summary: EmulationSummary;
    try {
      summary = path === 'batch' ? await emulateBatch({ ...run, transport: targets.batch }) : await emulateStream({ ...run, transport: targets.stream });
    } catch (error) {
      // The summary of what was sent before the failure, then the one-line reason (by runMain).
      if (error instanceof EmulationFailedError) out.write(`${formatSummary(error.summary)}\n`);
      throw error;
    }
    out.write(`${formatSummary(summary)}\n`);
    if (targets.stack?.stack && summary.path === 'batch') {
      log.info(`records land in s3://${targets.stack.bucket}/topics/{${TABLES.map((t) => targets.names.topics[t]).join(',')}}/ under ${targets.stack.stack.dataDir}`);
    }
    return summary;
  } finally {
    process.off('SIGINT', onInterrupt);
    process.off('SIGTERM', onInterrupt);
    io.signal?.removeEventListener('abort', onStopRequest);
    quarantine.close();
    await source.close();
    await targets.close();
  }
}
