import { createHash } from 'node:crypto';
import { display } from 'tslab';
import { inNotebook } from './display';
import type { Figure } from '../charts/figures';
import { drawChartsScript, geoAssetsScript } from '../charts/render-html';
import { renderFigurePng } from '../charts/render-png';
import { loadWorldTopojson } from '../charts/world-map';

/** Where the notebook page loads plotly.js from, once: the version `plotly.js-dist-min` pins. */
export function plotlyScriptUrl(
  version: string = (require('plotly.js-dist-min/package.json') as { version: string }).version,
): string {
  return `https://cdn.jsdelivr.net/npm/plotly.js-dist-min@${version}/plotly.min.js`;
}

/** Whether this kernel has already sent the plotly.js loader, and the world topojson, to the page. */
let loaderSent = false;
let worldSent = false;
let chartsShown = 0;

/**
 * The interactive chart for a notebook page: a `<div>` and a script that draws it once plotly.js
 * is there. The first chart of a kernel loads plotly.js (once per notebook, not inlined: the saved
 * notebook stays small), the first map also brings plotly's world topojson; offline, or on GitHub,
 * which drops scripts, the static image shown above it stands alone.
 */
export function interactiveChartHtml(id: string, figure: Figure, options: { loader: boolean; world?: object }): string {
  const loader = options.loader ? `<script src="${plotlyScriptUrl()}"></script>\n` : '';
  const world = options.world ? `<script>${geoAssetsScript(options.world)}</script>\n` : '';
  return `${loader}${world}<div id="${id}" class="chart"></div>
<script>
(function whenPlotly(tries) {
  if (window.Plotly) {
${drawChartsScript([{ id, figure }])}
  } else if (tries > 0) {
    setTimeout(function () { whenPlotly(tries - 1); }, 100);
  }
})(100);
</script>`;
}

/**
 * Shows a plotly figure in a tslab notebook: a static PNG drawn by headless Chromium (what a
 * reader sees on GitHub), then the interactive chart. In a plain terminal it prints the chart's
 * title instead.
 */
export async function showChart(figure: Figure): Promise<void> {
  const title = (figure.layout.title as { text?: string } | undefined)?.text ?? 'chart';
  if (!inNotebook()) {
    console.log(`[chart] ${title} (charts are drawn in notebooks and in output/report.html)`);
    return;
  }
  const png = await renderFigurePng(figure);
  if (png) display.png(png);
  const world = figure.layout.geo && !worldSent ? loadWorldTopojson() : undefined;
  if (world) worldSent = true;
  chartsShown += 1;
  // An id the same on every run (a saved notebook does not change for nothing), unlikely to meet another notebook's on one page.
  const id = `pp-chart-${chartsShown}-${createHash('sha1').update(title).digest('hex').slice(0, 8)}`;
  display.html(interactiveChartHtml(id, figure, { loader: !loaderSent, world }));
  loaderSent = true;
}
