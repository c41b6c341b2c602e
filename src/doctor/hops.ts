import { randomBytes } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import {
  DeleteStreamCommand,
  DescribeStreamSummaryCommand,
  PutRecordCommand,
  type KinesisClient,
} from '@aws-sdk/client-kinesis';
import { GetObjectCommand } from '@aws-sdk/client-s3';
import mysql from 'mysql2/promise';
import { AwsError, classifyAwsErrorName } from '../clients';
import { describeError, hasErrorCode, isUnreachableCode, type ErrorCode } from '../errors';
import { awsErrorType, isNoAnswer, networkCode, readAnswer, type HttpClient, type HttpResponse } from '../http-client';
import { z } from 'zod';
import { TABLES, type GeoRow, type PinRow, type UserRow } from '../contract/tables';
import { KAFKA_JSON_V2 } from '../contract/kafka-rest';
import { findObjectHoldingOffset, partitionPrefix } from '../contract/sink-object';
import {
  createSdkStreamAdmin,
  createGatewayStreamAdmin,
  createStreams,
  waitForStatus,
} from '../emulation/create-streams';
import { createTopics } from '../emulation/create-topics';
import type { DoctorTarget } from './doctor-target';

/**
 * The hops the doctor checks, in order. Each check returns what it saw, or what failed and the
 * one thing to do about it, naming the AWS resource to look at.
 */

export type HopName = 'invoke URL' | 'REST proxy topics' | 'S3 sink' | 'Kinesis streams' | 'database' | 'Databricks';

export type HopResult =
  | { hop: HopName; status: 'ok'; seen: string }
  | { hop: HopName; status: 'failed'; failed: string; fix: string }
  | { hop: HopName; status: 'skipped'; reason: string };

export interface HopContext {
  target: DoctorTarget;
  /** Client of the invoke URL (its base URL), made once per run. */
  gateway: HttpClient;
  /** Client of the Databricks workspace, bearer token included; unset without a host and token. */
  databricks?: HttpClient;
  /** How long the marked record may take to reach S3. */
  sinkTimeoutMs: number;
  /** Between two looks at the bucket. */
  pollMs: number;
  /** The marker in every record the doctor sends: `doctor-<random>`. */
  marker: string;
  /** Results so far, for hops that need an earlier one. */
  earlier: HopResult[];
  /** A line for a wait of more than a few seconds (the doctor prints it). */
  progress?: (line: string) => void;
  /** Hop 1's answer to GET /topics, which hop 2 reads. */
  topicsAnswer?: Answer;
}

/** `doctor-<12 hex digits>`: the unique marker of one run. */
export function newMarker(): string {
  return `doctor-${randomBytes(6).toString('hex')}`;
}

/**
 * The doctor's test rows, in the tables' raw shapes. They go to the doctor's own topic and stream
 * (doctorNames), which no reader of the learner's tables reads; their id is -1, which no source
 * row has, so even a reader pointed at them by hand would quarantine them ("expected an id")
 * instead of cleaning them into a table, and the marker makes them easy to find.
 */
export function doctorRows(marker: string): { pin: PinRow; geo: GeoRow; user: UserRow } {
  return {
    pin: {
      index: -1,
      unique_id: marker,
      title: 'pinterest-pipeline doctor test record',
      description: `sent by npm run doctor (${marker})`,
      poster_name: 'npm run doctor',
      follower_count: '0',
      tag_list: 'doctor',
      is_image_or_video: 'image',
      image_src: 'https://example.com/doctor.png',
      downloaded: 0,
      save_location: 'Local save in /data/doctor',
      category: 'doctor',
    },
    geo: { ind: -1, timestamp: '2024-01-01 00:00:00', latitude: 0, longitude: 0, country: marker },
    user: { ind: -1, first_name: 'npm run', last_name: marker, age: 0, date_joined: '2024-01-01 00:00:00' },
  };
}

export interface Answer {
  status: number;
  text: string;
  json: unknown;
}

type Sent = { ok: true; answer: Answer } | { ok: false; code: string };

