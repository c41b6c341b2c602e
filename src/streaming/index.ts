/**
 * Step 5, streaming: consume the three Kinesis streams, clean each micro-batch with the shared
 * cleaning SQL, and merge the rows into `<user_id>_pin_table`, `_geo_table` and `_user_table`.
 */
export * from './decode-record';
export * from './quarantine';
export * from './stream-tables';
export * from './consume-streams';
export * from './stream-command';
