import { parseCommandLine, runMain, type CommandSpec } from '../src/cli';
import { describeConfig, loadConfig } from '../src/config';
import { createRowSource } from '../src/source/create-source';
import { previewSource } from '../src/source/preview';

const spec: CommandSpec = {
  name: 'npm start --',
  summary: 'Runs the Pinterest pipeline on the embedded local stack (or on AWS when credentials/ says so).',
  options: {
    preview: { type: 'string', value: 'N', description: 'source rows to preview per table', default: '3' },
  },
};

export async function main(argv: string[]): Promise<void> {
  const options = parseCommandLine(spec, argv);
  if (!options) return;
  const config = loadConfig();
  for (const row of describeConfig(config)) console.log(`${row.setting.padEnd(10)} ${row.value}`);
  const source = createRowSource(config);
  try {
    const preview = await previewSource(source, Number(options.preview));
    for (const table of preview.tables) {
      console.log(`\n${table.name}`);
      table.frame.print();
    }
  } finally {
    await source.close();
  }
}

if (require.main === module) runMain(main);
