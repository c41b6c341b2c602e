import type { EmbeddedSourceConfig } from '../config';
import type { Post, RowByTable, TableKey } from '../contract/tables';
import { assertGenerateOptions, generatePost } from './generate';
import { assertPosition, type RowSource } from './row-source';

/**
 * The course's three tables without a server: every read is computed by the seeded generator, so
 * post N is the same here, in a database seeded with the same seed, and in the data samples.
 */
export class EmbeddedRowSource implements RowSource {
  readonly description: string;
  private readonly rowCount: number;
  private readonly seed: number;

  constructor(options: Pick<EmbeddedSourceConfig, 'rows' | 'seed'>) {
    assertGenerateOptions(options);
    this.rowCount = options.rows;
    this.seed = options.seed;
    this.description = `embedded generator: ${options.rows.toLocaleString('en-US')} posts, seed ${options.seed}`;
  }

  async count(): Promise<number> {
    return this.rowCount;
  }

  async postsAt(positions: readonly number[]): Promise<Post[]> {
    positions.forEach(assertPosition);
    return positions
      .filter((position) => position < this.rowCount)
      .map((position) => generatePost(this.seed, position));
  }

  async rows<K extends TableKey>(table: K, offset: number, limit: number): Promise<RowByTable[K][]> {
    assertPosition(offset);
    assertPosition(limit);
    const out: RowByTable[K][] = [];
    for (let position = offset; position < Math.min(offset + limit, this.rowCount); position++) {
      out.push(generatePost(this.seed, position)[table]);
    }
    return out;
  }

  async close(): Promise<void> {
    // Nothing to release: the generator holds no resources.
  }
}
