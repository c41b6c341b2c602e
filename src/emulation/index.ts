/**
 * Step 2, emulated users posting: topic and stream setup, the batch path (Kafka through the REST
 * Proxy) and the streaming path (Kinesis), with retries, quarantine and a reconciling summary.
 */
export * from './command';
export * from './create-streams';
export * from './create-topics';
export * from './emulate-posts';
export * from './http-client';
export * from './kinesis-transport';
export * from './landed-records';
export * from './ledger';
export * from './pacing';
export * from './quarantine';
export * from './rest-proxy-transport';
export * from './select-positions';
export * from './semaphore';
export * from './serialise-row';
export * from './targets';
export * from './transport';
