import path from 'node:path';
import { parseArgs, type ParseArgsConfig } from 'node:util';
import { projectPath } from '../../src/config';
import { describeError, PipelineError } from '../../src/errors';
import { redact } from '../../src/log';
import { formatTable } from '../../src/terminal-table';

export interface OptionSpec {
  type: 'string' | 'boolean';
  short?: string;
  description: string;
  /** Shown in --help; also the value when the flag is absent. A path's default is project-relative (see `pathOption`). */
  default?: string | boolean;
  /** Placeholder in --help, e.g. N or URL. */
  value?: string;
}

export interface CommandSpec {
  name: string;
  summary: string;
  options: Record<string, OptionSpec>;
  /** Lines shown under "Examples:". */
  examples?: string[];
}

export function helpText(spec: CommandSpec): string {
  const entries = Object.entries({
    ...spec.options,
    help: { type: 'boolean', short: 'h', description: 'show this help' } as OptionSpec,
  });
  const rows = entries.map(([name, o]) => ({
    flag: `${o.short ? `-${o.short}, ` : '    '}--${name}${o.type === 'string' ? ` ${o.value ?? 'VALUE'}` : ''}`,
    description: `${o.description}${o.default === undefined || o.default === false ? '' : ` (default: ${o.default})`}`,
  }));
  const lines = [
    `Usage: ${spec.name} [options]`,
    '',
    spec.summary,
    '',
    'Options:',
    formatTable(rows, ['flag', 'description'], { header: false, indent: '  ' }),
  ];
  if (spec.examples?.length) lines.push('', 'Examples:', ...spec.examples.map((e) => `  ${e}`));
  return lines.join('\n');
}

export type ParsedOptions = Record<string, string | boolean | undefined>;

/** The options each `parseCommandLine` result was given on the command line (the rest are defaults). */
const givenOptions = new WeakMap<ParsedOptions, ReadonlySet<string>>();

/** Parses argv by `spec`; returns undefined after printing help when --help was given. */
export function parseCommandLine(spec: CommandSpec, argv: string[]): ParsedOptions | undefined {
  const options: ParseArgsConfig['options'] = { help: { type: 'boolean', short: 'h' } };
  for (const [name, o] of Object.entries(spec.options)) {
    options[name] = {
      type: o.type,
      ...(o.short ? { short: o.short } : {}),
      ...(o.default !== undefined ? { default: o.default } : {}),
    } as never;
  }
  let values: ParsedOptions;
  try {
    const parsed = parseArgs({ args: argv, options, allowPositionals: false, strict: true, tokens: true });
    values = parsed.values as ParsedOptions;
    givenOptions.set(values, new Set(parsed.tokens.flatMap((t) => (t.kind === 'option' ? [t.name] : []))));
  } catch (error) {
    throw new PipelineError('USAGE', `${describeError(error)}; see ${spec.name} --help`, { cause: error });
  }
  if (values.help) {
    process.stdout.write(`${helpText(spec)}\n`);
    return undefined;
  }
  return values;
}

/** Reads a whole-number option, with a clear error naming the flag. */
export function intOption(values: ParsedOptions, name: string, min = 0): number | undefined {
  const raw = values[name];
  if (raw === undefined || raw === false) return undefined;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < min)
    throw new PipelineError('USAGE', `--${name} expects a whole number >= ${min}, got ${JSON.stringify(raw)}`);
  return n;
}

export function numberOption(values: ParsedOptions, name: string, min = 0): number | undefined {
  const raw = values[name];
  if (raw === undefined || raw === false) return undefined;
  const n = Number(raw);
  if (!Number.isFinite(n) || n < min)
    throw new PipelineError('USAGE', `--${name} expects a number >= ${min}, got ${JSON.stringify(raw)}`);
  return n;
}

/** Reads an option that takes one of `choices`, with a clear error naming the flag. */
export function choiceOption<T extends string>(
  values: ParsedOptions,
  name: string,
  choices: readonly T[],
): T | undefined {
  const raw = values[name];
  if (raw === undefined) return undefined;
  if (typeof raw !== 'string' || !(choices as readonly string[]).includes(raw)) {
    throw new PipelineError('USAGE', `--${name} expects one of ${choices.join(', ')}, got ${JSON.stringify(raw)}`);
  }
  return raw as T;
}

/**
 * The one path resolver of the scripts. A path given on the command line is resolved against the
 * working folder (`path.resolve`: relative to where you are, absolute as given); a default (the
 * spec's, else `projectDefault`) is project-relative and resolved against the project root
 * (`projectPath`), wherever the script runs from. Undefined when there is neither.
 */
export function pathOption(values: ParsedOptions, name: string, projectDefault: string): string;
export function pathOption(values: ParsedOptions, name: string, projectDefault?: string): string | undefined;
export function pathOption(values: ParsedOptions, name: string, projectDefault?: string): string | undefined {
  const raw = values[name];
  if (raw !== undefined && typeof raw !== 'string') throw new PipelineError('USAGE', `--${name} expects a path`);
  const given = givenOptions.get(values)?.has(name) ?? raw !== undefined;
  if (given && raw !== undefined) return path.resolve(raw);
  const fallback = raw ?? projectDefault;
  return fallback === undefined ? undefined : projectPath(fallback);
}

export interface Interrupts {
  /** Aborted by the first Ctrl-C (SIGINT or SIGTERM), or when the `request` signal aborts. */
  stop: AbortSignal;
  /** Aborted by a second Ctrl-C. */
  cut: AbortSignal;
  /** Removes the handlers. */
  dispose(): void;
}

/**
 * Ctrl-C for a script that stops cleanly: the first SIGINT/SIGTERM (or `request`, for tests running
 * `main` in-process) calls `onStop` and aborts `stop`; a second calls `onCut` and aborts `cut`.
 * `reason` is the signal's name, or "stop requested".
 */
export function watchInterrupts(
  handlers: { onStop?(reason: string): void; onCut?(reason: string): void },
  request?: AbortSignal,
): Interrupts {
  const stop = new AbortController();
  const cut = new AbortController();
  const onInterrupt = (reason: string) => {
    if (!stop.signal.aborted) {
      handlers.onStop?.(reason);
      stop.abort();
    } else if (!cut.signal.aborted) {
      handlers.onCut?.(reason);
      cut.abort();
    }
  };
  const onRequest = () => onInterrupt('stop requested');
  process.on('SIGINT', onInterrupt);
  process.on('SIGTERM', onInterrupt);
  request?.addEventListener('abort', onRequest, { once: true });
  if (request?.aborted) onRequest();
  return {
    stop: stop.signal,
    cut: cut.signal,
    dispose: () => {
      process.off('SIGINT', onInterrupt);
      process.off('SIGTERM', onInterrupt);
      request?.removeEventListener('abort', onRequest);
    },
  };
}

/**
 * The tail of every script: runs `main`, and on failure prints one redacted line and sets the exit
 * code. `PP_DEBUG=1` prints the stack too.
 */
export function runMain(main: (argv: string[]) => Promise<unknown>): void {
  main(process.argv.slice(2)).catch((error: unknown) => {
    process.stderr.write(`error: ${redact(describeError(error))}\n`);
    if (process.env.PP_DEBUG && error instanceof Error && error.stack) process.stderr.write(`${redact(error.stack)}\n`);
    process.exitCode = 1;
  });
}