/** The parts of the answers the doctor reads; a body not of its schema reads as nothing. */
const MESSAGE_ANSWER = z.looseObject({ message: z.unknown().optional() });
const TOPICS_ANSWER = z.array(z.string());
const REST_ERROR_ANSWER = z.looseObject({ error_code: z.unknown().optional() });
const PRODUCE_ANSWER = z.looseObject({
  offsets: z
    .array(
      z.looseObject({
        partition: z.unknown().optional(),
        offset: z.unknown().optional(),
        error: z.unknown().optional(),
        error_code: z.unknown().optional(),
      }),
    )
    .optional(),
});
const DESCRIBE_STREAM_ANSWER = z.looseObject({
  StreamDescription: z.looseObject({ StreamStatus: z.string().optional() }).optional(),
});
const PUT_RECORD_ANSWER = z.looseObject({ SequenceNumber: z.unknown().optional() });
const CLUSTER_ANSWER = z.looseObject({ state: z.unknown().optional() });

/** One HTTP request; no answer at all comes back as its code (`ECONNREFUSED`, `HTTP_TIMEOUT`), anything else is rethrown. */
async function send(
  http: HttpClient,
  method: string,
  path: string,
  body?: unknown,
  contentType = 'application/json',
): Promise<Sent> {
  let response: HttpResponse;
  try {
    response = await http.request(
      method,
      path,
      body === undefined ? {} : { body: JSON.stringify(body), headers: { 'Content-Type': contentType } },
    );
  } catch (error) {
    if (isNoAnswer(error)) return { ok: false, code: networkCode(error) };
    throw error;
  }
  const { text } = response;
  return { ok: true, answer: { status: response.status, text, json: readAnswer(text, z.unknown()) } };
}

function short(text: string, max = 120): string {
  const one = text.replace(/\s+/g, ' ').trim();
  return one.length > max ? `${one.slice(0, max)}…` : one || '(empty body)';
}

/** API Gateway's answer for a route or stage it does not have. */
function gatewayRefusal(answer: Answer): string | undefined {
  const message = readAnswer(answer.text, MESSAGE_ANSWER)?.message;
  if (answer.status === 403 && (message === 'Missing Authentication Token' || message === 'Forbidden')) return message;
  return undefined;
}

function failed(hop: HopName, what: string, fix: string): HopResult {
  return { hop, status: 'failed', failed: what, fix };
}

/** Hop 1: the invoke URL answers, through a route API Gateway has (not its 403 for a missing one). */
export async function checkInvokeUrl(context: HopContext): Promise<HopResult> {
  const { target } = context;
  const hop: HopName = 'invoke URL';
  const url = `${target.invokeUrl}/topics`;
  const sent = await send(context.gateway, 'GET', '/topics');
  if (!sent.ok) {
    return failed(
      hop,
      `no answer from ${target.invokeUrl} (${sent.code})`,
      target.kind === 'aws'
        ? 'set invoke_url in credentials/aws.yaml to the Invoke URL of the deployed stage (API Gateway → your API → Stages → prod), e.g. https://<api-id>.execute-api.<region>.amazonaws.com/prod'
        : 'the local stack is not running at this address: start it with npm run stack, or run npm run doctor -- --local, which starts one',
    );
  }
  const refusal = gatewayRefusal(sent.answer);
  if (refusal) {
    return failed(
      hop,
      `GET ${url} answered 403 ${refusal}: this stage has no ANY /{proxy+} route`,
      'the API Gateway stage is not deployed with the {proxy+} resource: import api-gateway/openapi.yaml of npm run aws:kit (or add ANY /{proxy+}), then Actions → Deploy API to the stage named in invoke_url',
    );
  }
  context.topicsAnswer = sent.answer;
  return { hop, status: 'ok', seen: `${target.invokeUrl} answered GET /topics with ${sent.answer.status}` };
}

