/**
 * HTML for the report and the notebooks, written once: escaping, table cells with thousands
 * separators, and a DataFrame as a table.
 */
import type { Frame } from './frames';

/** Text made safe inside HTML elements and attribute values. */
export function escapeHtml(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}

/** Columns whose numbers are identifiers or years, shown without thousands separators. */
const PLAIN_NUMBER_COLUMN = /year|^ind$|^index$/;

/** A table cell: numbers with thousands separators (35,000,000), except ids and years; arrays as JSON; null as "null". */
export function formatCell(column: string, value: unknown): string {
  if (typeof value === 'number' && !PLAIN_NUMBER_COLUMN.test(column)) return value.toLocaleString('en-US');
  const text =
    value === null || value === undefined ? 'null' : typeof value === 'object' ? JSON.stringify(value) : String(value);
  return escapeHtml(text);
}

/** An HTML table of a DataFrame's first `limit` rows, for notebooks and the report. */
export function frameToHtml(frame: Frame, limit = 20): string {
  const columns = frame.columns as string[];
  const rows = (frame.values as unknown[][]).slice(0, limit);
  const head = `<tr>${columns.map((c) => `<th>${escapeHtml(c)}</th>`).join('')}</tr>`;
  const body = rows
    .map((row) => `<tr>${row.map((v, i) => `<td>${formatCell(columns[i], v)}</td>`).join('')}</tr>`)
    .join('');
  const more =
    frame.shape[0] > limit ? `<caption style="caption-side:bottom">${limit} of ${frame.shape[0]} rows</caption>` : '';
  return `<table>${more}<thead>${head}</thead><tbody>${body}</tbody></table>`;
}
