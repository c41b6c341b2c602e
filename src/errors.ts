/**
 * One error type for the whole pipeline: a stable code, whether retrying can help, and the cause.
 * Messages are one line and say what the user should do next.
 */
export class PipelineError extends Error {
  readonly code: string;
  readonly retriable: boolean;

  constructor(code: string, message: string, options: { retriable?: boolean; cause?: unknown } = {}) {
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
