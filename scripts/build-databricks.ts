/**
 * Writes the Databricks notebooks in databricks/ (batch_clean.sql, analysis.sql, stream_kinesis.py)
 * from the SQL in src/cleaning/ and src/analysis/queries/. See `--help`.
 */
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { parseCommandLine, runMain, type CommandSpec } from './lib/cli';
import { PipelineError } from '../src/errors';

export const SPEC: CommandSpec = {
  name: 'npm run build:databricks --',
  summary:
    'Generates the Databricks source notebooks in databricks/ from the shared SQL (cleaning and the nine questions).',
  options: {
    check: {
      type: 'boolean',
      description: 'write nothing; fail when a file in databricks/ differs from the generated text',
    },
  },
  examples: ['npm run build:databricks', 'npm run build:databricks -- --check'],
};

export async function main(argv: string[]): Promise<string[] | undefined> {
  const values = parseCommandLine(SPEC, argv);
  if (!values) return undefined;
  // Loaded after parsing: --help answers without loading the generator.
  const { buildDatabricksNotebooks, DATABRICKS_DIR } =
    require('../src/orchestration/databricks-notebooks') as typeof import('../src/orchestration/databricks-notebooks');
  const notebooks = buildDatabricksNotebooks();
  const stale: string[] = [];
  await mkdir(DATABRICKS_DIR, { recursive: true });
  for (const [name, text] of Object.entries(notebooks)) {
    const file = path.join(DATABRICKS_DIR, name);
    if (values.check) {
      const current = await readFile(file, 'utf8').catch((error: NodeJS.ErrnoException) => {
        if (error.code === 'ENOENT') return undefined;
        throw error;
      });
      if (current !== text) stale.push(name);
      continue;
    }
    await writeFile(file, text);
    console.log(`wrote ${path.relative(process.cwd(), file) || file}`);
  }
  if (stale.length)
    throw new PipelineError(
      'DATABRICKS_STALE',
      `databricks/${stale.join(', databricks/')} differ from the generated text; run npx tsx scripts/build-databricks.ts`,
    );
  if (values.check) console.log('databricks/ is up to date');
  return Object.keys(notebooks);
}

if (require.main === module) runMain(main);
