import { PutRecordsCommand, type KinesisClient, type PutRecordsResultEntry } from '@aws-sdk/client-kinesis';
import { hasErrorCode, PipelineError } from '../errors';
import { AwsError, classifyAwsErrorName } from '../clients';
import {
  awsErrorType,
  classifyStatus,
  errorDetail,
  HttpStatusError,
  parseAnswer,
  readAnswer,
  RECORDS_REJECTED,
  statusError,
  type HttpClient,
} from '../http-client';
import { z } from 'zod';
import {
  MIB,
  protocolError,
  type OutgoingRecord,
  type RecordOutcome,
  type StreamTransport,
  type TransportLimits,
} from './transport';

/** PIPELINE_SPEC.md §8: 500 records and 5 MiB per PutRecords, 1 MiB per record (data + key). */
export const KINESIS_LIMITS: TransportLimits = { maxRecords: 500, maxRequestBytes: 5 * MIB, maxRecordBytes: MIB };

/** The bytes a record counts for in Kinesis' limits: the data plus the partition key. */
export function kinesisRecordBytes(record: OutgoingRecord): number {
  return Buffer.byteLength(record.json) + Buffer.byteLength(record.key);
}

const HINT_MISSING_STREAM = 'create the streams first (npm run create-topics)';

export interface SdkStreamTransportOptions {
  /** Created once with `createKinesisClient`. */
  client: KinesisClient;
  limits?: Partial<TransportLimits>;
  /** Shown in messages, e.g. the endpoint. */
  label?: string;
}

/**
 * The streaming path through the SDK: `PutRecords` with the row's JSON as `Data` and the post's
 * id as `PartitionKey`. Entries with an `ErrorCode` (`FailedRecordCount` > 0) come back as failed
 * outcomes, so only they are resent.
 */
export function createSdkStreamTransport(options: SdkStreamTransportOptions): StreamTransport {
  const description = `Kinesis PutRecords (SDK${options.label ? ` ${options.label}` : ''})`;
  return {
    path: 'stream',
    description,
    limits: { ...KINESIS_LIMITS, ...options.limits },
    recordBytes: kinesisRecordBytes,
    async send(stream, records, signal) {
      const command = new PutRecordsCommand({
        StreamName: stream,
        Records: records.map((record) => ({ Data: Buffer.from(record.json, 'utf8'), PartitionKey: record.key })),
      });
      let output;
      try {
        output = await options.client.send(command, signal ? { abortSignal: signal } : {});
      } catch (error) {
        throw sdkError(error, `${description} ${stream}`);
      }
      return readPutRecordsEntries(output.Records, records.length, `${description} ${stream}`);
    },
    close: async () => {},
  };
}

/**
 * Puts an SDK failure (classified by the client's middleware, `classifyAwsError`) in the
 * transport's words: which call on which stream, a refused request body as RECORDS_REJECTED (so
 * the batch is split to find the record), a missing stream with what to do. `retriable` is kept.
 */
export function sdkError(error: unknown, what: string): unknown {
  if (!(error instanceof PipelineError)) return error;
  const name = error instanceof AwsError ? error.awsName : error.code;
  const hint = error.code === 'STREAM_NOT_FOUND' ? `; ${HINT_MISSING_STREAM}` : '';
  const message = `${what}: ${name}: ${error.message.split('\n')[0]}${hint}`;
  if (error.code === 'AWS_REQUEST_INVALID') return new PipelineError(RECORDS_REJECTED, message, { cause: error });
  return new PipelineError('KINESIS_CALL_FAILED', `${name}: ${message}`, { retriable: error.retriable, cause: error });
}

/** One outcome per PutRecords entry: `SequenceNumber` acknowledges, `ErrorCode` fails. */
export function readPutRecordsEntries(
  entries: readonly PutRecordsResultEntry[] | undefined,
  expected: number,
  what: string,
): RecordOutcome[] {
  if (!Array.isArray(entries) || entries.length !== expected) {
    throw protocolError(
      what,
      `${Array.isArray(entries) ? entries.length : 'no'} result entries for ${expected} records`,
    );
  }
  return entries.map((entry): RecordOutcome => {
    if (entry.ErrorCode) {
      return {
        ok: false,
        retriable: classifyAwsErrorName(entry.ErrorCode).retriable,
        reason: `${entry.ErrorCode}: ${entry.ErrorMessage ?? 'no message'}`,
      };
    }
    if (!entry.SequenceNumber)
      return { ok: false, retriable: true, reason: 'entry has neither SequenceNumber nor ErrorCode' };
    return { ok: true, shardId: entry.ShardId, sequenceNumber: entry.SequenceNumber };
  });
}

export interface GatewayStreamTransportOptions {
  /** Client whose base URL is the invoke URL including the stage. */
  http: HttpClient;
  /**
   * `records` (default): `PUT /streams/<s>/records` with up to 500 records per request;
   * `record`: one `PUT /streams/<s>/record` per record, as the course's script did.
   */
  route?: 'records' | 'record';
  limits?: Partial<TransportLimits>;
}

