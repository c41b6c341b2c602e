/**
 * A plotly figure as a PNG, drawn by headless Chromium with plotly.js inline (no network): the
 * static image that an executed notebook keeps next to its interactive chart, so a reader on GitHub
 * (which drops scripts) sees every chart. Chromium is Debian's `chromium` (or `$CHROMIUM`); without
 * one there is no image, and the interactive chart alone is shown.
 */
import { spawn, spawnSync } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { Figure } from './figures';
import { drawChartsScript, geoAssetsScript, PLOT_CONFIG, plotlyLibrary } from './render-html';
import { loadWorldTopojson } from './world-map';

let found: string | null | undefined;

/** The headless Chromium binary: `$CHROMIUM`, else the first of the usual names on PATH; undefined when there is none. */
export function findChromium(): string | undefined {
  if (found !== undefined) return found ?? undefined;
  const candidates = [process.env.CHROMIUM, 'chromium', 'chromium-browser', 'google-chrome'].filter((c): c is string =>
    Boolean(c),
  );
  found =
    candidates.find(
      (candidate) => spawnSync(candidate, ['--version'], { encoding: 'utf8', timeout: 30_000 }).status === 0,
    ) ?? null;
  return found ?? undefined;
}

/** The flags every headless Chromium here runs with (its connections to the outside are refused on these machines). */
export const CHROMIUM_FLAGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--disable-extensions',
];

const WIDTH = 960;

/** Draws `figure` in headless Chromium and returns the PNG, or undefined when there is no Chromium. */
export async function renderFigurePng(figure: Figure, chromium = findChromium()): Promise<Buffer | undefined> {
  if (!chromium) return undefined;
  const dir = await mkdtemp(path.join(tmpdir(), 'pp-chart-png-'));
  try {
    const height = Number(figure.layout.height ?? 420);
    const world = figure.layout.geo ? loadWorldTopojson() : undefined;
    const page = path.join(dir, 'chart.html');
    const layout = { ...figure.layout, width: WIDTH, height };
    await writeFile(
      page,
      `<!doctype html><html><head><meta charset="utf-8"><style>body{margin:0;background:#fff}</style></head><body>
<div id="chart"></div>
<script>${plotlyLibrary()}</script>
${world ? `<script>${geoAssetsScript(world)}</script>` : ''}
<script>${drawChartsScript([{ id: 'chart', figure: { data: figure.data, layout } }], { ...PLOT_CONFIG, staticPlot: true, displayModeBar: false })}</script>
</body></html>`,
    );
    const shot = path.join(dir, 'chart.png');
    const args = [
      ...CHROMIUM_FLAGS,
      `--user-data-dir=${path.join(dir, 'profile')}`,
      '--host-resolver-rules=MAP * ~NOTFOUND',
      '--hide-scrollbars',
      `--window-size=${WIDTH},${height}`,
      '--virtual-time-budget=10000',
      `--screenshot=${shot}`,
      `file://${page}`,
    ];
    const code = await new Promise<number | null>((resolve, reject) => {
      const child = spawn(chromium, args, { stdio: 'ignore' });
      const timer = setTimeout(() => child.kill('SIGKILL'), 120_000);
      child.on('error', reject);
      child.on('close', (exitCode) => {
        clearTimeout(timer);
        resolve(exitCode);
      });
    });
    if (code !== 0) throw new Error(`chromium exited with ${code} while drawing a chart`);
    return await readFile(shot);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
