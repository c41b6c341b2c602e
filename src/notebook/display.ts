import * as dfd from 'danfojs-node';
import { display } from 'tslab';

type Frame = InstanceType<typeof dfd.DataFrame>;

function escapeHtml(value: unknown): string {
  const text = value === null || value === undefined ? 'null' : typeof value === 'object' ? JSON.stringify(value) : String(value);
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

/** Columns whose numbers are identifiers or years, shown without thousands separators. */
const PLAIN_NUMBER_COLUMN = /year|^ind$|^index$/;

/** A table cell: numbers with thousands separators (35,000,000), except ids and years. */
export function formatCell(column: string, value: unknown): string {
  if (typeof value === 'number' && !PLAIN_NUMBER_COLUMN.test(column)) return value.toLocaleString('en-US');
  return escapeHtml(value);
}

/** An HTML table of a DataFrame's first `limit` rows, for notebooks and the report. */
export function frameToHtml(frame: Frame, limit = 20): string {
  const columns = frame.columns as string[];
  const rows = (frame.values as unknown[][]).slice(0, limit);
  const head = `<tr>${columns.map((c) => `<th>${escapeHtml(c)}</th>`).join('')}</tr>`;
  const body = rows.map((row) => `<tr>${row.map((v, i) => `<td>${formatCell(columns[i], v)}</td>`).join('')}</tr>`).join('');
  const more = frame.shape[0] > limit ? `<caption style="caption-side:bottom">${limit} of ${frame.shape[0]} rows</caption>` : '';
  return `<table>${more}<thead>${head}</thead><tbody>${body}</tbody></table>`;
}

/** True inside a tslab kernel (started as `tslab kernel --config-path ...`), where rich output can be displayed. */
export function inNotebook(): boolean {
  return process.argv.includes('kernel') && process.argv.some((arg) => /tslab/.test(arg));
}

/** Shows a DataFrame as an HTML table in a notebook, or as a text table elsewhere. */
export function showFrame(frame: Frame, options: { title?: string; limit?: number } = {}): void {
  if (inNotebook()) {
    display.html(`${options.title ? `<h4>${escapeHtml(options.title)}</h4>` : ''}${frameToHtml(frame, options.limit)}`);
  } else {
    if (options.title) console.log(options.title);
    frame.head(options.limit ?? 20).print();
  }
}

/** Shows markdown in a notebook, plain text elsewhere. */
export function showMarkdown(markdown: string): void {
  if (inNotebook()) display.markdown(markdown);
  else console.log(markdown);
}
