import { z } from 'zod';
import { KAFKA_JSON_V2 } from '../contract/kafka-rest';
import { parseAnswer, statusError, type HttpClient } from '../http-client';
import {
  MIB,
  protocolError,
  type BatchTransport,
  type OutgoingRecord,
  type RecordOutcome,
  type TransportLimits,
} from './transport';

/** Bytes of the `{"value":` ... `}` wrapper and the comma around each record in the body. */
const RECORD_ENVELOPE_BYTES = 11;

export interface RestProxyTransportOptions {
  /** Client whose base URL is the invoke URL (`.../prod`) or the REST Proxy itself. */
  http: HttpClient;
  /** Shown in messages: 'gateway' or 'rest-proxy'. */
  via: 'gateway' | 'rest-proxy';
  limits?: Partial<TransportLimits>;
}

/** `{"records":[{"value":<row>},...]}`, built from rows already serialised. */
export function restProxyBody(records: readonly OutgoingRecord[]): string {
  return `{"records":[${records.map((record) => `{"value":${record.json}}`).join(',')}]}`;
}

/** The request line's path for a topic: `/topics/<topic>`. */
export function topicPath(topic: string): string {
  return `/topics/${encodeURIComponent(topic)}`;
}

/**
 * Per-record `error_code`s in a 200 answer, as Confluent's rest-utils KafkaExceptionMapper sets
 * them: 50002 is a Kafka error no retry fixes (a record over max.message.bytes), 50003 a
 * retriable one (no leader, a timeout). Older proxies use 1 (non-retriable) and 2 (retriable).
 * Other 5xxxx codes are worth retrying, 4xxxx are not.
 */
export function isRetriableRecordCode(code: number): boolean {
  if (code === 1 || code === 50_002) return false;
  if (code === 2 || code === 50_003) return true;
  return code >= 50_000 || code < 40_000;
}

/**
 * The batch path: `POST <base>/topics/<topic>` with `Content-Type: application/vnd.kafka.json.v2+json`
 * and `{"records":[{"value": <row>}, ...]}` (PIPELINE_SPEC.md §2). The 200 answer's `offsets`
 * are read one per record: an entry with an `error_code` is a failed record, retried alone.
 */
export function createRestProxyTransport(options: RestProxyTransportOptions): BatchTransport {
  const limits: TransportLimits = { maxRecords: 500, maxRequestBytes: 5 * MIB, maxRecordBytes: MIB, ...options.limits };
  const where =
    options.via === 'gateway'
      ? `REST Proxy via API Gateway ${options.http.baseUrl}`
      : `REST Proxy ${options.http.baseUrl}`;
  return {
    path: 'batch',
    description: where,
    limits,
    recordBytes: (record) => Buffer.byteLength(record.json) + RECORD_ENVELOPE_BYTES,
    async send(topic, records, signal) {
      const what = `POST ${topicPath(topic)}`;
      const response = await options.http.request('POST', topicPath(topic), {
        body: restProxyBody(records),
        headers: { 'Content-Type': KAFKA_JSON_V2 },
        signal,
      });
      if (response.status < 200 || response.status > 299) {
        throw statusError(response, `${where} ${what}`, `create the topics first (npm run create-topics)`);
      }
      return readOffsets(response.text, records.length, `${where} ${what}`);
    },
    close: async () => options.http.close(),
  };
}

/** One entry of a produce answer's `offsets`: where the record went, or its `error_code`. */
const OFFSET_ENTRY = z.object({
  partition: z.number().nullish(),
  offset: z.number().nullish(),
  error_code: z.number().nullish(),
  error: z.string().nullish(),
});

/** A produce answer, `{"offsets": [...]}`; the count is checked against the records sent. */
const PRODUCE_ANSWER = z.object({ offsets: z.array(OFFSET_ENTRY) });

function readOffsets(text: string, expected: number, what: string): RecordOutcome[] {
  const { offsets } = parseAnswer(text, PRODUCE_ANSWER, what);
  if (offsets.length !== expected) throw protocolError(what, `${offsets.length} offsets for ${expected} records`);
  return offsets.map((entry): RecordOutcome => {
    const code = entry?.error_code;
    if (code !== undefined && code !== null && code !== 0) {
      return {
        ok: false,
        retriable: isRetriableRecordCode(code),
        reason: `error_code ${code}: ${entry.error ?? 'no message'}`,
      };
    }
    return { ok: true, partition: entry.partition ?? undefined, offset: entry.offset ?? undefined };
  });
}
