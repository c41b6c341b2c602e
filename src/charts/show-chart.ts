import { display } from 'tslab';
import { inNotebook } from '../notebook/display';
import type { Figure } from './figures';
import { chartHtml, geoAssetsScript, plotlyLibrary } from './render-html';
import { loadWorldTopojson } from './world-map';

/** Whether this kernel has already sent plotly.js, and the world topojson, to the notebook page. */
let librarySent = false;
let worldSent = false;
let chartsShown = 0;

/**
 * Shows a plotly figure in a tslab notebook as HTML: the first chart of a kernel also carries
 * plotly.js itself (inline, so the notebook needs no network), and the first map plotly's world
 * topojson; later ones only their figure. In a plain terminal it prints the chart's title instead.
 */
export function showChart(figure: Figure): void {
  const title = (figure.layout.title as { text?: string } | undefined)?.text ?? 'chart';
  if (!inNotebook()) {
    console.log(`[chart] ${title} (charts are drawn in notebooks and in output/report.html)`);
    return;
  }
  const library = librarySent ? '' : `<script>${plotlyLibrary()}</script>\n`;
  librarySent = true;
  const world = figure.layout.geo && !worldSent ? loadWorldTopojson() : undefined;
  const assets = world ? `<script>${geoAssetsScript(world)}</script>\n` : '';
  if (world) worldSent = true;
  chartsShown += 1;
  display.html(`${library}${assets}${chartHtml(`pp-chart-${process.pid}-${chartsShown}`, figure)}`);
}
