/**
 * The batch step: read what the S3 sink wrote into DuckDB, clean the three tables with the shared
 * SQL, write them to output/clean/.
 */
export * from './raw-records';
export * from './quarantine';
export * from './read-sink';
export * from './load-sink';
export * from './clean-schema';
export * from './write-tables';
export * from './sink-fixture';
export * from './run-batch';
export * from './open-sink-input';
export * from './sink-folder';