/** Hop 2: the REST proxy behind the invoke URL lists the three topics. */
export async function checkTopics(context: HopContext): Promise<HopResult> {
  const { target } = context;
  const hop: HopName = 'REST proxy topics';
  const answer = context.topicsAnswer;
  if (!answer) return { hop, status: 'skipped', reason: 'not checked: the invoke URL hop failed' };
  const restProxyFix =
    target.kind === 'aws'
      ? "the REST proxy on the EC2 client is not running: start it with `./kafka-rest-start /home/ec2-user/confluent-7.2.0/etc/kafka-rest/kafka-rest.properties`, and check that the {proxy+} integration points at http://<EC2 public DNS>:8082/{proxy} and port 8082 is open in the instance's security group"
      : "the local stack's REST proxy is not answering: restart it with npm run stack";
  if (answer.status >= 500)
    return failed(hop, `GET /topics through the gateway answered ${answer.status} ${short(answer.text)}`, restProxyFix);
  const topics = readAnswer(answer.text, TOPICS_ANSWER);
  if (answer.status !== 200 || !topics) {
    return failed(
      hop,
      `GET /topics answered ${answer.status} ${short(answer.text)}, not the REST proxy's list of topics`,
      target.kind === 'aws'
        ? 'the {proxy+} integration does not point at the REST proxy: its endpoint URL must be http://<EC2 public DNS>:8082/{proxy}'
        : restProxyFix,
    );
  }
  const listed = new Set(topics);
  const wanted = TABLES.map((table) => target.topics[table]);
  const missing = wanted.filter((topic) => !listed.has(topic));
  if (missing.length) {
    return failed(
      hop,
      `the REST proxy lists ${listed.size} topic${listed.size === 1 ? '' : 's'} but not ${missing.join(', ')}`,
      target.kind === 'aws'
        ? `create ${missing.length === 1 ? 'it' : 'them'}: npm run create-topics, or on the EC2 client ./kafka-topics.sh --bootstrap-server <BootstrapServerString> --command-config client.properties --create --topic ${missing[0]}`
        : 'create them: npm run create-topics (the stack provisions them unless started without)',
    );
  }
  return { hop, status: 'ok', seen: `the REST proxy lists ${wanted.join(', ')}` };
}

/** Objects of the sink hold at most this many records for the doctor to find its own (flush.size up to 1,000). */
const LOOK_BACK_RECORDS = 1_000;

type Found = { found: true; key: string } | { found: false } | { error: HopResult };

/** Looks once for the object holding `offset` of `topic`/`partition` and the marker in it. */
async function findInSink(context: HopContext, topic: string, partition: number, offset: number): Promise<Found> {
  const { target } = context;
  const hop: HopName = 'S3 sink';
  const prefix = partitionPrefix(topic, partition);
  try {
    const candidate = await findObjectHoldingOffset(
      target.s3,
      target.bucket,
      topic,
      partition,
      offset,
      LOOK_BACK_RECORDS,
    );
    if (!candidate) return { found: false };
    const object = await target.s3.send(new GetObjectCommand({ Bucket: target.bucket, Key: candidate }));
    const text = (await object.Body?.transformToString('utf8')) ?? '';
    return text.includes(context.marker) ? { found: true, key: candidate } : { found: false };
  } catch (error) {
    if (hasErrorCode(error, 'BUCKET_NOT_FOUND')) {
      return {
        error: failed(
          hop,
          `the bucket ${target.bucket} does not exist`,
          `create s3://${target.bucket} (or set bucket in credentials/aws.yaml); the connector's s3.bucket.name must be the same bucket`,
        ),
      };
    }
    if (error instanceof AwsError && error.code === 'AWS_ACCESS_DENIED') {
      return {
        error: failed(
          hop,
          `reading s3://${target.bucket} was refused (${error.awsName})`,
          `the laptop's IAM user may not read the bucket: attach iam/laptop-user-policy.json of npm run aws:kit (s3:ListBucket, s3:GetObject)`,
        ),
      };
    }
    return {
      error: failed(
        hop,
        `reading s3://${target.bucket}/${prefix} failed: ${describeError(error)}`,
        target.kind === 'aws'
          ? 'check region in credentials/aws.yaml and your AWS keys (AWS_PROFILE or ~/.aws/credentials)'
          : 'restart the local stack (npm run stack)',
      ),
    };
  }
}

