/**
 * The notebooks are committed executed, so a reader on GitHub sees every output: each code cell has
 * its outputs and execution count, each chart a static image, each notebook stays small; and the
 * HTML Jupyter makes of them, opened with JavaScript off (as GitHub shows them), shows every table
 * and every chart as an image. (JavaScript is taken out by removing every script element, as GitHub
 * does: Chromium's --dump-dom needs scripting on to print the page.)
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, test } from 'node:test';
import { CHROMIUM_FLAGS, findChromium } from '../../src/charts/render-png';
import { projectPath } from '../../src/config';
import { findJupyter, notebookEnv } from '../../src/notebook/run-notebook';
import { describeDatabricksNotebooks } from '../../src/orchestration/databricks-notebooks';

/** What a committed output must never hold: a folder of the machine that ran it. */
const MACHINE_PATH = /(?:^|[^\w.])\/(?:work|tmp|root|home)\//;

interface Output {
  output_type: string;
  text?: string | string[];
  data?: Record<string, string | string[]>;
}
interface Cell {
  cell_type: string;
  source: string[];
  execution_count?: number | null;
  outputs?: Output[];
}

const DIR = projectPath('notebooks');
const notebooks = readdirSync(DIR)
  .filter((f) => f.endsWith('.ipynb'))
  .sort();
const cellsOf = (name: string) => (JSON.parse(readFileSync(path.join(DIR, name), 'utf8')) as { cells: Cell[] }).cells;
const text = (value: string | string[] | undefined) => [value ?? ''].flat().join('');
const isChart = (o: Output) => /class="chart"/.test(text(o.data?.['text/html']));

