import { parseArgs, type ParseArgsConfig } from 'node:util';
import { describeError, PipelineError } from '../../src/errors';
import { redact } from '../../src/log';

export interface OptionSpec {
  type: 'string' | 'boolean';
  short?: string;
  description: string;
  /** Shown in --help; also the value when the flag is absent. */
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
  const lines = [`Usage: ${spec.name} [options]`, '', spec.summary, '', 'Options:'];
  const entries = Object.entries({ ...spec.options, help: { type: 'boolean', short: 'h', description: 'show this help' } as OptionSpec });
  const left = entries.map(([name, o]) => `${o.short ? `-${o.short}, ` : '    '}--${name}${o.type === 'string' ? ` ${o.value ?? 'VALUE'}` : ''}`);
  const width = Math.max(...left.map((l) => l.length)) + 2;
  entries.forEach(([, o], i) => {
    const dflt = o.default === undefined || o.default === false ? '' : ` (default: ${o.default})`;
    lines.push(`  ${left[i].padEnd(width)}${o.description}${dflt}`);
  });
  if (spec.examples?.length) lines.push('', 'Examples:', ...spec.examples.map((e) => `  ${e}`));
  return lines.join('\n');
}

export type ParsedOptions = Record<string, string | boolean | undefined>;

/** Parses argv by `spec`; returns undefined after printing help when --help was given. */
export function parseCommandLine(spec: CommandSpec, argv: string[]): ParsedOptions | undefined {
  const options: ParseArgsConfig['options'] = { help: { type: 'boolean', short: 'h' } };
  for (const [name, o] of Object.entries(spec.options)) {
    options[name] = { type: o.type, ...(o.short ? { short: o.short } : {}), ...(o.default !== undefined ? { default: o.default } : {}) } as never;
  }
  let values: ParsedOptions;
  try {
    values = parseArgs({ args: argv, options, allowPositionals: false, strict: true }).values as ParsedOptions;
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
  if (!Number.isInteger(n) || n < min) throw new PipelineError('USAGE', `--${name} expects a whole number >= ${min}, got ${JSON.stringify(raw)}`);
  return n;
}

export function numberOption(values: ParsedOptions, name: string, min = 0): number | undefined {
  const raw = values[name];
  if (raw === undefined || raw === false) return undefined;
  const n = Number(raw);
  if (!Number.isFinite(n) || n < min) throw new PipelineError('USAGE', `--${name} expects a number >= ${min}, got ${JSON.stringify(raw)}`);
  return n;
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
