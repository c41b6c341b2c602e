import type { Answer } from '../analysis/analyse';
import { questionName } from '../analysis/questions';
import { chartFor } from '../charts/figures';
import { showChart } from '../charts/show-chart';
import { showFrame, showMarkdown } from '../notebook/display';

/**
 * Shows one answer in a notebook: the question and its SQL, the answer table and its chart. Q1 is
 * a bar chart here (a map would need plotly's world topojson sent to the page as well).
 */
export function showAnswer(answers: readonly Answer[], id: string, options: { rows?: number } = {}): void {
  const answer = answers.find((a) => a.question.id === id);
  if (!answer) throw new Error(`no answer for ${id}; answered: ${answers.map((a) => a.question.id).join(', ')}`);
  showMarkdown(`**${answer.question.question}**\n\n\`src/analysis/queries/${questionName(answer.question)}.sql\`:\n\n\`\`\`sql\n${answer.sql.trim()}\n\`\`\``);
  showFrame(answer.frame, { title: `${answer.question.title}: ${answer.frame.shape[0]} row(s)`, limit: options.rows ?? 15 });
  showChart(chartFor(answer, { worldMap: false }));
}