/** Posts the marked pin row to `topic`; a topic that does not exist yet (a broker without auto-creation: 404 40401) is created through the REST proxy's v3 API first. */
async function postMarked(context: HopContext, topic: string): Promise<Sent> {
  const post = () =>
    send(
      context.gateway,
      'POST',
      `/topics/${encodeURIComponent(topic)}`,
      { records: [{ value: doctorRows(context.marker).pin }] },
      KAFKA_JSON_V2,
    );
  const sent = await post();
  if (!sent.ok || sent.answer.status !== 404 || readAnswer(sent.answer.text, REST_ERROR_ANSWER)?.error_code !== 40401)
    return sent;
  await createTopics(context.gateway, [topic], { replicationFactor: context.target.kind === 'aws' ? 3 : 1 });
  return post();
}

/**
 * Hop 3: a marked record posted to the doctor's own topic `<user_id>.doctor` lands in S3 within the
 * sink's flush: the connector's `topics.regex=<user_id>.*` copies it, and no reader of the
 * learner's tables reads it (doctorNames).
 */
export async function checkSink(context: HopContext): Promise<HopResult> {
  const { target } = context;
  const hop: HopName = 'S3 sink';
  const topics = context.earlier.find((r) => r.hop === 'REST proxy topics');
  if (topics?.status !== 'ok')
    return { hop, status: 'skipped', reason: 'not checked: the REST proxy does not list the topics yet' };
  const topic = target.checkTopic;
  let sent: Sent;
  try {
    sent = await postMarked(context, topic);
  } catch (error) {
    return failed(
      hop,
      `the doctor's topic ${topic} does not exist and creating it failed: ${describeError(error)}`,
      target.kind === 'aws'
        ? `create it on the EC2 client: ./kafka-topics.sh --bootstrap-server <BootstrapServerString> --command-config client.properties --create --topic ${topic}`
        : 'restart the local stack (npm run stack)',
    );
  }
  if (!sent.ok)
    return failed(
      hop,
      `posting to ${topic} got no answer (${sent.code})`,
      'run npm run doctor again; if it persists, the REST proxy on the EC2 client stopped',
    );
  const { answer } = sent;
  const entry = readAnswer(answer.text, PRODUCE_ANSWER)?.offsets?.[0];
  if (answer.status !== 200 || !entry) {
    return failed(
      hop,
      `posting the test record to ${topic} answered ${answer.status} ${short(answer.text)}`,
      answer.status >= 500
        ? 'the REST proxy on the EC2 client could not reach MSK: check bootstrap.servers and the client.sasl.* lines of kafka-rest.properties (npm run aws:kit)'
        : `the REST proxy refused the record: check the topic ${topic} exists (npm run create-topics)`,
    );
  }
  if (entry.error_code !== null && entry.error_code !== undefined) {
    return failed(
      hop,
      `the REST proxy could not write the test record to ${topic}: ${String(entry.error_code)} ${String(entry.error ?? '')}`,
      target.kind === 'aws'
        ? `the EC2 client's role (awsRoleArn in kafka-rest.properties) may not write ${topic}: iam/ec2-client-role-policy.json of npm run aws:kit`
        : 'restart the local stack (npm run stack)',
    );
  }
  const partition = Number(entry.partition);
  const offset = Number(entry.offset);
  const started = Date.now();
  const deadline = started + context.sinkTimeoutMs;
  for (;;) {
    const found = await findInSink(context, topic, partition, offset);
    if ('error' in found) return found.error;
    if (found.found) {
      return {
        hop,
        status: 'ok',
        seen: `the marked record (${topic} partition ${partition} offset ${offset}) is in s3://${target.bucket}/${found.key} after ${((Date.now() - started) / 1000).toFixed(1)} s`,
      };
    }
    if (Date.now() >= deadline) break;
    await sleep(Math.min(context.pollMs, Math.max(0, deadline - Date.now())));
  }
  return failed(
    hop,
    `the marked record (${topic} partition ${partition} offset ${offset}) is not in s3://${target.bucket}/topics/${topic}/ after ${Math.round(context.sinkTimeoutMs / 1000)} s`,
    target.kind === 'aws'
      ? `look at the MSK Connect connector ${target.userId}-connector: it must be Running, its topics.regex must match ${topic} (topics.regex=${target.userId}.*) and s3.bucket.name must be ${target.bucket}, with a role that may write the bucket; its CloudWatch logs say why (msk-connect/s3-sink-connector.properties of npm run aws:kit); raise --timeout if flush.size is above 1`
      : `the local stack's S3 sink is not copying ${topic}: its topics.regex must match it (${target.userId}.*); restart the stack (npm run stack)`,
  );
}

