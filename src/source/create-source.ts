import type { PipelineConfig } from '../config';
import { EmbeddedRowSource } from './embedded-source';
import { createMysqlPool, MysqlRowSource, type MysqlPoolOptions } from './mysql-source';
import type { RowSource } from './row-source';

/**
 * The composition root of the source stage: the embedded generator, or MySQL through a pool made
 * here and ended by the source's `close()`. Nothing connects until the first read, which fails
 * with a one-line PipelineError when MySQL is unreachable.
 */
export function createRowSource(config: Pick<PipelineConfig, 'source'>, options: MysqlPoolOptions = {}): RowSource {
  const source = config.source;
  if (source.kind === 'embedded') return new EmbeddedRowSource(source);
  const pool = createMysqlPool(source, options);
  return new MysqlRowSource(pool, source.database, { endpoint: source, ownsPool: true });
}
