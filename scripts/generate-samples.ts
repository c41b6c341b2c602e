/**
 * `npm run generate`: writes the generator's three tables as files. With no options it refreshes
 * the committed samples in data-samples/ (the first 25 posts of seed 42, pretty JSON); with
 * `--rows N --out DIR --format jsonl` it writes full tables of any size. Same seed, same bytes.
 */
import path from 'node:path';
import { choiceOption, intOption, parseCommandLine, pathOption, runMain, type CommandSpec } from './lib/cli';
import { PROJECT_ROOT } from '../src/config';
import { createProgress } from '../src/progress';
import { SAMPLES, TABLE_FORMATS, writeTables, type TableFormat } from '../src/source/write-tables';

const spec: CommandSpec = {
  name: 'npm run generate --',
  summary: 'Writes pinterest_data, geolocation_data and user_data made by the seeded generator, one file per table.',
  options: {
    rows: { type: 'string', value: 'N', description: 'posts to write', default: String(SAMPLES.rows) },
    seed: { type: 'string', value: 'N', description: 'generator seed', default: String(SAMPLES.seed) },
    out: {
      type: 'string',
      value: 'DIR',
      description: 'folder to write into',
      default: path.relative(PROJECT_ROOT, SAMPLES.dir),
    },
    format: {
      type: 'string',
      value: 'FORMAT',
      description: `${TABLE_FORMATS.join(' or ')} (jsonl: one row per line)`,
      default: SAMPLES.format,
    },
  },
  examples: ['npm run generate', 'npm run generate -- --rows 1000000 --out output/tables --format jsonl'],
};

export async function main(argv: string[]): Promise<void> {
  const options = parseCommandLine(spec, argv);
  if (!options) return;
  const rows = intOption(options, 'rows', 0) ?? SAMPLES.rows;
  const seed = intOption(options, 'seed', 0) ?? SAMPLES.seed;
  const format = choiceOption<TableFormat>(options, 'format', TABLE_FORMATS) ?? SAMPLES.format;
  const outDir = pathOption(options, 'out', path.relative(PROJECT_ROOT, SAMPLES.dir));
  const progress = createProgress({ label: 'posts', total: rows });
  const started = Date.now();
  let files: string[];
  try {
    const result = await writeTables({ rows, seed, outDir, format, onProgress: (done) => progress.update(done) });
    files = Object.values(result.files);
  } finally {
    progress.stop();
  }
  const seconds = (Date.now() - started) / 1000;
  console.log(`wrote ${rows.toLocaleString('en-US')} posts (seed ${seed}) in ${seconds.toFixed(1)} s:`);
  for (const file of files) console.log(`  ${shownPath(file)}`);
}

/** Relative to the working folder when inside it, absolute otherwise. */
function shownPath(file: string): string {
  const relative = path.relative(process.cwd(), file);
  return relative.startsWith('..') || path.isAbsolute(relative) ? file : relative;
}

if (require.main === module) runMain(main);
