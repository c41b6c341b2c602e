/**
 * The embedded local stack: stand-ins for the course's API Gateway, Kafka REST Proxy + MSK, the
 * MSK Connect S3 sink, S3 and Kinesis, all on 127.0.0.1. Start it with `startLocalStack` (or
 * `npm run stack`); notebooks and scripts find a running one with `readRunningStack`.
 */
export * from './start-local-stack';
export * from './sample-roundtrip';
export * from './gateway';
export * from './s3-server';
export * from './kinesis-server';
export * from './topic-store';
export * from './rest-proxy';
export * from './s3-sink';