/** The code of a Kinesis error passed on by the gateway (its `__type`), as the SDK's middleware would classify it. */
function kinesisErrorCode(answer: Answer): ErrorCode | undefined {
  const type = awsErrorType(answer.json);
  return type === undefined ? undefined : classifyAwsErrorName(type).code;
}

/** What a failed stream call means, and what to do. */
function streamFailure(
  context: HopContext,
  stream: string,
  what: string,
  code: ErrorCode | undefined,
  detail: string,
): HopResult {
  const hop: HopName = 'Kinesis streams';
  const { target } = context;
  if (code === 'STREAM_NOT_FOUND') {
    return failed(
      hop,
      `${stream} does not exist (${what})`,
      `create it: npm run create-topics, or Kinesis → Data streams → Create data stream ${stream} (1 shard, provisioned)`,
    );
  }
  if (code === 'AWS_ACCESS_DENIED' || /not authorized|AccessDenied/i.test(detail)) {
    return failed(
      hop,
      `${what} on ${stream} was refused: ${detail}`,
      target.kinesis
        ? "the laptop's IAM user may not use the stream: attach iam/laptop-user-policy.json of npm run aws:kit"
        : 'the IAM role of the Kinesis integration (credentials of the /streams routes) may not use the stream: attach iam/api-gateway-kinesis-role-policy.json of npm run aws:kit to it',
    );
  }
  return failed(
    hop,
    `${what} on ${stream} failed: ${detail}`,
    target.kinesis
      ? 'check region in credentials/aws.yaml and your AWS keys (AWS_PROFILE or ~/.aws/credentials)'
      : 'check the /streams routes of the API (import api-gateway/openapi.yaml of npm run aws:kit, then Deploy API) and the IAM role of the Kinesis integration',
  );
}

/** One stream through the gateway's `GET /streams/{stream-name}`: it is ACTIVE. */
async function describeViaGateway(context: HopContext, stream: string): Promise<HopResult | undefined> {
  const described = await send(context.gateway, 'GET', `/streams/${encodeURIComponent(stream)}`);
  if (!described.ok)
    return streamFailure(context, stream, 'GET /streams/{stream-name}', undefined, `no answer (${described.code})`);
  const refusal = gatewayRefusal(described.answer);
  if (refusal) {
    return failed(
      'Kinesis streams',
      `GET /streams/${stream} answered 403 ${refusal}: the API has no /streams routes`,
      'import api-gateway/openapi.yaml of npm run aws:kit (the /streams routes to Kinesis), then Actions → Deploy API',
    );
  }
  const describedType = kinesisErrorCode(described.answer);
  if (described.answer.status !== 200 || describedType)
    return streamFailure(
      context,
      stream,
      'DescribeStream',
      describedType,
      `${described.answer.status} ${short(described.answer.text)}`,
    );
  const status = readAnswer(described.answer.text, DESCRIBE_STREAM_ANSWER)?.StreamDescription?.StreamStatus;
  if (status !== 'ACTIVE')
    return failed(
      'Kinesis streams',
      `${stream} is ${status ?? 'in no known state'}`,
      'wait until the stream is ACTIVE (Kinesis → Data streams), then run npm run doctor again',
    );
  return undefined;
}

/** The marked record through the gateway's `PUT /streams/{stream-name}/record`. */
async function putViaGateway(context: HopContext, stream: string): Promise<HopResult | undefined> {
  const put = await send(context.gateway, 'PUT', `/streams/${encodeURIComponent(stream)}/record`, {
    StreamName: stream,
    Data: doctorRows(context.marker).pin,
    PartitionKey: context.marker,
  });
  if (!put.ok)
    return streamFailure(context, stream, 'PUT /streams/{stream-name}/record', undefined, `no answer (${put.code})`);
  const putType = kinesisErrorCode(put.answer);
  const sequence = readAnswer(put.answer.text, PUT_RECORD_ANSWER)?.SequenceNumber;
  if (put.answer.status !== 200 || putType || typeof sequence !== 'string')
    return streamFailure(context, stream, 'PutRecord', putType, `${put.answer.status} ${short(put.answer.text)}`);
  return undefined;
}

