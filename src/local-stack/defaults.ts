/**
 * The local stack's names and numbers, apart from the code that starts it: the scripts' `--help`
 * shows them without loading the stack.
 */

/** Which Kafka runs under the stack (here, not in topic-backend.ts: running-stack.ts reads it, and topic-store.ts reads running-stack.ts). */
export type KafkaKind = 'embedded' | 'apache';
export const KAFKA_KINDS: readonly KafkaKind[] = ['embedded', 'apache'];

/** Where the stack keeps its data when no folder is given. */
export const DEFAULT_DATA_DIR = '.local-stack';
export const DEFAULT_REGION = 'us-east-1';
/** The file in the data folder that tells other processes where a running stack listens. */
export const STACK_FILE = 'stack.json';
/** The lock a starting or running stack holds on its data folder (proper-lockfile: a folder, refreshed while alive, stale 10 s after a crash). */
export const STACK_LOCK = 'stack.lock';
/** The one command that starts the stack every step script talks to. */
export const START_STACK_COMMAND = 'npm run stack';

/**
 * Default ports: the gateway on 4566 (LocalStack's edge port), kinesalite's 4567 and s3rver's 4568
 * (each tool's own default), 8082, the Confluent REST Proxy's default, and 9092, Kafka's (with
 * `--kafka apache`). 0 picks a free port.
 */
export const DEFAULT_PORTS = { gateway: 4566, restProxy: 8082, s3: 4568, kinesis: 4567, kafka: 9092 } as const;

export type PortName = keyof typeof DEFAULT_PORTS;

/**
 * The S3 sink's `flush.size` of `npm run stack` and `npm start`: 500 records per object. The course's
 * connector used 1, which gives the same records one object each (33,459 objects for 11,153 posts:
 * minutes to write and to read); `--flush-size 1` on either command is exactly that.
 */
export const DEFAULT_FLUSH_SIZE = 500;

/** Every port picked by the system: for tests and notebooks that must not clash with anything. */
export const EPHEMERAL_PORTS: Record<PortName, number> = { gateway: 0, restProxy: 0, s3: 0, kinesis: 0, kafka: 0 };

/** The command-line flag that sets each port, named in "port in use" messages. */
export const PORT_FLAGS: Record<PortName, string> = {
  gateway: '--gateway-port',
  restProxy: '--rest-proxy-port',
  s3: '--s3-port',
  kinesis: '--kinesis-port',
  kafka: '--kafka-port',
};

/** The streaming step's DuckDB file in a stack's data folder: it goes with the streams it checkpoints, so `--fresh` removes it too. */
export const STREAM_DATABASE = 'streaming.duckdb';
