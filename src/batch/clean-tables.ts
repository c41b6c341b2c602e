import type { Frame } from '../frames';
import type { TableKey } from '../tables';
import { cleanGeoRows, geoFrame } from './clean-geo';
import { cleanPinRows, pinFrame } from './clean-pin';
import type { CleanCounts } from './clean-result';
import { cleanUserRows, userFrame } from './clean-user';
import type { RawTables } from './raw-records';

export interface CleanTablesResult {
  frames: Record<TableKey, Frame>;
  /** Per table: `input === invalid + duplicates + output`. */
  counts: Record<TableKey, CleanCounts>;
}

/** Cleans the three raw tables (PIPELINE_SPEC.md §5) into DataFrames in the course's column order. */
export function cleanTables(raw: RawTables): CleanTablesResult {
  const pin = cleanPinRows(raw.pin);
  const geo = cleanGeoRows(raw.geo);
  const user = cleanUserRows(raw.user);
  return {
    frames: { pin: pinFrame(pin.rows), geo: geoFrame(geo.rows), user: userFrame(user.rows) },
    counts: { pin: pin.counts, geo: geo.counts, user: user.counts },
  };
}
