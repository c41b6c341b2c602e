/**
 * Cleaning the geolocation table (PIPELINE_SPEC.md §5): `coordinates` = [latitude, longitude]
 * replacing the two columns, `timestamp` in the one timestamp representation
 * ("YYYY-MM-DD HH:MM:SS", UTC; see clean-schema.ts), empty country → null, exact duplicates
 * dropped, columns `ind, country, coordinates, timestamp`.
 */
import { rowsToFrame, type Frame } from '../frames';
import { cleanColumns, cleanDtypes, type CleanGeoRow } from './clean-schema';
import { asText, emptyToNull, exactRowKey, normaliseTimestamp, numberOrText, toInteger, toNumber } from './clean-values';
import { cleanRowsWith, framesRows, type CleanResult } from './clean-result';
import type { RawGeoRow } from './raw-records';

export type GeoInput = Partial<Record<keyof RawGeoRow, unknown>>;

/** The cleaning rules applied to one row; null when the row has no usable id. */
export function cleanGeoRow(raw: GeoInput): CleanGeoRow | null {
  const ind = toInteger(numberOrText(raw.ind));
  if (ind === null) return null;
  const latitude = toNumber(numberOrText(raw.latitude));
  const longitude = toNumber(numberOrText(raw.longitude));
  return {
    ind,
    country: emptyToNull(asText(raw.country)),
    coordinates: latitude === null || longitude === null ? null : [latitude, longitude],
    timestamp: normaliseTimestamp(asText(raw.timestamp)),
  };
}

const exactGeo = exactRowKey<CleanGeoRow>(cleanColumns('geo'));

/** Cleans geo rows: every rule of `cleanGeoRow`, then exact duplicates dropped (the first kept). */
export function cleanGeoRows(rows: readonly GeoInput[]): CleanResult<CleanGeoRow> {
  return cleanRowsWith(rows, cleanGeoRow, exactGeo);
}

/** The cleaned geo table as a DataFrame, from raw rows or a raw DataFrame. */
export function cleanGeo(input: readonly GeoInput[] | Frame): Frame {
  return geoFrame(cleanGeoRows(framesRows(input)).rows);
}

/** A DataFrame of cleaned geo rows, columns in order, dtypes explicit. */
export function geoFrame(rows: readonly CleanGeoRow[]): Frame {
  return rowsToFrame(rows, cleanColumns('geo'), { dtypes: cleanDtypes('geo') });
}