/** A failed SDK call on `stream` as the hop's result; anything that is not an answer of Kinesis (or a socket error) is a bug here and rethrown. */
function sdkFailure(context: HopContext, stream: string, what: string, error: unknown): HopResult {
  if (!(error instanceof AwsError)) throw error;
  return streamFailure(context, stream, what, error.code, describeError(error));
}

function sdkClient(context: HopContext): KinesisClient {
  const kinesis = context.target.kinesis;
  if (!kinesis) throw new Error('the SDK path needs a Kinesis client');
  return kinesis;
}

/** One stream through the SDK's DescribeStreamSummary: it is ACTIVE. */
async function describeViaSdk(context: HopContext, stream: string): Promise<HopResult | undefined> {
  let status: string | undefined;
  try {
    const described = await sdkClient(context).send(new DescribeStreamSummaryCommand({ StreamName: stream }));
    status = described.StreamDescriptionSummary?.StreamStatus;
  } catch (error) {
    return sdkFailure(context, stream, 'DescribeStreamSummary', error);
  }
  if (status !== 'ACTIVE')
    return failed(
      'Kinesis streams',
      `${stream} is ${status ?? 'in no known state'}`,
      'wait until the stream is ACTIVE (Kinesis → Data streams), then run npm run doctor again',
    );
  return undefined;
}

/** The marked record through the SDK's PutRecord. */
async function putViaSdk(context: HopContext, stream: string): Promise<HopResult | undefined> {
  try {
    await sdkClient(context).send(
      new PutRecordCommand({
        StreamName: stream,
        Data: Buffer.from(JSON.stringify(doctorRows(context.marker).pin), 'utf8'),
        PartitionKey: context.marker,
      }),
    );
  } catch (error) {
    return sdkFailure(context, stream, 'PutRecord', error);
  }
  return undefined;
}

/** How long the doctor's stream may take to be deleted (an earlier run's) or to become ACTIVE: Kinesis takes up to a minute. */
const DOCTOR_STREAM_WAIT_MS = 120_000;

/**
 * The doctor's own stream takes the marked record: created (after an earlier run's deletion has
 * finished), the record put, and deleted again, so nothing stays behind for a consumer or a bill.
 */
async function checkDoctorStream(context: HopContext, viaSdk: boolean): Promise<HopResult | undefined> {
  const { target } = context;
  const stream = target.checkStream;
  const admin = viaSdk ? createSdkStreamAdmin(sdkClient(context)) : createGatewayStreamAdmin(context.gateway);
  try {
    // No SDK waiter waits for a deletion to end before creating: the waiter engine over the admin's status serves both paths.
    await waitForStatus(admin, stream, 'not-deleting', { timeoutMs: DOCTOR_STREAM_WAIT_MS, pollMs: context.pollMs });
    if (target.kind === 'aws')
      context.progress?.(
        `… creating ${stream} for the check and waiting until it is ACTIVE (Kinesis takes up to a minute)`,
      );
    await createStreams(admin, [stream], { pollMs: context.pollMs, timeoutMs: DOCTOR_STREAM_WAIT_MS });
  } catch (error) {
    return failed(
      'Kinesis streams',
      `creating the doctor's stream ${stream} failed: ${describeError(error)}`,
      viaSdk
        ? `the laptop's IAM user needs kinesis:CreateStream and kinesis:DeleteStream on ${stream}: attach iam/laptop-user-policy.json of npm run aws:kit`
        : 'the IAM role of the Kinesis integration needs CreateStream and DeleteStream: attach iam/api-gateway-kinesis-role-policy.json of npm run aws:kit',
    );
  }
  const failure = viaSdk ? await putViaSdk(context, stream) : await putViaGateway(context, stream);
  const deleted = await deleteStream(context, stream, viaSdk);
  // Wait until it is gone (an instant locally, seconds on Kinesis), so that the ✅ line's "deleted" is true and a
  // stack stopped right after the check is not deleting still.
  if (!deleted) {
    if (target.kind === 'aws') context.progress?.(`… waiting until ${stream} is deleted`);
    const wait = { timeoutMs: DOCTOR_STREAM_WAIT_MS, pollMs: context.pollMs };
    await (admin.waitUntilGone ? admin.waitUntilGone(stream, wait) : waitForStatus(admin, stream, 'gone', wait)).catch(
      (error: unknown) => {
        if (!hasErrorCode(error, 'STREAM_NOT_ACTIVE')) throw error;
      },
    );
  }
  return failure ?? deleted;
}

