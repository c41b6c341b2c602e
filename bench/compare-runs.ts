/**
 * Checking one engine's run against the pandas reference: the same counts per table and the same
 * rows, in the same order, for each of the nine questions.
 */
import { isDeepStrictEqual } from 'node:util';
import { PipelineError } from '../src/errors';
import { TABLES } from '../src/contract/tables';
import type { EngineRun } from './run-engine';

const show = (value: unknown) => JSON.stringify(value) ?? 'nothing';

/** The first difference between two runs' counts or answers, or undefined when they agree. */
export function firstDifference(
  reference: Pick<EngineRun, 'counts' | 'answers'>,
  run: Pick<EngineRun, 'counts' | 'answers'>,
): string | undefined {
  for (const table of TABLES) {
    if (!isDeepStrictEqual(run.counts[table], reference.counts[table]))
      return `${table} counts ${show(run.counts[table])}, pandas ${show(reference.counts[table])}`;
  }
  const ids = [...new Set([...Object.keys(reference.answers), ...Object.keys(run.answers)])].sort();
  for (const id of ids) {
    const ours = run.answers[id];
    const theirs = reference.answers[id];
    if (!ours || !theirs) return `${id} is missing from ${ours ? 'pandas' : 'this run'}`;
    if (ours.length !== theirs.length) return `${id} has ${ours.length} rows, pandas ${theirs.length}`;
    const row = ours.findIndex((r, i) => !isDeepStrictEqual(r, theirs[i]));
    if (row !== -1) return `${id} row ${row + 1} is ${show(ours[row])}, pandas ${show(theirs[row])}`;
  }
  return undefined;
}

/** Throws `ANSWERS_DIFFER` naming the first difference. */
export function compareRuns(
  reference: Pick<EngineRun, 'counts' | 'answers'>,
  run: Pick<EngineRun, 'counts' | 'answers'>,
  label: string,
): void {
  const difference = firstDifference(reference, run);
  if (difference)
    throw new PipelineError('ANSWERS_DIFFER', `${label}: ${difference}; no timing counts until the engines agree`);
}

/** The median (the mean of the two middle values for an even count). */
export function median(values: readonly number[]): number {
  if (!values.length) return NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
}
