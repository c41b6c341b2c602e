import assert from 'node:assert/strict';
import { mkdtemp, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import type { Answer } from '../../src/analysis/analyse';
import { answerSamplePosts } from '../../src/notebook/available-tables';
import { findQuestion, QUESTIONS } from '../../src/analysis/questions';
import { rowsToFrame } from '../../src/frames';
import { writeReport } from '../../src/report/write-report';
import { findChromium, renderPage } from './chromium';

/** A tiny topojson in plotly's layout (France and Chile as boxes), standing in for world_110m. */
function fakeWorldTopojson(): object {
  const empty = { type: 'GeometryCollection', geometries: [] };
  const box = (w: number, s: number, e: number, n: number) => [
    [w, s],
    [w, n],
    [e, n],
    [e, s],
    [w, s],
  ];
  return {
    type: 'Topology',
    arcs: [box(-5, 42, 8, 51), box(-75, -50, -67, -18)],
    objects: {
      countries: {
        type: 'GeometryCollection',
        geometries: [
          { type: 'Polygon', arcs: [[0]], id: 'FRA' },
          { type: 'Polygon', arcs: [[1]], id: 'CHL' },
        ],
      },
      land: {
        type: 'GeometryCollection',
        geometries: [
          { type: 'Polygon', arcs: [[0]] },
          { type: 'Polygon', arcs: [[1]] },
        ],
      },
      ocean: empty,
      coastlines: empty,
      lakes: empty,
      rivers: empty,
      subunits: empty,
    },
  };
}

const chromium = findChromium();
const noChromium = chromium ? undefined : 'headless Chromium not found (apt-get install chromium, or set CHROMIUM)';

describe('the report', () => {
  let dir: string;
  let answers: Answer[];
  let reportPath: string;

  before(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'pp-report-'));
    answers = await answerSamplePosts({ rows: 600, seed: 11 });
    ({ reportPath } = await writeReport({ answers, outDir: dir, worldTopojson: null, summary: [['posts', 600]] }));
  });
  after(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  test('is one self-contained file: plotly inline, nothing loaded from elsewhere', async () => {
    const html = await readFile(reportPath, 'utf8');
    assert.ok(html.length > 4_000_000, 'plotly.js is inline');
    assert.doesNotMatch(html, /<script[^>]+src=/i);
    assert.doesNotMatch(html, /<link[^>]+href=/i);
    for (const question of QUESTIONS) {
      assert.ok(html.includes(`id="chart-${question.id}"`), `a chart for ${question.id}`);
      assert.ok(html.includes(`<section id="${question.id}">`));
    }
    assert.ok(html.includes('PERCENTILE_DISC(0.5) WITHIN GROUP (ORDER BY follower_count)'), 'the SQL is shown');
  });

  test('writes every answer as CSV with the columns of §6', async () => {
    const files = (await readdir(path.join(dir, 'answers'))).sort();
    assert.deepEqual(files, QUESTIONS.map((q) => `${q.id}-${q.slug}.csv`).sort());
    const q5 = await readFile(path.join(dir, 'answers', 'q5-median-followers-by-age-group.csv'), 'utf8');
    assert.match(q5, /^age_group,median_follower_count\n18-24,\d+\n25-35,\d+\n36-50,\d+\n\+50,\d+\n$/);
  });

  describe('in headless Chromium, offline', () => {
    if (noChromium && process.env.CI === 'true') {
      test('Chromium is available under CI', () => assert.fail(noChromium));
      return;
    }

    test(
      'the harness sees console errors, uncaught errors and network requests (so an empty list means none)',
      { skip: noChromium, timeout: 120_000 },
      async () => {
        const file = path.join(dir, 'noisy.html');
        await writeFile(
          file,
          '<!doctype html><html><head></head><body><script>console.error("boom"); fetch("https://cdn.example.org/x.json").catch(function () {}); setTimeout(function () { throw new Error("late"); }, 10);</script></body></html>',
        );
        const page = await renderPage(chromium as string, file, 2_000);
        assert.deepEqual(page.consoleErrors, ['error: boom', 'uncaught: Uncaught Error: late']);
        assert.deepEqual(page.networkRequests, ['https://cdn.example.org/x.json']);
      },
    );

    test(
      'draws one chart per question with no console errors and no network',
      { skip: noChromium, timeout: 240_000 },
      async () => {
        const page = await renderPage(chromium as string, reportPath);
        assert.deepEqual(page.consoleErrors, []);
        assert.deepEqual(page.networkRequests, []);
        assert.doesNotMatch(page.log, /Uncaught/);
        assert.match(page.dom, /<body[^>]*data-charts-drawn="9"/);
        for (const question of QUESTIONS) {
          const start = page.dom.indexOf(`id="chart-${question.id}"`);
          const end = page.dom.indexOf('</section>', start);
          const chart = page.dom.slice(start, end);
          assert.match(chart, /class="main-svg"/, `${question.id} is drawn`);
          assert.doesNotMatch(chart, /chart-error/);
        }
      },
    );

    test(
      'with a world topojson inline, Q1 is a choropleth map drawn without fetching anything',
      { skip: noChromium, timeout: 240_000 },
      async () => {
        const q1 = findQuestion('q1');
        const rows = [
          { country: 'France', category: 'art', category_count: 3 },
          { country: 'Chile', category: 'travel', category_count: 2 },
        ];
        const mapDir = path.join(dir, 'map');
        const result = await writeReport({
          answers: [
            { question: q1, sql: 'SELECT 1', rows, frame: rowsToFrame(rows, q1.columns, { dtypes: q1.dtypes }) },
          ],
          outDir: mapDir,
          worldTopojson: fakeWorldTopojson(),
        });
        assert.equal(result.worldMap, true);
        assert.equal(result.figures.q1.data[0].type, 'choropleth');
        const page = await renderPage(chromium as string, result.reportPath);
        assert.deepEqual([page.consoleErrors, page.networkRequests], [[], []]);
        assert.match(page.dom, /data-charts-drawn="1"/);
        assert.equal(page.dom.match(/class="choroplethlocation"/g)?.length, 2, 'France and Chile are filled');
      },
    );
  });
});
