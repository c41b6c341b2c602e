import { KinesisClient } from '@aws-sdk/client-kinesis';
import { S3Client } from '@aws-sdk/client-s3';
import { NodeHttpHandler } from '@smithy/node-http-handler';
import { S3_REQUESTS_IN_FLIGHT } from './s3-in-flight';
import type { InitializeHandler, InitializeHandlerArguments, MetadataBearer, MiddlewareStack } from '@smithy/types';
import { isRetriableNetworkCode, PipelineError, type ErrorCode } from './errors';

export interface AwsClientOptions {
  region: string;
  /** A plain-http endpoint of the embedded local stack; unset for real AWS. */
  endpoint?: string;
}

/** Fixed credentials for the local stack, which accepts any; real AWS uses the default chain. */
const LOCAL_CREDENTIALS = { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' };

/**
 * The SDK warns on every client that Node 20 support ends; the warning says nothing a user of this
 * pipeline can act on, and it floods notebooks and script output.
 */
function quietNodeVersionWarning(): void {
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
}

/** S3 client; path-style addressing against a local endpoint (s3rver has no virtual hosts). */
export function createS3Client(options: AwsClientOptions): S3Client {
  quietNodeVersionWarning();
  const client = new S3Client({
    region: options.region,
    ...(options.endpoint ? { endpoint: options.endpoint, forcePathStyle: true, credentials: LOCAL_CREDENTIALS } : {}),
    // As many sockets as requests in flight (the SDK's own agents keep 50); the SDK makes the agents
    // with these options, so destroying the client closes their sockets.
    requestHandler: new NodeHttpHandler({
      connectionTimeout: 5_000,
      requestTimeout: 60_000,
      httpAgent: { maxSockets: S3_REQUESTS_IN_FLIGHT },
      httpsAgent: { maxSockets: S3_REQUESTS_IN_FLIGHT },
    }),
  });
  classifyErrorsOf(client.middlewareStack);
  return client;
}

/** Kinesis client over HTTP/1.1 (`NodeHttpHandler`); the default HTTP/2 handler fails on plain http. */
export function createKinesisClient(options: AwsClientOptions): KinesisClient {
  quietNodeVersionWarning();
  const client = new KinesisClient({
    region: options.region,
    ...(options.endpoint ? { endpoint: options.endpoint, credentials: LOCAL_CREDENTIALS } : {}),
    requestHandler: new NodeHttpHandler({ connectionTimeout: 5_000, requestTimeout: 30_000 }),
  });
  classifyErrorsOf(client.middlewareStack);
  return client;
}

/**
 * An AWS SDK failure as the pipeline's error: its code and `retriable` say what it means, whatever
 * the service called it. `name` stays the SDK's (`ResourceNotFoundException`), so the SDK's own
 * waiters and paginators, which match on it, still recognise it; the pipeline matches on `code`.
 */
export class AwsError extends PipelineError {
  /** The SDK's name of the error, e.g. `ProvisionedThroughputExceededException`, as Kinesis' `__type` would say it. */
  readonly awsName: string;
  /** The HTTP status of AWS' answer, when there was one. */
  readonly status: number | undefined;

  constructor(
    code: ErrorCode,
    awsName: string,
    message: string,
    options: { retriable: boolean; status: number | undefined; cause: unknown },
  ) {
    super(code, message, options);
    this.name = awsName;
    this.awsName = awsName;
    this.status = options.status;
  }
}

/** What each named AWS error (whole call, or a PutRecords entry's `ErrorCode`) means: a code, and whether a later try can get past it. */
const NAMED_AWS_ERRORS: Record<string, [ErrorCode, boolean]> = {
  ProvisionedThroughputExceededException: ['AWS_THROTTLED', true],
  LimitExceededException: ['AWS_THROTTLED', true],
  ThrottlingException: ['AWS_THROTTLED', true],
  Throttling: ['AWS_THROTTLED', true],
  KMSThrottlingException: ['AWS_THROTTLED', true],
  SlowDown: ['AWS_THROTTLED', true],
  InternalFailure: ['AWS_UNAVAILABLE', true],
  InternalFailureException: ['AWS_UNAVAILABLE', true],
  InternalError: ['AWS_UNAVAILABLE', true],
  ServiceUnavailable: ['AWS_UNAVAILABLE', true],
  ServiceUnavailableException: ['AWS_UNAVAILABLE', true],
  RequestTimeout: ['HTTP_TIMEOUT', true],
  RequestTimeoutException: ['HTTP_TIMEOUT', true],
  TimeoutError: ['HTTP_TIMEOUT', true],
  ValidationException: ['AWS_REQUEST_INVALID', false],
  InvalidArgumentException: ['AWS_REQUEST_INVALID', false],
  SerializationException: ['AWS_REQUEST_INVALID', false],
  ResourceNotFoundException: ['STREAM_NOT_FOUND', false],
  ResourceInUseException: ['STREAM_EXISTS', false],
  ExpiredIteratorException: ['ITERATOR_EXPIRED', false],
  NoSuchKey: ['OBJECT_NOT_FOUND', false],
  NotFound: ['OBJECT_NOT_FOUND', false],
  NoSuchBucket: ['BUCKET_NOT_FOUND', false],
  AccessDenied: ['AWS_ACCESS_DENIED', false],
  AccessDeniedException: ['AWS_ACCESS_DENIED', false],
  Forbidden: ['AWS_ACCESS_DENIED', false],
  AllAccessDisabled: ['AWS_ACCESS_DENIED', false],
  KMSAccessDeniedException: ['AWS_ACCESS_DENIED', false],
};

/** The code and retriability of a named AWS error (a PutRecords entry's `ErrorCode` included); unknown names are not retriable. */
export function classifyAwsErrorName(name: string): { code: ErrorCode; retriable: boolean } {
  const [code, retriable] = NAMED_AWS_ERRORS[name] ?? ['AWS_CALL_FAILED', false];
  return { code, retriable };
}

/**
 * Classifies what an AWS SDK call threw, where it enters the pipeline (the clients' middleware):
 * a socket failure, a throttled or failing service (429, 5xx) and the named errors above each get
 * their code and `retriable`; an abort and anything already classified pass unchanged.
 */
export function classifyAwsError(error: unknown): unknown {
  if (!(error instanceof Error) || error instanceof PipelineError || error.name === 'AbortError') return error;
  const failure = error as Error & { code?: unknown; $metadata?: { httpStatusCode?: number }; $retryable?: unknown };
  const status = failure.$metadata?.httpStatusCode;
  const networkCode = typeof failure.code === 'string' ? failure.code : undefined;
  const named = NAMED_AWS_ERRORS[error.name];
  // Neither an answer of AWS nor a socket failure (a bug, a client-side check): not ours to classify.
  if (!named && failure.$metadata === undefined && networkCode === undefined) return error;
  let code: ErrorCode;
  let retriable: boolean;
  if (named) [code, retriable] = named;
  else if (status === 429) [code, retriable] = ['AWS_THROTTLED', true];
  else if (status !== undefined && status >= 500) [code, retriable] = ['AWS_UNAVAILABLE', true];
  else if (isRetriableNetworkCode(networkCode)) [code, retriable] = ['NETWORK_ERROR', true];
  else if (status === 404) [code, retriable] = ['OBJECT_NOT_FOUND', false];
  else
    [code, retriable] = [
      networkCode && status === undefined ? 'NETWORK_ERROR' : 'AWS_CALL_FAILED',
      Boolean(failure.$retryable),
    ];
  // A 429 or 5xx is worth another try whatever its name says.
  if (status === 429 || (status !== undefined && status >= 500)) retriable = true;
  return new AwsError(code, error.name, error.message, { retriable, status, cause: error });
}

/** Adds the SDK middleware that throws every failure of a call as `classifyAwsError` says, after the SDK's own retries. */
function classifyErrorsOf<Input extends object, Output extends MetadataBearer>(
  stack: MiddlewareStack<Input, Output>,
): void {
  stack.add(
    (next: InitializeHandler<Input, Output>) => async (args: InitializeHandlerArguments<Input>) => {
      try {
        return await next(args);
      } catch (error) {
        throw classifyAwsError(error);
      }
    },
    CLASSIFY_ERRORS_STEP,
  );
}

/** First step of the stack, so the SDK's own retries (in `finalizeRequest`) are over when it classifies. */
const CLASSIFY_ERRORS_STEP = { step: 'initialize', priority: 'high', name: 'classifyPipelineErrors' } as const;

/**
 * An object's body whose read errors (a connection reset mid-body, a premature close) are
 * classified too: they happen after the call returned, outside the middleware.
 */
export async function* classifiedBody(body: AsyncIterable<Uint8Array>): AsyncGenerator<Uint8Array> {
  try {
    for await (const piece of body) yield piece;
  } catch (error) {
    throw classifyAwsError(error);
  }
}
