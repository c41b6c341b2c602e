/**
 * Logging that never prints a secret. Every value registered with `registerSecret` is replaced by
 * `***` (with its last two characters kept for recognition when long enough) in every line written.
 */
const secrets = new Set<string>();

export function registerSecret(value: string | undefined): void {
  if (value && value.length >= 4) secrets.add(value);
}

export function redactValue(value: string): string {
  return value.length >= 12 ? `***${value.slice(-2)}` : '***';
}

export function redact(text: string): string {
  let out = text;
  for (const secret of secrets) out = out.split(secret).join(redactValue(secret));
  return out;
}

export type LogSink = (line: string) => void;

export interface Logger {
  info(message: string): void;
  warn(message: string): void;
  error(message: string): void;
}

/** A logger writing redacted lines; `sink` defaults to stderr so stdout stays for data. */
export function createLogger(scope: string, sink: LogSink = (line) => process.stderr.write(`${line}\n`)): Logger {
  const write = (level: string, message: string) => sink(redact(`[${scope}] ${level === 'info' ? '' : `${level}: `}${message}`));
  return {
    info: (message) => write('info', message),
    warn: (message) => write('warn', message),
    error: (message) => write('error', message),
  };
}
