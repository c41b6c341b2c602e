/**
 * Every code a `PipelineError` can carry: a closed set, so the compiler catches a misspelt one
 * (platformatic/kafka's `ERROR_CODES`). Add a code here before throwing it.
 */
export const ERROR_CODES = [
  'ANSWERS_DIFFER',
  'AWS_ACCESS_DENIED',
  'AWS_CALL_FAILED',
  'AWS_REQUEST_INVALID',
  'AWS_THROTTLED',
  'AWS_UNAVAILABLE',
  'BENCH_PRODUCE_FAILED',
  'BENCH_RUN_FAILED',
  'BUCKET_NAME_INVALID',
  'BUCKET_NOT_FOUND',
  'CHECKPOINT_FOREIGN',
  'CLEAN_RUN_MISSING',
  'CLEAN_TABLES_EMPTY',
  'CLEAN_TABLE_MISSING',
  'CONFIG_INVALID',
  'DAG_UNREADABLE',
  'DATABRICKS_BAD_ANSWER',
  'DATABRICKS_HTTP',
  'DATABRICKS_NOT_CONFIGURED',
  'DATABRICKS_RUN_FAILED',
  'DATABRICKS_STALE',
  'DATABRICKS_UNAUTHORIZED',
  'DATABRICKS_UNREACHABLE',
  'DOCTOR_FAILED',
  'EMULATION_FAILED',
  'GATEWAY_BAD_ANSWER',
  'GATEWAY_ERROR',
  'GATEWAY_UNREACHABLE',
  'HTTP_ABORTED',
  'HTTP_STATUS',
  'HTTP_TIMEOUT',
  'INVALID_BATCH_SIZE',
  'INVALID_POSITION',
  'INVALID_ROWS',
  'INVALID_SEED',
  'ITERATOR_EXPIRED',
  'JAVA_MISSING',
  'JUPYTER_MISSING',
  'KAFKA_BROKER_FAILED',
  'KAFKA_NOT_INSTALLED',
  'KAFKA_REQUEST_FAILED',
  'KINESIS_CALL_FAILED',
  'KINESIS_DATA_LOCKED',
  'KINESIS_DATA_UNREADABLE',
  'KIT_STALE',
  'KIT_WRITE_FAILED',
  'LINT_FAILED',
  'MYSQL_ACCESS_DENIED',
  'MYSQL_NOT_SEEDED',
  'MYSQL_QUERY_FAILED',
  'MYSQL_ROLLBACK_FAILED',
  'MYSQL_UNREACHABLE',
  'NETWORK_ERROR',
  'NOTEBOOK_FAILED',
  'NOTEBOOK_NOT_FOUND',
  'OBJECT_NOT_FOUND',
  'OFFSET_INVALID',
  'PANDAS_MISSING',
  'PARTITION_NOT_FOUND',
  'PORT_DENIED',
  'PORT_INVALID',
  'PORT_IN_USE',
  'PRODUCE_FAILED',
  'PROTOCOL',
  'PYTHON_MISSING',
  'README_MARKERS_MISSING',
  'RECORDS_FAILED',
  'RECORDS_REJECTED',
  'RECORD_INVALID',
  'S3_READ_FAILED',
  'SINK_BEHIND',
  'SINK_CONFIG_INVALID',
  'SINK_DRAIN_TIMEOUT',
  'SINK_EMPTY',
  'SINK_FOLDER_NOT_FOUND',
  'SINK_GAPS',
  'SINK_STATE_UNREADABLE',
  'SINK_STOPPED',
  'SINK_TIMEOUT',
  'SOURCE_BAD_VALUE',
  'SOURCE_EMPTY',
  'SOURCE_INCOMPLETE',
  'STACK_FILE_UNREADABLE',
  'STACK_NOT_ANSWERING',
  'STACK_NOT_RUNNING',
  'STACK_RUNNING',
  'STACK_START_FAILED',
  'STACK_STOP_FAILED',
  'STAGE_INVALID',
  'STOPPED',
  'STORE_CLOSED',
  'STORE_CORRUPT',
  'STORE_IO',
  'STORE_LOCKED',
  'STREAM_DATABASE_LOCKED',
  'STREAM_EXISTS',
  'STREAM_GONE',
  'STREAM_NOT_ACTIVE',
  'STREAM_NOT_FOUND',
  'STREAM_RECORD_MISSING',
  'STREAM_TABLE_NAME_INVALID',
  'TOPIC_CONFIG_INVALID',
  'TOPIC_EXISTS',
  'TOPIC_NAME_INVALID',
  'TOPIC_NOT_FOUND',
  'URL_INVALID',
  'USAGE',
] as const;

export type ErrorCode = (typeof ERROR_CODES)[number];

/**
 * Error codes of the socket layer (and mysql2's lost connection) after which the same request may
 * well succeed: the one list the HTTP client, the AWS SDK middleware and the MySQL source classify by.
 */
const RETRIABLE_NETWORK_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'EPIPE',
  'ETIMEDOUT',
  'EAI_AGAIN',
  'ECONNABORTED',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'ENETDOWN',
  'ESOCKETTIMEDOUT',
  'UND_ERR_SOCKET',
  'ERR_STREAM_PREMATURE_CLOSE',
  'PROTOCOL_CONNECTION_LOST',
]);

/** True for socket-level failures (refused, reset, timed out, a body cut off) that a retry can get past. */
export function isRetriableNetworkCode(code: string | undefined): boolean {
  return code !== undefined && RETRIABLE_NETWORK_CODES.has(code);
}

/** Socket-level codes that mean the server could not be reached at all (a wrong host or port, a server down). */
const UNREACHABLE_NETWORK_CODES = new Set([
  'ECONNREFUSED',
  'ENOTFOUND',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'ETIMEDOUT',
  'EAI_AGAIN',
  'ECONNRESET',
]);

/** True for a socket-level code saying the server was not reached (`ENOTFOUND` included, which no retry fixes). */
export function isUnreachableCode(code: string | undefined): boolean {
  return code !== undefined && UNREACHABLE_NETWORK_CODES.has(code);
}

/** True when `error` is a `PipelineError` with one of `codes`. */
export function hasErrorCode(error: unknown, ...codes: ErrorCode[]): error is PipelineError {
  return error instanceof PipelineError && codes.includes(error.code);
}

/**
 * One error type for the whole pipeline: a stable code, whether retrying can help, and the cause.
 * Messages are one line and say what the user should do next.
 */
export class PipelineError extends Error {
  readonly code: ErrorCode;
  readonly retriable: boolean;

  constructor(code: ErrorCode, message: string, options: { retriable?: boolean; cause?: unknown } = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'PipelineError';
    this.code = code;
    this.retriable = options.retriable ?? false;
  }
}

/** Invalid or incomplete configuration: names the file, the key and what is expected. */
export class ConfigError extends PipelineError {
  readonly file: string;
  readonly key: string | undefined;

  constructor(file: string, key: string | undefined, expected: string, cause?: unknown) {
    super('CONFIG_INVALID', `${file}${key ? `: ${key}` : ''}: ${expected}`, { cause });
    this.name = 'ConfigError';
    this.file = file;
    this.key = key;
  }
}

/** The one-line text shown to a user for any thrown value. */
export function describeError(error: unknown): string {
  if (error instanceof Error) return error.message.split('\n')[0] ?? String(error);
  return String(error);
}
