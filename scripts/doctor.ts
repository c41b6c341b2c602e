/**
 * `npm run doctor`: checks each hop of the configured target in order and prints one line per hop,
 * `✅ <hop>: <what was seen>` or `❌ <hop>: <what failed> — fix: <what to do>`; ends with one `error:` line
 * and exit 1 unless every hop is ✅ (a hop with nothing configured is `–` and does not fail). See `--help`.
 */
import { numberOption, parseCommandLine, pathOption, runMain, type CommandSpec } from './lib/cli';
import { loadConfig, type PipelineConfig } from '../src/config';
import { PipelineError } from '../src/errors';
import type { DoctorReport } from '../src/doctor/run-doctor';
import { createLogger } from '../src/log';
import { DEFAULT_DATA_DIR } from '../src/local-stack/defaults';
import { DEFAULT_SINK_TIMEOUT_MS } from '../src/doctor/defaults';
import { requireRunningStack } from './lib/preflight';

export const SPEC: CommandSpec = {
  name: 'npm run doctor --',
  summary:
    'Checks each hop of the configured target in order: the invoke URL answers; the REST proxy lists <user_id>.pin|geo|user; a marked test record posted to its own topic <user_id>.doctor lands in S3; each stream streaming-<user_id>-pin|geo|user is ACTIVE, and its own stream streaming-<user_id>-doctor (created, then deleted) takes a record. Nothing is written where your tables read; the database answers (with db_creds.yaml); the Databricks host and token are valid (with databricks.yaml and DATABRICKS_TOKEN). One line per hop; exit 1 unless all pass. Against AWS with credentials/aws.yaml, else (or with --local) against the local stack: the one running from --data-dir, or one started for the check.',
  options: {
    local: { type: 'boolean', description: 'check the local stack even when credentials/aws.yaml has an invoke URL' },
    'data-dir': {
      type: 'string',
      value: 'DIR',
      description: 'where to look for a running local stack',
      default: DEFAULT_DATA_DIR,
    },
    timeout: {
      type: 'string',
      value: 'SECONDS',
      description: `how long the test record may take to reach S3 (default ${DEFAULT_SINK_TIMEOUT_MS.aws / 1000} on AWS, ${DEFAULT_SINK_TIMEOUT_MS.local / 1000} locally)`,
    },
  },
  examples: ['npm run doctor', 'npm run doctor -- --local', 'npm run doctor -- --timeout 120'],
};

export interface DoctorMainOptions {
  /** The configuration to check (default: loadConfig()). */
  config?: PipelineConfig;
  out?: NodeJS.WritableStream;
}

/** Runs the doctor and returns the report when every hop passed; throws DOCTOR_FAILED (exit 1) after printing the lines otherwise. */
export async function main(argv: string[], options: DoctorMainOptions = {}): Promise<DoctorReport | undefined> {
  const values = parseCommandLine(SPEC, argv);
  if (!values) return undefined;
  const out = options.out ?? process.stdout;
  const config = options.config ?? loadConfig();
  const timeout = numberOption(values, 'timeout', 1);
  const log = createLogger('doctor');
  const dataDir = pathOption(values, 'data-dir', DEFAULT_DATA_DIR);
  await requireRunningStack({ target: values.local === true ? 'local' : config.target }, dataDir);
  // Loaded after parsing and the stack check: --help and a missing stack answer without loading the clients.
  const { openDoctorTarget } = require('../src/doctor/doctor-target') as typeof import('../src/doctor/doctor-target');
  const { runDoctor } = require('../src/doctor/run-doctor') as typeof import('../src/doctor/run-doctor');
  const target = await openDoctorTarget(config, { local: values.local === true, dataDir, log });
  let report: DoctorReport;
  try {
    out.write(`doctor: checking ${target.description} for user ${target.userId}\n`);
    report = await runDoctor(target, {
      ...(timeout === undefined ? {} : { sinkTimeoutMs: timeout * 1000 }),
      onLine: (line) => out.write(`${line}\n`),
    });
  } finally {
    await target.close();
  }
  const failed = report.results.filter((r) => r.status === 'failed');
  if (failed.length) {
    throw new PipelineError(
      'DOCTOR_FAILED',
      `${failed.length} hop${failed.length === 1 ? '' : 's'} failed (${failed.map((r) => r.hop).join(', ')}); fix the first ❌ and run npm run doctor again`,
    );
  }
  out.write('every hop is healthy\n');
  return report;
}

if (require.main === module) runMain(main);
