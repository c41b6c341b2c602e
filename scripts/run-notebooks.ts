import { readdirSync } from 'node:fs';
import path from 'node:path';
import { parseCommandLine, pathOption, runMain, type CommandSpec } from './lib/cli';
import { projectPath } from '../src/config';
import { PipelineError } from '../src/errors';

const spec: CommandSpec = {
  name: 'npm run notebooks --',
  summary: 'Executes every notebook in notebooks/ top to bottom with the tslab kernel, writing the outputs in place.',
  options: {
    only: { type: 'string', value: 'NAME', description: 'run only notebooks whose file name contains NAME' },
    'output-dir': { type: 'string', value: 'DIR', description: 'write executed copies to DIR instead of in place' },
  },
  examples: ['npm run notebooks', 'npm run notebooks -- --only 00-getting-started'],
};

export async function main(argv: string[]): Promise<void> {
  const options = parseCommandLine(spec, argv);
  if (!options) return;
  // Loaded after parsing: --help answers without loading the notebook runner.
  const { executeNotebook, findJupyter } = require('../src/notebook/run-notebook') as typeof import('../src/notebook/run-notebook');
  const jupyter = findJupyter();
  if (!jupyter.ok) throw new PipelineError('JUPYTER_MISSING', jupyter.reason ?? 'Jupyter is missing');
  const dir = projectPath('notebooks');
  const only = options.only as string | undefined;
  const notebooks = readdirSync(dir).filter((f) => f.endsWith('.ipynb') && (!only || f.includes(only))).sort();
  if (notebooks.length === 0) throw new PipelineError('USAGE', `no notebook in notebooks/ matches ${JSON.stringify(only)}`);
  const outputDir = pathOption(options, 'output-dir');
  for (const name of notebooks) {
    const started = Date.now();
    process.stderr.write(`running ${name} ...\n`);
    await executeNotebook(path.join(dir, name), outputDir ? { outputPath: path.join(outputDir, name) } : {});
    process.stderr.write(`  ok ${name} (${((Date.now() - started) / 1000).toFixed(1)} s)\n`);
  }
}

if (require.main === module) runMain(main);
