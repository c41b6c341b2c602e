/**
 * `npm run doctor`: checks each hop of the configured target in order (invoke URL, REST proxy
 * topics, S3 sink, Kinesis streams, database, Databricks) and says what it saw, or what failed and
 * what to do.
 */
export * from './doctor-target';
export * from './hops';
export * from './run-doctor';
