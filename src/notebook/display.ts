/** What a notebook shows: DataFrames as tables and markdown, in a tslab kernel or as text elsewhere. */
import { display } from 'tslab';
import type { Frame } from '../frames';
import { escapeHtml, frameToHtml } from '../html';

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