/** `/streams/<stream>/records` or `/streams/<stream>/record`. */
export function streamPath(stream: string, route: 'records' | 'record'): string {
  return `/streams/${encodeURIComponent(stream)}/${route}`;
}

/** `{"records":[{"data":<row>,"partition-key":"<id>"},...]}`: the gateway base64-encodes each `data`. */
export function gatewayRecordsBody(records: readonly OutgoingRecord[]): string {
  return `{"records":[${records.map((record) => `{"data":${record.json},"partition-key":${JSON.stringify(record.key)}}`).join(',')}]}`;
}

/** `{"StreamName":"<s>","Data":<row>,"PartitionKey":"<id>"}` for the single-record route. */
export function gatewayRecordBody(stream: string, record: OutgoingRecord): string {
  return `{"StreamName":${JSON.stringify(stream)},"Data":${record.json},"PartitionKey":${JSON.stringify(record.key)}}`;
}

/**
 * The streaming path through API Gateway's Kinesis proxy (when only an invoke URL is configured):
 * `PUT <invoke_url>/streams/<stream>/records` (or `/record`) with `Content-Type: application/json`.
 * The answer is Kinesis' own PutRecords (PutRecord) result; an error may come back as a non-2xx
 * status or, with a pass-through integration, as a 200 whose body has a `__type`.
 */
export function createGatewayStreamTransport(options: GatewayStreamTransportOptions): StreamTransport {
  const route = options.route ?? 'records';
  const description = `Kinesis via API Gateway ${options.http.baseUrl} (${route})`;
  const put = async (stream: string, body: string, signal: AbortSignal | undefined) => {
    const path = streamPath(stream, route);
    const what = `${description} PUT ${path}`;
    const response = await options.http.request('PUT', path, {
      body,
      headers: { 'Content-Type': 'application/json' },
      signal,
    });
    const awsError = awsErrorType(readAnswer(response.text, z.unknown()));
    if (awsError) throw gatewayKinesisError(awsError, response.status, `${what}: ${errorDetail(response.text)}`);
    if (response.status < 200 || response.status > 299) throw statusError(response, what, HINT_MISSING_STREAM);
    return { text: response.text, what };
  };
  return {
    path: 'stream',
    description,
    limits: { ...KINESIS_LIMITS, ...(route === 'record' ? { maxRecords: 50 } : {}), ...options.limits },
    recordBytes: kinesisRecordBytes,
    async send(stream, records, signal) {
      if (route === 'records') {
        const { text, what } = await put(stream, gatewayRecordsBody(records), signal);
        return readPutRecordsEntries(parseAnswer(text, PUT_RECORDS_ANSWER, what).Records, records.length, what);
      }
      const settled = await Promise.allSettled(
        records.map(async (record) => {
          const { text, what } = await put(stream, gatewayRecordBody(stream, record), signal);
          return parseAnswer(text, PUT_RECORD_ANSWER, what);
        }),
      );
      const fatal = settled.find((s) => s.status === 'rejected' && !isPerRecordError(s.reason));
      if (fatal?.status === 'rejected') throw fatal.reason;
      return settled.map((s): RecordOutcome => {
        if (s.status === 'rejected') {
          const error = s.reason as PipelineError;
          return { ok: false, retriable: error.retriable, reason: error.message };
        }
        const entry = s.value;
        return entry.SequenceNumber
          ? { ok: true, sequenceNumber: entry.SequenceNumber, shardId: entry.ShardId }
          : { ok: false, retriable: true, reason: 'answer has no SequenceNumber' };
      });
    },
    close: async () => options.http.close(),
  };
}

/** On the one-request-per-record route, retriable and rejecting errors concern that record only. */
function isPerRecordError(error: unknown): boolean {
  return hasErrorCode(error, RECORDS_REJECTED) || (error instanceof PipelineError && error.retriable);
}

/** Kinesis' PutRecord answer: the record's sequence number and shard. */
const PUT_RECORD_ANSWER = z.looseObject({ SequenceNumber: z.string().optional(), ShardId: z.string().optional() });

/** Kinesis' PutRecords answer: one entry per record, a sequence number or an error code. */
const PUT_RECORDS_ANSWER = z.looseObject({
  Records: z
    .array(
      z.looseObject({
        SequenceNumber: z.string().optional(),
        ShardId: z.string().optional(),
        ErrorCode: z.string().optional(),
        ErrorMessage: z.string().optional(),
      }),
    )
    .optional(),
});

/** A Kinesis error passed on by the gateway: retriable when the status or the name says so, rejecting the records when the request body was refused. */
function gatewayKinesisError(name: string, status: number, message: string): PipelineError {
  const { code, retriable } = classifyAwsErrorName(name);
  const kind =
    classifyStatus(status) === 'retriable' || retriable
      ? 'retriable'
      : code === 'AWS_REQUEST_INVALID'
        ? 'rejected'
        : 'fatal';
  const hint = code === 'STREAM_NOT_FOUND' ? `; ${HINT_MISSING_STREAM}` : '';
  return new HttpStatusError(status, kind, `${message}${hint}`);
}