describe('the committed notebooks carry their outputs', () => {
  for (const name of notebooks) {
    test(`${name}: every code cell executed with output, every chart with an image, under 2 MB`, () => {
      assert.ok(statSync(path.join(DIR, name)).size < 2 * 1024 * 1024, `${name} is under 2 MB`);
      for (const cell of cellsOf(name).filter((c) => c.cell_type === 'code')) {
        const where = `${name}: ${cell.source.join('').slice(0, 80)}`;
        assert.equal(typeof cell.execution_count, 'number', `${where} has an execution count (npm run notebooks)`);
        assert.ok((cell.outputs ?? []).length > 0, `${where} has output`);
        assert.ok(!(cell.outputs ?? []).some((o) => o.output_type === 'error'), `${where} ran without error`);
        (cell.outputs ?? []).forEach((output, i) => {
          if (isChart(output))
            assert.ok(
              (cell.outputs ?? []).slice(0, i).some((o) => o.data?.['image/png']),
              `${where}: a chart without a static image`,
            );
        });
      }
    });
  }

  test(
    'the HTML of each notebook, with JavaScript off, shows every table and every chart as an image',
    { timeout: 10 * 60_000 },
    (t) => {
      const jupyter = findJupyter();
      const chromium = findChromium();
      const missing = !jupyter.ok
        ? jupyter.reason
        : !chromium
          ? 'headless Chromium not found (apt-get install chromium)'
          : undefined;
      if (missing) {
        if (process.env.CI === 'true') assert.fail(missing);
        return t.skip(missing);
      }
      const out = mkdtempSync(path.join(tmpdir(), 'pp-notebook-html-'));
      let charts = 0;
      for (const name of notebooks) {
        const converted = spawnSync(
          'jupyter',
          ['nbconvert', '--to', 'html', '--output-dir', out, path.join(DIR, name)],
          { env: notebookEnv(), encoding: 'utf8' },
        );
        assert.equal(converted.status, 0, converted.stderr);
        const converted_html = path.join(out, name.replace(/\.ipynb$/, '.html'));
        const html = converted_html.replace(/\.html$/, '.noscript.html');
        writeFileSync(html, readFileSync(converted_html, 'utf8').replace(/<script\b[^>]*>[\s\S]*?<\/script>/gi, ''));
        const dom = spawnSync(
          chromium as string,
          [
            ...CHROMIUM_FLAGS,
            `--user-data-dir=${path.join(out, 'profile')}`,
            '--host-resolver-rules=MAP * ~NOTFOUND',
            '--dump-dom',
            `file://${html}`,
          ],
          { encoding: 'utf8', maxBuffer: 64 * 1024 * 1024, timeout: 120_000 },
        );
        assert.equal(dom.status, 0, dom.stderr);
        const outputs = cellsOf(name).flatMap((c) => c.outputs ?? []);
        const expectedCharts = outputs.filter(isChart).length;
        const expectedTables = outputs.filter((o) => /<table/.test(text(o.data?.['text/html']))).length;
        const images = (dom.stdout.match(/<img [^>]*src="data:image\/png;base64,/g) ?? []).length;
        assert.ok(images >= expectedCharts, `${name}: ${images} images shown for ${expectedCharts} charts`);
        assert.ok((dom.stdout.match(/<table/g) ?? []).length >= expectedTables, `${name}: every table shown`);
        charts += expectedCharts;
      }
      assert.ok(charts >= 9, `the notebooks draw the nine answers' charts (${charts})`);
    },
  );
});

/** The text an output shows (images aside): a stream's text, and each text-like representation. */
function outputText(output: Output): string {
  const data = Object.entries(output.data ?? {})
    .filter(([type]) => !type.startsWith('image/'))
    .map(([, value]) => text(value));
  return [text(output.text), ...data].join('\n');
}

/** The commands of the README's step table, per notebook file named in its row. */
function readmeCommandsByNotebook(): Map<string, string[]> {
  const readme = readFileSync(projectPath('README.md'), 'utf8');
  const table = readme.slice(readme.indexOf('<!-- steps:start -->'), readme.indexOf('<!-- steps:end -->'));
  const byNotebook = new Map<string, string[]>();
  for (const row of table.split('\n').filter((line) => /^\| \d+ \|/.test(line))) {
    const cells = row.split('|').map((cell) => cell.trim());
    const notebook = /notebooks\/([\w-]+\.ipynb)/.exec(cells[3] ?? '')?.[1];
    if (!notebook) continue;
    const commands = [...(cells[4] ?? '').matchAll(/`([^`]+)`/g)].map((m) => m[1] as string);
    byNotebook.set(notebook, [...(byNotebook.get(notebook) ?? []), ...commands]);
  }
  return byNotebook;
}

describe("the committed notebooks tell npm start's story, with no folder of the machine", () => {
  test('no output holds an absolute path of the machine that ran it (/work/, /tmp/, /root/, /home/)', () => {
    for (const name of notebooks) {
      cellsOf(name).forEach((cell, index) => {
        for (const output of cell.outputs ?? []) {
          const line = outputText(output)
            .split('\n')
            .find((l) => MACHINE_PATH.test(l));
          assert.equal(line, undefined, `${name}, cell ${index}: ${line?.slice(0, 200)}`);
        }
      });
    }
  });

  test('the notebooks ran against the local stack, not on their fallback samples', () => {
    for (const name of notebooks) {
      const shown = cellsOf(name)
        .flatMap((c) => c.outputs ?? [])
        .map(outputText)
        .join('\n');
      assert.doesNotMatch(
        shown,
        /generated posts instead/,
        `${name} ran on its fallback sample: run npm run notebooks, which starts the stack first`,
      );
    }
  });

  test('06 shows the Databricks notebooks as they are generated now (npm run notebooks after npm run build:databricks)', () => {
    const shown = cellsOf('06-orchestration.ipynb')
      .flatMap((c) => c.outputs ?? [])
      .map((o) => text(o.data?.['text/html']))
      .find((html) => html.includes('<th>first_code</th>'));
    assert.ok(shown, '06 has the table of the Databricks notebooks');
    for (const notebook of describeDatabricksNotebooks())
      assert.ok(
        shown.includes(`<td>${notebook.file}</td><td>${notebook.language}</td><td>${notebook.cells}</td>`),
        `${notebook.file}: ${notebook.cells} cells, as 06 should show`,
      );
  });

  test('the path-pattern catches what it must and nothing else', () => {
    for (const bad of ['data in /work/main/.local-stack', '(/tmp/pp-x/report.html)', 'log /root/x', '"/home/u/y"'])
      assert.match(bad, MACHINE_PATH);
    for (const good of [
      'data in .local-stack',
      'output/clean/pin.csv',
      's3://user-localuser-bucket/topics/localuser.pin/x',
      '$TMPDIR/pp-x',
    ])
      assert.doesNotMatch(good, MACHINE_PATH);
  });
});

describe("each notebook's first cell: what the step does, Run before, What you should see, the whole chain of links, the README's commands", () => {
  const commands = readmeCommandsByNotebook();
  test("the README's step table names notebooks 01 to 06", () => {
    assert.deepEqual(
      [...commands.keys()].sort(),
      notebooks.filter((n) => !n.startsWith('00-')),
    );
  });
  notebooks.forEach((name, i) => {
    test(name, () => {
      const first = cellsOf(name)[0];
      assert.equal(first?.cell_type, 'markdown', 'the first cell is markdown');
      const intro = first.source.join('');
      assert.match(intro, /^# Step \d+ — \S/m, 'a title naming the step');
      assert.match(intro, /\*\*Run before:\*\*/, 'says what must run before');
      assert.match(intro, /\*\*What you should see:\*\*/, 'says what you should see');
      const previous = notebooks[i - 1];
      const next = notebooks[i + 1];
      if (previous)
        assert.match(
          intro,
          new RegExp(`Previous: \\[[^\\]]+\\]\\(${previous.replace(/\./g, '\\.')}\\)`),
          `links back to ${previous}`,
        );
      else assert.doesNotMatch(intro, /Previous:/);
      if (next)
        assert.match(
          intro,
          new RegExp(`Next: \\[[^\\]]+\\]\\(${next.replace(/\./g, '\\.')}\\)`),
          `links on to ${next}`,
        );
      else assert.doesNotMatch(intro, /Next:/);
      for (const command of commands.get(name) ?? [])
        assert.ok(intro.includes(`\`${command}\``), `names \`${command}\` as the README's step table does`);
      assert.doesNotMatch(intro, /--count/, "the step scripts' defaults, as the README runs them");
    });
  });
});
