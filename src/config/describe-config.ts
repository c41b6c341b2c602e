import { redactValue } from '../log';
import type { PipelineConfig } from './load-config';

export interface ConfigRow {
  setting: string;
  value: string;
}

/** The configuration in use as rows for a table, secrets redacted. */
export function describeConfig(config: PipelineConfig): ConfigRow[] {
  const rows: ConfigRow[] = [
    {
      setting: 'target',
      value: config.target === 'local' ? 'embedded local stack (127.0.0.1)' : `AWS via ${config.aws.invokeUrl}`,
    },
    { setting: 'user id', value: config.userId },
  ];
  const source = config.source;
  if (source.kind === 'embedded') {
    rows.push({
      setting: 'source',
      value: `embedded generator: ${source.rows.toLocaleString('en-US')} posts, seed ${source.seed}`,
    });
  } else {
    rows.push({
      setting: 'source',
      value: `MySQL ${source.user}@${source.host}:${source.port}/${source.database} (password ${source.password ? redactValue(source.password) : 'empty'}) from ${source.file}`,
    });
  }
  rows.push(
    { setting: 'topics', value: Object.values(config.names.topics).join(', ') },
    { setting: 'streams', value: Object.values(config.names.streams).join(', ') },
    { setting: 'bucket', value: config.names.bucket },
    { setting: 'region', value: config.aws.region },
  );
  if (config.databricks.host)
    rows.push({
      setting: 'databricks',
      value: `${config.databricks.host} (token ${config.databricks.token ? redactValue(config.databricks.token) : 'not set'})`,
    });
  return rows;
}
