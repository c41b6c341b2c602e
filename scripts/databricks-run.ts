/**
 * Runs a Databricks notebook once through the Jobs API (runs/submit, then runs/get until it ends),
 * as the Airflow DAG's DatabricksSubmitRunOperator does, and exits non-zero unless the run
 * succeeded. See `--help`.
 */
import { intOption, parseCommandLine, runMain, type CommandSpec } from './lib/cli';
import { loadConfig } from '../src/config';
import { PipelineError } from '../src/errors';
import { DEFAULT_RETRY } from '../src/retry';
import type { RunResult, SubmitRunOptions } from '../src/orchestration/databricks-run';

export const SPEC: CommandSpec = {
  name: 'npm run databricks:run --',
  summary:
    'Submits a one-time notebook run to Databricks (Jobs API 2.2, 2.1 when 2.2 is not served), prints a line per state until it ends and the run page URL; fails unless the result is SUCCESS. Host and token from DATABRICKS_HOST / DATABRICKS_TOKEN (or credentials/databricks.yaml for the host).',
  options: {
    'notebook-path': {
      type: 'string',
      value: 'PATH',
      description:
        'workspace path of the notebook (default: notebook_path in credentials/databricks.yaml or $DATABRICKS_NOTEBOOK_PATH)',
    },
    'cluster-id': {
      type: 'string',
      value: 'ID',
      description: 'existing cluster (default: cluster_id in credentials/databricks.yaml or $DATABRICKS_CLUSTER_ID)',
    },
    'run-name': {
      type: 'string',
      value: 'NAME',
      description: 'name shown in the Databricks UI (default: <dag id> one-time run)',
    },
    'poll-seconds': { type: 'string', value: 'N', description: 'seconds between two state reads', default: '10' },
    'timeout-seconds': {
      type: 'string',
      value: 'N',
      description: 'run timeout given to Databricks (0: none)',
      default: '0',
    },
    'dry-run': { type: 'boolean', description: 'print the request (token redacted) and send nothing' },
  },
  examples: [
    'npm run databricks:run -- --dry-run',
    'DATABRICKS_HOST=https://dbc-1234.cloud.databricks.com DATABRICKS_TOKEN=dapi... npm run databricks:run -- --notebook-path /Users/me/pinterest/batch_clean --cluster-id 0123-456789-abc',
  ],
};

export async function main(argv: string[]): Promise<RunResult | Record<string, unknown> | undefined> {
  const values = parseCommandLine(SPEC, argv);
  if (!values) return undefined;
  const config = loadConfig();
  // Loaded after parsing: --help answers without loading the Jobs API client.
  const {
    createDatabricksHttpClient,
    createJobsClient,
    describeSubmitRequest,
    failureReason,
    progressLine,
    submitAndWait,
    submitRunBody,
  } = require('../src/orchestration/databricks-run') as typeof import('../src/orchestration/databricks-run');
  const notebookPath = (values['notebook-path'] as string | undefined) ?? config.databricks.notebookPath;
  const clusterId = (values['cluster-id'] as string | undefined) ?? config.databricks.clusterId;
  const submit: SubmitRunOptions = {
    runName: (values['run-name'] as string | undefined) ?? `${config.names.dagId} one-time run`,
    clusterId: clusterId ?? '<cluster-id>',
    notebookPath: notebookPath ?? '<notebook-path>',
    baseParameters: { user_id: config.userId },
    timeoutSeconds: intOption(values, 'timeout-seconds') ?? 0,
  };
  if (values['dry-run']) {
    const request = describeSubmitRequest(config.databricks.host, submitRunBody(submit));
    console.log(JSON.stringify(request, null, 2));
    return request;
  }
  const missing = [
    !config.databricks.host && 'DATABRICKS_HOST',
    !config.databricks.token && 'DATABRICKS_TOKEN',
    !clusterId && '--cluster-id (or DATABRICKS_CLUSTER_ID)',
    !notebookPath && '--notebook-path (or DATABRICKS_NOTEBOOK_PATH)',
  ].filter(Boolean);
  if (missing.length)
    throw new PipelineError('DATABRICKS_NOT_CONFIGURED', `set ${missing.join(', ')}; or try --dry-run`);
  const http = createDatabricksHttpClient({
    host: config.databricks.host as string,
    token: config.databricks.token as string,
  });
  let result: RunResult;
  try {
    result = await submitAndWait(createJobsClient(http), submit, {
      retry: DEFAULT_RETRY,
      pollIntervalMs: (intOption(values, 'poll-seconds', 1) ?? 10) * 1000,
      onProgress: (state, elapsedMs) => console.log(progressLine(state, elapsedMs)),
    });
  } finally {
    http.close();
  }
  if (result.runPageUrl) console.log(`run page: ${result.runPageUrl}`);
  const reason = failureReason(result);
  if (reason) throw new PipelineError('DATABRICKS_RUN_FAILED', reason);
  return result;
}

if (require.main === module) runMain(main);