/** Deletes the doctor's stream (DeleteStream through the SDK or `DELETE /streams/{stream-name}`). */
async function deleteStream(context: HopContext, stream: string, viaSdk: boolean): Promise<HopResult | undefined> {
  if (viaSdk) {
    try {
      await sdkClient(context).send(new DeleteStreamCommand({ StreamName: stream, EnforceConsumerDeletion: true }));
    } catch (error) {
      return sdkFailure(context, stream, 'DeleteStream', error);
    }
    return undefined;
  }
  const deleted = await send(context.gateway, 'DELETE', `/streams/${encodeURIComponent(stream)}`);
  if (!deleted.ok)
    return streamFailure(context, stream, 'DELETE /streams/{stream-name}', undefined, `no answer (${deleted.code})`);
  const type = kinesisErrorCode(deleted.answer);
  if (deleted.answer.status !== 200 || type)
    return streamFailure(
      context,
      stream,
      'DeleteStream',
      type,
      `${deleted.answer.status} ${short(deleted.answer.text)}`,
    );
  return undefined;
}

/**
 * Hop 4: the three streams are ACTIVE, and the doctor's own stream takes a record (the SDK or the
 * gateway's routes, as configured). The learner's streams get no record: a consumer of them would
 * read it.
 */
export async function checkStreams(context: HopContext): Promise<HopResult> {
  const { target } = context;
  const hop: HopName = 'Kinesis streams';
  const viaSdk = target.kinesis !== undefined;
  if (!viaSdk && context.earlier.find((r) => r.hop === 'invoke URL')?.status !== 'ok') {
    return { hop, status: 'skipped', reason: 'not checked: the invoke URL hop failed (kinesis_via: gateway)' };
  }
  for (const table of TABLES) {
    const failure = viaSdk
      ? await describeViaSdk(context, target.streams[table])
      : await describeViaGateway(context, target.streams[table]);
    if (failure) return failure;
  }
  const failure = await checkDoctorStream(context, viaSdk);
  if (failure) return failure;
  const names = TABLES.map((table) => target.streams[table]).join(', ');
  return {
    hop,
    status: 'ok',
    seen: `${names} are ACTIVE; ${target.checkStream} took the marked record and was deleted (${viaSdk ? 'SDK' : "the gateway's /streams routes"})`,
  };
}

