/**
 * Plotly figures as HTML that draws with no network: the library inline, figures as JSON in
 * `<script>` elements, and (for maps) plotly's world topojson inline too.
 */
import { readFileSync } from 'node:fs';
import type { Figure } from './figures';
import { WORLD_TOPOJSON_NAME } from './world-map';

/** The text of `plotly.min.js` from node_modules (about 4.8 MB). */
export function plotlyLibrary(resolve: (id: string) => string = require.resolve): string {
  return readFileSync(resolve('plotly.js-dist-min/plotly.min.js'), 'utf8');
}

/** JSON that is safe inside a `<script>` element (no `</script>`, no `<!--`). */
export function scriptJson(value: unknown): string {
  return JSON.stringify(value)
    .replace(/</g, '\\u003c')
    .replace(/\u2028/g, '\\u2028')
    .replace(/\u2029/g, '\\u2029');
}

/** The plotly config of every chart: no plotly logo, no links to plotly's cloud. */
export const PLOT_CONFIG = { responsive: true, displaylogo: false, showLink: false, showSendToCloud: false } as const;

/**
 * JavaScript making plotly use the inline world topojson instead of fetching it
 * (`window.PlotlyGeoAssets.topojson.world_110m`, where plotly looks before fetching).
 */
export function geoAssetsScript(worldTopojson: object): string {
  return `window.PlotlyGeoAssets = window.PlotlyGeoAssets || { topojson: {} };\nwindow.PlotlyGeoAssets.topojson[${scriptJson(WORLD_TOPOJSON_NAME)}] = ${scriptJson(worldTopojson)};`;
}

/** A chart to draw: the id of its `<div>` and its figure. */
export interface PlacedChart {
  id: string;
  figure: Figure;
}

/**
 * JavaScript drawing `charts` into their divs. Each chart drawn adds one to the page's
 * `data-charts-drawn` attribute (on `<body>`); a chart that fails says why in its div (class
 * `chart-error`) and on the console.
 */
export function drawChartsScript(charts: readonly PlacedChart[], config: object = PLOT_CONFIG): string {
  const list = charts.map((c) => ({ id: c.id, data: c.figure.data, layout: c.figure.layout }));
  return `(function () {
  var charts = ${scriptJson(list)};
  var config = ${scriptJson(config)};
  charts.forEach(function (chart) {
    Plotly.newPlot(chart.id, chart.data, chart.layout, config).then(function () {
      var drawn = Number(document.body.getAttribute('data-charts-drawn') || 0) + 1;
      document.body.setAttribute('data-charts-drawn', String(drawn));
    }, function (error) {
      var div = document.getElementById(chart.id);
      div.textContent = 'This chart could not be drawn: ' + error;
      div.className += ' chart-error';
      console.error(error);
    });
  });
})();`;
}
