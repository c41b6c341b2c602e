/**
 * Cleaning the pin table (PIPELINE_SPEC.md §5), as the course's Databricks notebook does:
 * placeholders and empty strings → null, `follower_count` → whole number, `save_location` → the
 * path, `index` → `ind`, one row per `unique_id`, and the columns in the course's order.
 *
 * The per-row rules run in plain TypeScript and the DataFrame is built at the end with explicit
 * dtypes: danfojs has no drop-duplicates, cannot infer a column whose first value is null, and
 * would round large whole numbers if a column became a float32 tensor.
 */
import { rowsToFrame, type Frame } from '../frames';
import { PLACEHOLDERS } from '../source/generate';
import { cleanColumns, cleanDtypes, type CleanPinRow } from './clean-schema';
import { asText, emptyToNull, exactRowKey, parseFollowerCount, placeholderToNull, savePath, toInteger } from './clean-values';
import { cleanRowsWith, framesRows, type CleanResult } from './clean-result';
import type { RawPinRow } from './raw-records';

/** The placeholders that mean "no value", per pin column where they occur. */
export const PIN_PLACEHOLDERS = {
  title: [PLACEHOLDERS.noTitle, PLACEHOLDERS.untitled],
  description: [PLACEHOLDERS.storyDescription, PLACEHOLDERS.noDescription],
  poster_name: [PLACEHOLDERS.userInfoError],
  follower_count: [PLACEHOLDERS.userInfoError],
  tag_list: [PLACEHOLDERS.noTags],
  image_src: [PLACEHOLDERS.imageSrcError],
} as const;

/** A raw pin row as it may arrive: from the reader (`index`) or a DataFrame made by `rowsToFrame` (`ind`). */
export type PinInput = Partial<Record<keyof RawPinRow | 'ind', unknown>>;

/** The cleaning rules applied to one row; null when the row has no usable id. */
export function cleanPinRow(raw: PinInput): CleanPinRow | null {
  const ind = toInteger((raw.index ?? raw.ind) as number | string | null | undefined);
  if (ind === null) return null;
  const followerText = placeholderToNull(asText(raw.follower_count), PIN_PLACEHOLDERS.follower_count);
  return {
    ind,
    unique_id: emptyToNull(asText(raw.unique_id)),
    title: placeholderToNull(asText(raw.title), PIN_PLACEHOLDERS.title),
    description: placeholderToNull(asText(raw.description), PIN_PLACEHOLDERS.description),
    follower_count: parseFollowerCount(typeof raw.follower_count === 'number' ? raw.follower_count : followerText),
    poster_name: placeholderToNull(asText(raw.poster_name), PIN_PLACEHOLDERS.poster_name),
    tag_list: placeholderToNull(asText(raw.tag_list), PIN_PLACEHOLDERS.tag_list),
    is_image_or_video: emptyToNull(asText(raw.is_image_or_video)),
    image_src: placeholderToNull(asText(raw.image_src), PIN_PLACEHOLDERS.image_src),
    save_location: savePath(asText(raw.save_location)),
    category: emptyToNull(asText(raw.category)),
  };
}

const exactPin = exactRowKey<CleanPinRow>(cleanColumns('pin'));

/**
 * Cleans pin rows: every rule of `cleanPinRow`, then one row per `unique_id` (the first read is
 * kept); rows without a `unique_id` are only dropped when they are exact duplicates.
 */
export function cleanPinRows(rows: readonly PinInput[]): CleanResult<CleanPinRow> {
  return cleanRowsWith(rows, cleanPinRow, (row) => (row.unique_id === null ? `exact:${exactPin(row)}` : `id:${row.unique_id}`));
}

/** The cleaned pin table as a DataFrame, from raw rows or a raw DataFrame. */
export function cleanPin(input: readonly PinInput[] | Frame): Frame {
  return pinFrame(cleanPinRows(framesRows(input)).rows);
}

/** A DataFrame of cleaned pin rows, columns in order, dtypes explicit. */
export function pinFrame(rows: readonly CleanPinRow[]): Frame {
  return rowsToFrame(rows, cleanColumns('pin'), { dtypes: cleanDtypes('pin') });
}