/** Hop 5: the MySQL source answers `SELECT 1`, when one is configured. */
export async function checkDatabase(context: HopContext): Promise<HopResult> {
  const hop: HopName = 'database';
  const db = context.target.database;
  if (!db)
    return {
      hop,
      status: 'skipped',
      reason: 'not checked: the source is the embedded generator (no credentials/db_creds.yaml)',
    };
  const where = `${db.user}@${db.host}:${db.port}/${db.database}`;
  let connection: mysql.Connection | undefined;
  try {
    connection = await mysql.createConnection({
      host: db.host,
      port: db.port,
      user: db.user,
      password: db.password,
      database: db.database,
      connectTimeout: 10_000,
    });
    const [rows] = await connection.query<mysql.RowDataPacket[]>('SELECT 1 AS ok');
    if (Number(rows[0]?.ok) !== 1)
      return failed(
        hop,
        `SELECT 1 on ${where} answered ${JSON.stringify(rows)}`,
        'this is not a MySQL server that answers queries: check HOST and PORT in ' + db.file,
      );
    return { hop, status: 'ok', seen: `SELECT 1 answered by ${where}` };
  } catch (error) {
    const code = (error as { code?: string }).code ?? '';
    if (isUnreachableCode(code)) {
      return failed(
        hop,
        `cannot connect to ${db.host}:${db.port} (${code})`,
        `check HOST and PORT in ${db.file}; on RDS the instance must be available and its security group must let your IP in on ${db.port}`,
      );
    }
    if (code === 'ER_ACCESS_DENIED_ERROR' || code === 'ER_DBACCESS_DENIED_ERROR') {
      return failed(
        hop,
        `${db.host}:${db.port} refused the login of ${db.user} (${code})`,
        `check USER and PASSWORD in ${db.file}`,
      );
    }
    if (code === 'ER_BAD_DB_ERROR')
      return failed(
        hop,
        `${db.host}:${db.port} has no database ${db.database}`,
        `check DATABASE in ${db.file} (npm run db:seed creates pinterest_data locally)`,
      );
    if (code) return failed(hop, `${where}: ${describeError(error)} (${code})`, `check the settings in ${db.file}`);
    throw error;
  } finally {
    await connection?.end().catch(() => connection?.destroy());
  }
}

/** Hop 6: the Databricks host accepts the token (clusters/get when a cluster is configured, else jobs/list). */
export async function checkDatabricks(context: HopContext): Promise<HopResult> {
  const hop: HopName = 'Databricks';
  const dbx = context.target.databricks;
  if (!dbx)
    return {
      hop,
      status: 'skipped',
      reason: 'not checked: no Databricks host (credentials/databricks.yaml or DATABRICKS_HOST)',
    };
  if (!dbx.token)
    return failed(
      hop,
      `DATABRICKS_TOKEN is not set for ${dbx.host}`,
      'export DATABRICKS_TOKEN=<personal access token> (Databricks → User settings → Developer → Access tokens)',
    );
  const path = dbx.clusterId
    ? `/api/2.0/clusters/get?cluster_id=${encodeURIComponent(dbx.clusterId)}`
    : '/api/2.1/jobs/list?limit=1';
  if (!context.databricks)
    throw new Error("checkDatabricks needs the workspace's HTTP client (runDoctor makes it from host and token)");
  const sent = await send(context.databricks, 'GET', path);
  if (!sent.ok)
    return failed(
      hop,
      `no answer from ${dbx.host} (${sent.code})`,
      'check host in credentials/databricks.yaml (or DATABRICKS_HOST): the workspace URL, e.g. https://dbc-12345678-9abc.cloud.databricks.com',
    );
  const { answer } = sent;
  if (answer.status === 401 || answer.status === 403) {
    return failed(
      hop,
      `${dbx.host} refused the token (${answer.status})`,
      `DATABRICKS_TOKEN is not valid for ${dbx.host}: create a new personal access token (User settings → Developer → Access tokens) and export it`,
    );
  }
  if (dbx.clusterId && (answer.status === 400 || answer.status === 404)) {
    return failed(
      hop,
      `${dbx.host} has no cluster ${dbx.clusterId} (${answer.status} ${short(answer.text)})`,
      'set cluster_id in credentials/databricks.yaml to the id of your cluster (Compute → your cluster → the id in its URL)',
    );
  }
  if (answer.status !== 200)
    return failed(
      hop,
      `GET ${path} answered ${answer.status} ${short(answer.text)}`,
      'check host in credentials/databricks.yaml: the workspace URL',
    );
  const state = readAnswer(answer.text, CLUSTER_ANSWER)?.state;
  return {
    hop,
    status: 'ok',
    seen: dbx.clusterId
      ? `${dbx.host} accepted the token; cluster ${dbx.clusterId} is ${typeof state === 'string' ? state : 'there'}`
      : `${dbx.host} accepted the token (jobs/list)`,
  };
}

/** The hops in the order they are checked. */
export const HOPS: readonly ((context: HopContext) => Promise<HopResult>)[] = [
  checkInvokeUrl,
  checkTopics,
  checkSink,
  checkStreams,
  checkDatabase,
  checkDatabricks,
];
