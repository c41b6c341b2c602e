/**
 * The batch step: read what the S3 sink wrote, clean the three tables, write them to output/clean/.
 */
export * from './raw-records';
export * from './quarantine';
export * from './read-sink';
export * from './clean-values';
export * from './clean-schema';
export * from './clean-result';
export * from './clean-pin';
export * from './clean-geo';
export * from './clean-user';
export * from './clean-tables';
export * from './write-tables';
export * from './sink-fixture';
export * from './run-batch';
export * from './open-sink-input';
export * from './sink-folder';
export * from './read-sink-duckdb';
