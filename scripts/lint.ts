/**
 * `npm run lint`: the workspace's habits checked, nothing written: ESLint and Prettier for the
 * TypeScript, dpdm for circles between files, ruff for the Python, sqlfluff for the SQL in the
 * DuckDB and the Spark dialects. `npm run format` (`--write`) rewrites the layout instead: Prettier,
 * ruff format, sqlfluff fix. test/architecture/lint.test.ts runs the checks in `npm test`. See `--help`.
 */
import { execFile } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { promisify } from 'node:util';
import { PROJECT_ROOT } from '../src/config';
import { PipelineError } from '../src/errors';
import { parseCommandLine, runMain, type CommandSpec } from './lib/cli';

const execFileAsync = promisify(execFile);

/** The TypeScript Prettier and dpdm read (ESLint finds it by eslint.config.mjs). */
const TS_FILES = ['src/**/*.ts', 'scripts/**/*.ts', 'bench/**/*.ts', 'test/**/*.ts'];
/** The SQL sqlfluff reads: the cleaning rules and the nine questions (.sqlfluff says how). */
const SQL_DIRS = ['src/cleaning', 'src/analysis/queries'];

/** One tool run: `tool` is a file under node_modules/.bin or, with `python`, under .venv/bin. */
export interface LintCheck {
  name: string;
  tool: string;
  args: string[];
  python?: boolean;
}

export interface CheckResult {
  name: string;
  ok: boolean;
  seconds: number;
  /** What the tool printed (its problems), or why it could not run. */
  output: string;
}

/** The checks of `npm run lint`, none of which writes. */
export const LINT_CHECKS: readonly LintCheck[] = [
  { name: 'eslint', tool: 'eslint', args: ['--max-warnings', '0', '.'] },
  { name: 'prettier', tool: 'prettier', args: ['--check', '--log-level', 'warn', ...TS_FILES, '*.mjs'] },
  {
    name: 'circles (dpdm)',
    tool: 'dpdm',
    args: ['--no-warning', '--no-tree', '--no-progress', '--exit-code', 'circular:1', ...TS_FILES],
  },
  { name: 'ruff check', tool: 'ruff', args: ['check', '--quiet', '.'], python: true },
  { name: 'ruff format', tool: 'ruff', args: ['format', '--check', '--quiet', '.'], python: true },
  {
    name: 'sqlfluff (duckdb)',
    tool: 'sqlfluff',
    args: ['lint', '--disable-progress-bar', '--nocolor', ...SQL_DIRS],
    python: true,
  },
  // The same files read as Spark SQL: sqlfluff's sparksql takes `PERCENTILE_DISC(0.5) WITHIN GROUP (...)` (q5, q7,
  // q8) for an alias and a call to GROUP (and WITHIN for a column, RF02 where the query joins), so the four rules that
  // misreading trips are off in this run only.
  {
    name: 'sqlfluff (sparksql)',
    tool: 'sqlfluff',
    args: [
      'lint',
      '--disable-progress-bar',
      '--nocolor',
      '--dialect',
      'sparksql',
      '--exclude-rules',
      [...sqlfluffExcludedRules(), 'CP02', 'LT01', 'LT06', 'RF02'].join(','),
      ...SQL_DIRS,
    ],
    python: true,
  },
];

/** The rules .sqlfluff turns off (`--exclude-rules` replaces its list, so the Spark run repeats them). */
export function sqlfluffExcludedRules(config = readFileSync(path.join(PROJECT_ROOT, '.sqlfluff'), 'utf8')): string[] {
  const line = /^exclude_rules\s*=\s*(.*)$/m.exec(config);
  return line
    ? line[1]
        .split(',')
        .map((rule) => rule.trim())
        .filter(Boolean)
    : [];
}

/** The steps of `npm run format`: each formatter rewrites the files `npm run lint` checks. */
export const FORMAT_STEPS: readonly LintCheck[] = [
  { name: 'prettier --write', tool: 'prettier', args: ['--write', '--log-level', 'warn', ...TS_FILES, '*.mjs'] },
  // Prettier settles a few long signatures (an inline object return type) only on its second pass.
  {
    name: 'prettier --write (second pass)',
    tool: 'prettier',
    args: ['--write', '--log-level', 'warn', ...TS_FILES, '*.mjs'],
  },
  { name: 'ruff format', tool: 'ruff', args: ['format', '--quiet', '.'], python: true },
  {
    name: 'sqlfluff fix',
    tool: 'sqlfluff',
    args: ['fix', '--disable-progress-bar', '--nocolor', '--quiet', ...SQL_DIRS],
    python: true,
  },
];

