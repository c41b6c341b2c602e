import type { Post, RowByTable, TableKey } from '../contract/tables';
import { PipelineError } from '../errors';

/**
 * Where the emulated users' posts come from: MySQL (the course's database) or the embedded
 * generator. Positions are 0-based row positions, as in the course's `LIMIT random_row, 1`.
 */
export interface RowSource {
  /** One line for people, secrets redacted, e.g. "MySQL root@127.0.0.1:3306/pinterest_data". */
  readonly description: string;
  /** Posts available (rows of the pin table). */
  count(): Promise<number>;
  /** The posts at these positions, in the same order; a position past the end is skipped. */
  postsAt(positions: readonly number[]): Promise<Post[]>;
  /** A page of one table, in position order, for previews and sequential reads. */
  rows<K extends TableKey>(table: K, offset: number, limit: number): Promise<RowByTable[K][]>;
  close(): Promise<void>;
}

/** Positions, offsets and limits are whole numbers >= 0 in every source; throws otherwise. */
export function assertPosition(value: number): void {
  if (!Number.isSafeInteger(value) || value < 0) {
    throw new PipelineError(
      'INVALID_POSITION',
      `positions, offsets and limits must be whole numbers >= 0, got ${value}`,
    );
  }
}
