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

interface Output { output_type: string; data?: Record<string, string | string[]> }
interface Cell { cell_type: string; source: string[]; execution_count?: number | null; outputs?: Output[] }

const DIR = projectPath('notebooks');
const notebooks = readdirSync(DIR).filter((f) => f.endsWith('.ipynb')).sort();
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
          if (isChart(output)) assert.ok((cell.outputs ?? []).slice(0, i).some((o) => o.data?.['image/png']), `${where}: a chart without a static image`);
        });
      }
    });
  }

  test('the HTML of each notebook, with JavaScript off, shows every table and every chart as an image', { timeout: 10 * 60_000 }, (t) => {
    const jupyter = findJupyter();
    const chromium = findChromium();
    const missing = !jupyter.ok ? jupyter.reason : !chromium ? 'headless Chromium not found (apt-get install chromium)' : undefined;
    if (missing) {
      if (process.env.CI === 'true') assert.fail(missing);
      return t.skip(missing);
    }
    const out = mkdtempSync(path.join(tmpdir(), 'pp-notebook-html-'));
    let charts = 0;
    for (const name of notebooks) {
      const converted = spawnSync('jupyter', ['nbconvert', '--to', 'html', '--output-dir', out, path.join(DIR, name)], { env: notebookEnv(), encoding: 'utf8' });
      assert.equal(converted.status, 0, converted.stderr);
      const converted_html = path.join(out, name.replace(/\.ipynb$/, '.html'));
      const html = converted_html.replace(/\.html$/, '.noscript.html');
      writeFileSync(html, readFileSync(converted_html, 'utf8').replace(/<script\b[^>]*>[\s\S]*?<\/script>/gi, ''));
      const dom = spawnSync(chromium as string, [...CHROMIUM_FLAGS, `--user-data-dir=${path.join(out, 'profile')}`, '--host-resolver-rules=MAP * ~NOTFOUND', '--dump-dom', `file://${html}`],
        { encoding: 'utf8', maxBuffer: 64 * 1024 * 1024, timeout: 120_000 });
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
  });
});
