/**
 * Cleaning the user table (PIPELINE_SPEC.md §5): `user_name` = first_name + " " + last_name
 * replacing the two columns, `date_joined` in the one timestamp representation
 * ("YYYY-MM-DD HH:MM:SS", UTC; see clean-schema.ts), exact duplicates dropped, columns
 * `ind, user_name, age, date_joined`.
 */
import { rowsToFrame, type Frame } from '../frames';
import { cleanColumns, cleanDtypes, type CleanUserRow } from './clean-schema';
import { asText, emptyToNull, exactRowKey, normaliseTimestamp, numberOrText, toInteger } from './clean-values';
import { cleanRowsWith, framesRows, type CleanResult } from './clean-result';
import type { RawUserRow } from './raw-records';

export type UserInput = Partial<Record<keyof RawUserRow, unknown>>;

/**
 * "first last", each part without surrounding white space; only the part that exists when the
 * other is missing or empty; null when both are.
 */
export function userName(first: string | null, last: string | null): string | null {
  const parts = [emptyToNull(first)?.trim(), emptyToNull(last)?.trim()].filter((p): p is string => Boolean(p));
  return parts.length ? parts.join(' ') : null;
}

/** The cleaning rules applied to one row; null when the row has no usable id. */
export function cleanUserRow(raw: UserInput): CleanUserRow | null {
  const ind = toInteger(numberOrText(raw.ind));
  if (ind === null) return null;
  return {
    ind,
    user_name: userName(asText(raw.first_name), asText(raw.last_name)),
    age: toInteger(numberOrText(raw.age)),
    date_joined: normaliseTimestamp(asText(raw.date_joined)),
  };
}

const exactUser = exactRowKey<CleanUserRow>(cleanColumns('user'));

/** Cleans user rows: every rule of `cleanUserRow`, then exact duplicates dropped (the first kept). */
export function cleanUserRows(rows: readonly UserInput[]): CleanResult<CleanUserRow> {
  return cleanRowsWith(rows, cleanUserRow, exactUser);
}

/** The cleaned user table as a DataFrame, from raw rows or a raw DataFrame. */
export function cleanUser(input: readonly UserInput[] | Frame): Frame {
  return userFrame(cleanUserRows(framesRows(input)).rows);
}

/** A DataFrame of cleaned user rows, columns in order, dtypes explicit. */
export function userFrame(rows: readonly CleanUserRow[]): Frame {
  return rowsToFrame(rows, cleanColumns('user'), { dtypes: cleanDtypes('user') });
}
