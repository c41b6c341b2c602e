/**
 * `npm run notebooks`: executes the notebooks 00 → 06 in order, top to bottom, against one fresh local
 * stack (notebook 01 starts it in the background; this script stops it at the end, also on failure),
 * and saves them with their outputs. See `--help`.
 */
import { existsSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { parseCommandLine, pathOption, runMain, type CommandSpec } from './lib/cli';
import { projectPath } from '../src/config';
import { PipelineError } from '../src/errors';
import { DEFAULT_DATA_DIR, STACK_FILE } from '../src/local-stack/defaults';

const spec: CommandSpec = {
  name: 'npm run notebooks --',
  summary:
    'Executes the notebooks of notebooks/ in order (00 → 06) with the tslab kernel against one fresh local stack in .local-stack (notebook 01 starts it in the background; it is stopped at the end, also on failure) and writes their outputs in place. A failing cell stops the run with its own error.',
  options: {
    only: {
      type: 'string',
      value: 'NAME',
      description:
        'run only notebooks whose file name contains NAME (alone, a notebook after 01 uses its fallback sample unless a stack runs)',
    },
    'output-dir': { type: 'string', value: 'DIR', description: 'write executed copies to DIR instead of in place' },
    'free-ports': {
      type: 'boolean',
      description: "start the stack on free ports instead of the defaults (tests running beside a learner's stack)",
    },
  },
  examples: ['npm run notebooks', 'npm run notebooks -- --only 04-analysis'],
};

export async function main(argv: string[]): Promise<void> {
  const options = parseCommandLine(spec, argv);
  if (!options) return;
  // Loaded after parsing: --help answers without loading the notebook runner.
  const { executeNotebook, findJupyter, notebookEnv } =
    require('../src/notebook/run-notebook') as typeof import('../src/notebook/run-notebook');
  const { FREE_PORTS_ENV } =
    require('../src/notebook/notebook-stack') as typeof import('../src/notebook/notebook-stack');
  const { readRunningStack } =
    require('../src/local-stack/start-local-stack') as typeof import('../src/local-stack/start-local-stack');
  const { stopStack } =
    require('../src/local-stack/stack-process') as typeof import('../src/local-stack/stack-process');
  const jupyter = findJupyter();
  if (!jupyter.ok) throw new PipelineError('JUPYTER_MISSING', jupyter.reason ?? 'Jupyter is missing');
  const dir = projectPath('notebooks');
  const only = options.only as string | undefined;
  const notebooks = readdirSync(dir)
    .filter((f) => f.endsWith('.ipynb') && (!only || f.includes(only)))
    .sort();
  if (notebooks.length === 0)
    throw new PipelineError('USAGE', `no notebook in notebooks/ matches ${JSON.stringify(only)}`);
  const dataDir = projectPath(DEFAULT_DATA_DIR);
  const running = await readRunningStack(dataDir);
  if (running && notebooks.some((name) => name.startsWith('01-'))) {
    throw new PipelineError(
      'STACK_RUNNING',
      `a local stack is already running from ${DEFAULT_DATA_DIR} (pid ${running.pid}) and notebook 01 starts a fresh one there: stop it first with npm run stack -- --stop`,
    );
  }
  const outputDir = pathOption(options, 'output-dir');
  const env = { ...notebookEnv(), ...(options['free-ports'] ? { [FREE_PORTS_ENV]: '1' } : {}) };
  try {
    for (const name of notebooks) {
      const started = Date.now();
      process.stderr.write(`running ${name} ...\n`);
      await executeNotebook(path.join(dir, name), {
        env,
        ...(outputDir ? { outputPath: path.join(outputDir, name) } : {}),
      });
      process.stderr.write(`  ok ${name} (${((Date.now() - started) / 1000).toFixed(1)} s)\n`);
    }
  } finally {
    // The stack notebook 01 started outlives its kernel: it stops here, whether the run passed or not.
    if (!running && existsSync(path.join(dataDir, STACK_FILE))) await stopStack(dataDir, process.stderr);
  }
}

if (require.main === module) runMain(main);
