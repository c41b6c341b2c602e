import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, test } from 'node:test';
import { projectPath } from '../../src/config';
import { executeNotebook, findJupyter } from '../../src/notebook/run-notebook';

interface Cell { cell_type: string; source: string[]; outputs?: { output_type: string; ename?: string; data?: Record<string, unknown> }[] }

/** Every notebook in notebooks/ runs top to bottom in Jupyter with the tslab kernel. */
describe('notebooks execute headlessly', () => {
  const jupyter = findJupyter();
  const missing = jupyter.ok ? undefined : jupyter.reason;
  if (missing && process.env.CI === 'true') {
    test('Jupyter with the tslab kernel is available under CI', () => assert.fail(missing));
    return;
  }
  const outDir = mkdtempSync(path.join(tmpdir(), 'pp-notebooks-'));
  const notebooks = readdirSync(projectPath('notebooks')).filter((f) => f.endsWith('.ipynb')).sort();

  test('the getting-started notebook is among them', () => assert.ok(notebooks.includes('00-getting-started.ipynb')));

  for (const name of notebooks) {
    test(name, { skip: missing, timeout: 15 * 60_000 }, async () => {
      const output = path.join(outDir, name);
      await executeNotebook(projectPath('notebooks', name), { outputPath: output });
      const cells = (JSON.parse(readFileSync(output, 'utf8')) as { cells: Cell[] }).cells;
      assert.equal(cells[0]?.cell_type, 'markdown', 'the first cell says what the step does');
      const code = cells.filter((c) => c.cell_type === 'code');
      assert.ok(code.length > 0);
      for (const cell of code) {
        assert.ok(!cell.outputs?.some((o) => o.output_type === 'error'), `a cell failed in ${name}: ${cell.source.join('')}`);
      }
      assert.ok(code.some((c) => (c.outputs ?? []).length > 0), `${name} shows something`);
      const html = code.flatMap((c) => c.outputs ?? []).map((o) => [o.data?.['text/html'] ?? ''].flat().join('')).join('\n');
      if (name.startsWith('03-')) {
        // The danfojs profile of the raw rows, then each rule's before and after from the SQL's output.
        for (const title of ['the shapes of follower_count', 'its most frequent value', 'what precedes the path in save_location', 'repeated unique_id']) assert.ok(html.includes(title), `03 shows ${title}`);
        assert.match(html, /No Title Data Available/, 'the profile shows a placeholder');
        const rules = html.match(/rule: [^<]+\((\d+) rows changed\)/g) ?? [];
        assert.ok(rules.length >= 10, `03 shows ${rules.length} rules' before and after`);
        assert.ok(rules.filter((r) => !/\(0 rows changed\)/.test(r)).length >= 10, 'each rule changed rows of the sample');
      }
      if (name.startsWith('04-')) assert.ok((html.match(/<table/g) ?? []).length >= 9, '04 shows the nine answers as tables');
    });
  }
});
