/**
 * The analysis report: `output/report.html`, one self-contained page that works offline (plotly.js
 * inline, no network at all), with each question, its SQL, its answer table and its chart; and
 * each answer as `output/answers/<id>-<slug>.csv`.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { writeAnswers } from './write-answers';
import { type Answer } from '../analysis/analyse';
import { questionName } from '../analysis/questions';
import { chartFor, type Figure } from '../charts/figures';
import { drawChartsScript, geoAssetsScript, plotlyLibrary } from '../charts/render-html';
import { loadWorldTopojson } from '../charts/world-map';
import { escapeHtml, frameToHtml } from '../html';

export interface WriteReportOptions {
  answers: readonly Answer[];
  /** Folder of `report.html` and `answers/` (e.g. `output/`). */
  outDir: string;
  title?: string;
  /** Lines shown under the title, e.g. what was read and cleaned: `[label, value]`. */
  summary?: [string, string | number][];
  /** Plotly's world topojson for the Q1 map; default: `loadWorldTopojson()` (undefined when not installed). */
  worldTopojson?: object | null;
  /** Answer rows shown per table (the CSV has them all; default 25). */
  tableRows?: number;
  /** Shown as the time the report was made (default: now). */
  generatedAt?: Date;
}

export interface WriteReportResult {
  reportPath: string;
  answerFiles: string[];
  /** Figures drawn, by question id. */
  figures: Record<string, Figure>;
  /** True when Q1 is a world map (the topojson was available). */
  worldMap: boolean;
}

const STYLE = `
body { font-family: system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; margin: 0 auto; max-width: 1100px; padding: 1.5rem; color: #222; }
h1 { margin-bottom: 0.2rem; }
section { border-top: 1px solid #ddd; margin-top: 2rem; padding-top: 1rem; }
pre { background: #f6f8fa; padding: 0.8rem; overflow-x: auto; font-size: 0.85rem; }
table { border-collapse: collapse; margin: 0.8rem 0; font-size: 0.9rem; }
th, td { border: 1px solid #ddd; padding: 0.25rem 0.6rem; text-align: left; }
th { background: #f0f0f0; }
caption { color: #666; font-size: 0.85rem; }
.chart { min-height: 320px; }
.chart-error { color: #b00020; }
.muted { color: #666; }
nav ol { columns: 2; }
`;

/** Writes `report.html` and the answer CSVs to `outDir`. */
export async function writeReport(options: WriteReportOptions): Promise<WriteReportResult> {
  const { answers, outDir } = options;
  const title = options.title ?? 'Pinterest pipeline: analysis';
  const world = options.worldTopojson === undefined ? loadWorldTopojson() : (options.worldTopojson ?? undefined);
  const answerFiles = await writeAnswers(answers, path.join(outDir, 'answers'));
  const figures: Record<string, Figure> = {};
  const charts = answers.map((answer) => {
    const figure = chartFor(answer, { worldMap: Boolean(world) });
    figures[answer.question.id] = figure;
    return { id: `chart-${answer.question.id}`, figure };
  });
  const generatedAt = (options.generatedAt ?? new Date()).toISOString().slice(0, 19).replace('T', ' ');
  const summary = options.summary?.length
    ? `<table class="summary"><tbody>${options.summary.map(([label, value]) => `<tr><th>${escapeHtml(label)}</th><td>${escapeHtml(String(value))}</td></tr>`).join('')}</tbody></table>`
    : '';
  const nav = `<nav><ol>${answers.map((a) => `<li><a href="#${a.question.id}">${escapeHtml(a.question.title)}</a></li>`).join('')}</ol></nav>`;
  const sections = answers.map((answer, i) => {
    const name = questionName(answer.question);
    const rows = answer.frame.shape[0];
    return `<section id="${answer.question.id}">
<h2>${escapeHtml(answer.question.id.toUpperCase())}. ${escapeHtml(answer.question.title)}</h2>
<p>${escapeHtml(answer.question.question)}</p>
<details><summary>SQL (<code>src/analysis/queries/${escapeHtml(name)}.sql</code>)</summary><pre><code>${escapeHtml(answer.sql.trim())}</code></pre></details>
<h3>Answer <span class="muted">(${rows} row${rows === 1 ? '' : 's'}; all in <a href="answers/${escapeHtml(name)}.csv">answers/${escapeHtml(name)}.csv</a>)</span></h3>
${rows === 0 ? '<p class="muted">No rows.</p>' : frameToHtml(answer.frame, options.tableRows ?? 25)}
<div id="${charts[i].id}" class="chart" role="img" aria-label="Chart: ${escapeHtml(answer.question.title)}"></div>
</section>`;
  });
  const html = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHtml(title)}</title>
<style>${STYLE}</style>
<script>${plotlyLibrary()}</script>
${world ? `<script>${geoAssetsScript(world)}</script>` : ''}
</head>
<body>
<h1>${escapeHtml(title)}</h1>
<p class="muted">Made ${escapeHtml(generatedAt)} UTC. Works offline: the charts are drawn by plotly.js, included in this file.
Medians are PERCENTILE_DISC(0.5): the lower middle value for an even count.</p>
${summary}
${nav}
${sections.join('\n')}
<script>
${drawChartsScript(charts)}
</script>
</body>
</html>
`;
  await mkdir(outDir, { recursive: true });
  const reportPath = path.join(outDir, 'report.html');
  await writeFile(reportPath, html);
  return { reportPath, answerFiles, figures, worldMap: Boolean(world) };
}
