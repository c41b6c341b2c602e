/**
 * Logging that never prints a secret. Every value registered with `registerSecret` is replaced by
 * `***` in every line written: no character of a secret is ever shown.
 */
const secrets = new Set<string>();

export function registerSecret(value: string | undefined): void {
  if (value && value.length >= 4) secrets.add(value);
}

export function redactValue(_value: string): string {
  return '***';
}

export function redact(text: string): string {
  let out = text;
  // Longest first, so a secret that contains another is replaced whole.
  for (const secret of [...secrets].sort((a, b) => b.length - a.length))
    out = out.split(secret).join(redactValue(secret));
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
  const write = (level: string, message: string) =>
    sink(redact(`[${scope}] ${level === 'info' ? '' : `${level}: `}${message}`));
  return {
    info: (message) => write('info', message),
    warn: (message) => write('warn', message),
    error: (message) => write('error', message),
  };
}
