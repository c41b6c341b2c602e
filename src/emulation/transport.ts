import { hasErrorCode, PipelineError } from '../errors';
import { RECORDS_REJECTED } from '../http-client';

/** One record ready to send: the row serialised as JSON, and its partition key (the post's id). */
export interface OutgoingRecord {
  json: string;
  /** Kinesis partition key; the REST Proxy path sends no key (the course sent none). */
  key: string;
}

/** Where an acknowledged record landed. */
export interface RecordAck {
  ok: true;
  /** Kafka partition and offset (batch path). */
  partition?: number;
  offset?: number;
  /** Kinesis shard and sequence number (streaming path). */
  shardId?: string;
  sequenceNumber?: string;
}

/** A record the server refused inside an otherwise successful answer. */
export interface RecordFailure {
  ok: false;
  /** True when resending the same record may succeed (throttling, a broker hiccup). */
  retriable: boolean;
  reason: string;
}

export type RecordOutcome = RecordAck | RecordFailure;

/** Size limits a transport must respect; bytes as counted by `recordBytes`. */
export interface TransportLimits {
  /** Records per request. */
  maxRecords: number;
  /** Sum of `recordBytes` over one request. */
  maxRequestBytes: number;
  /** `recordBytes` of one record. */
  maxRecordBytes: number;
}

/**
 * Sends records to one destination (a topic or a stream) and reports an outcome per record, in
 * order. A failure of the whole request throws a `PipelineError`: retriable (network, timeout,
 * 429, 5xx, throttling), `RECORDS_REJECTED` (the body was refused: split it to find the record),
 * or anything else, which stops the run (unknown topic, no permission).
 */
export interface RecordTransport {
  readonly path: 'batch' | 'stream';
  /** For people: "REST Proxy via API Gateway http://127.0.0.1:4000/prod". */
  readonly description: string;
  readonly limits: TransportLimits;
  /** The bytes a record counts for against the limits. */
  recordBytes(record: OutgoingRecord): number;
  send(destination: string, records: readonly OutgoingRecord[], signal?: AbortSignal): Promise<RecordOutcome[]>;
  close(): Promise<void>;
}

/** The batch path: Kafka through the REST Proxy (directly or through API Gateway). */
export type BatchTransport = RecordTransport & { readonly path: 'batch' };
/** The streaming path: Kinesis through the SDK or API Gateway's Kinesis routes. */
export type StreamTransport = RecordTransport & { readonly path: 'stream' };

/** 1 MiB: Kafka's default `message.max.bytes` (roughly) and Kinesis' per-record limit. */
export const MIB = 1024 * 1024;

/** True when the server refused the request body, so splitting the batch can isolate the culprit. */
export function isRecordRejection(error: unknown): boolean {
  return hasErrorCode(error, RECORDS_REJECTED);
}

/** A reply that does not match the protocol (wrong number of outcomes, not JSON). */
export function protocolError(what: string, detail: string, cause?: unknown): PipelineError {
  return new PipelineError(
    'PROTOCOL',
    `${what}: unexpected answer (${detail}); is the URL pointing at the right service?`,
    { cause },
  );
}
