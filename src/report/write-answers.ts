/**
 * The answer files: each answer as `output/answers/<id>-<slug>.csv`.
 *
 * CSV: a header line, "\n" line ends, null as an empty field, arrays as JSON text
 * (`"[51.5,-0.12]"`), and a field quoted when it holds a comma, a quote or a line break, as
 * DuckDB's COPY writes the cleaned tables.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { Answer } from '../analysis/analyse';
import { questionName } from '../analysis/questions';

/** One CSV field. */
export function csvField(value: unknown): string {
  if (value === null || value === undefined) return '';
  const text = typeof value === 'object' ? JSON.stringify(value) : String(value);
  return /[",\r\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

/** One CSV line (without its line end). */
export function csvLine(row: readonly unknown[]): string {
  return row.map(csvField).join(',');
}

/** A whole CSV document. */
export function toCsv(columns: readonly string[], rows: readonly (readonly unknown[])[]): string {
  const lines = [csvLine(columns)];
  for (const row of rows) lines.push(csvLine(row));
  return `${lines.join('\n')}\n`;
}

/** One answer as its CSV file holds it. */
export function answerCsv(answer: Answer): string {
  return toCsv(
    answer.question.columns,
    answer.rows.map((row) => answer.question.columns.map((c) => row[c])),
  );
}

/** Writes each answer to `<dir>/<id>-<slug>.csv` (e.g. `output/answers/q1-popular-category-by-country.csv`). */
export async function writeAnswers(answers: readonly Answer[], dir: string): Promise<string[]> {
  await mkdir(dir, { recursive: true });
  const files: string[] = [];
  for (const answer of answers) {
    const file = path.join(dir, `${questionName(answer.question)}.csv`);
    await writeFile(file, answerCsv(answer));
    files.push(file);
  }
  return files;
}