/** Where the tools are: the workspace's node_modules/.bin and .venv/bin (npm ci, npm run setup:python). */
export interface ToolDirs {
  node: string;
  python: string;
}

export const TOOL_DIRS: ToolDirs = {
  node: path.join(PROJECT_ROOT, 'node_modules', '.bin'),
  python: path.join(PROJECT_ROOT, '.venv', 'bin'),
};

/** Runs one check in the workspace; a missing tool is a failed check saying how to install it. */
export async function runCheck(check: LintCheck, dirs: ToolDirs = TOOL_DIRS): Promise<CheckResult> {
  const started = performance.now();
  const done = (ok: boolean, output: string): CheckResult => ({
    name: check.name,
    ok,
    seconds: (performance.now() - started) / 1000,
    output: output.trim(),
  });
  const tool = path.join(check.python ? dirs.python : dirs.node, check.tool);
  if (!existsSync(tool)) {
    return done(
      false,
      check.python
        ? `${check.tool} is not in ${path.relative(PROJECT_ROOT, dirs.python) || dirs.python}: run npm run setup:python (requirements.txt pins it)`
        : `${check.tool} is not in ${path.relative(PROJECT_ROOT, dirs.node) || dirs.node}: run npm ci`,
    );
  }
  try {
    const { stdout, stderr } = await execFileAsync(tool, check.args, {
      cwd: PROJECT_ROOT,
      maxBuffer: 64 * 1024 * 1024,
      env: { ...process.env, NO_COLOR: '1', FORCE_COLOR: '0' },
    });
    return done(true, `${stdout}${stderr}`);
  } catch (error) {
    const { stdout = '', stderr = '', message } = error as { stdout?: string; stderr?: string; message: string };
    return done(false, `${stdout}${stderr}`.trim() || message);
  }
}

/** Runs the checks one after the other (the machine may have 2 cores), reporting each as it ends. */
export async function runChecks(
  checks: readonly LintCheck[],
  onResult: (result: CheckResult) => void = () => {},
  dirs: ToolDirs = TOOL_DIRS,
): Promise<CheckResult[]> {
  const results: CheckResult[] = [];
  for (const check of checks) {
    const result = await runCheck(check, dirs);
    onResult(result);
    results.push(result);
  }
  return results;
}

/** The failed checks with what each printed, for a test's message or the end of `npm run lint`. */
export function describeProblems(results: readonly CheckResult[]): string {
  return results
    .filter((r) => !r.ok)
    .map((r) => `── ${r.name} ──\n${r.output}`)
    .join('\n\n');
}

export const SPEC: CommandSpec = {
  name: 'npm run lint --',
  summary:
    'Checks the workspace, writing nothing: ESLint and Prettier (TypeScript), circles between files (dpdm), ruff (Python), sqlfluff in the DuckDB and Spark dialects (SQL). With --write (npm run format) it rewrites the layout instead: Prettier, ruff format, sqlfluff fix.',
  options: {
    write: {
      type: 'boolean',
      description: 'format the files (Prettier, ruff format, sqlfluff fix) instead of checking them',
    },
  },
  examples: ['npm run lint', 'npm run format'],
};

export async function main(argv: string[]): Promise<CheckResult[] | undefined> {
  const values = parseCommandLine(SPEC, argv);
  if (!values) return undefined;
  const write = values.write === true;
  const label = write ? 'format' : 'lint';
  const started = performance.now();
  const steps = write ? FORMAT_STEPS : LINT_CHECKS;
  process.stderr.write(`${label}: ${steps.map((s) => s.name).join(', ')} …\n`);
  const results = await runChecks(steps, (r) =>
    process.stderr.write(`${label}: ${r.ok ? 'ok    ' : 'FAILED'} ${r.name} (${r.seconds.toFixed(1)} s)\n`),
  );
  const failed = results.filter((r) => !r.ok);
  const seconds = ((performance.now() - started) / 1000).toFixed(1);
  if (failed.length) {
    process.stdout.write(`${describeProblems(results)}\n`);
    const fix = write ? 'see the output above' : 'npm run format fixes the layout ones, the rest are to fix by hand';
    throw new PipelineError(
      'LINT_FAILED',
      `${failed.length} of ${results.length} ${label} steps failed (${failed.map((r) => r.name).join(', ')}) in ${seconds} s; ${fix}`,
    );
  }
  process.stdout.write(
    write
      ? `format: ${results.length} formatters ran in ${seconds} s\n`
      : `lint: 0 problems (${results.length} checks in ${seconds} s)\n`,
  );
  return results;
}

if (require.main === module) runMain(main);
