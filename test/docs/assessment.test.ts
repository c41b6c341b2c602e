/**
 * docs/assessment.md, the assessor's map, is run as written: the commands of every milestone's
 * section run in the doc's order on one local stack of this test (`npm run stack &` is started as
 * a child and stopped at the end), each exits 0 and prints the lines of the section's excerpt
 * (numbers aside: counts, ports and timings differ from run to run). The doc is the one source:
 * the test reads its sections; the table at its top names only commands of those sections and
 * links only files that exist.
 *
 * What the test adds to a learner's command, so that it runs beside anything else on the machine
 * and stops: the stack's data folder and free ports, this test's output folder instead of
 * output/, an empty credentials/ folder (never a learner's AWS), and a small `--count` for the
 * emulations (`ISOLATE` below). Spark and Airflow need .venv: skipped without it, failed under CI.
 */
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { readRunningStack } from '../../src/local-stack/start-local-stack';
import { pythonSkip } from '../orchestration/python-env';
import { runProcess, WORKSPACE_ROOT, type ProcessRun } from '../support/run-process';

const DOC = path.join(WORKSPACE_ROOT, 'docs', 'assessment.md');
/** Posts per emulation here: enough for every question to have answers, quick on 2 cores. */
const POSTS = '1000';
/** The ports of the commands as written (the stack's defaults), replaced by this test's. */
const DEFAULT_S3 = 'http://127.0.0.1:4568';

export interface Milestone {
  id: string;
  title: string;
  /** The lines of its ```sh block: commands, and `export NAME=value ...` lines. */
  commands: string[];
  /** The excerpt, per command: `$ <command>` starts each chunk. */
  excerpts: { command: string; lines: string[] }[];
}

/** The milestones of the doc: each `## M<n> <title>` section with its ```sh and ```text blocks. */
export function parseAssessment(markdown: string): Milestone[] {
  const sections = markdown.split(/^## (?=M\d+ )/m).slice(1);
  return sections.map((section) => {
    const [heading] = section.split('\n', 1);
    const [, id, title] = /^(M\d+) (.+)$/.exec(heading) ?? [];
    assert.ok(id && title, `a heading "## ${heading}" is not "## M<n> <title>"`);
    const block = (language: string) => new RegExp('^```' + language + '\\n([\\s\\S]*?)^```$', 'm').exec(section)?.[1];
    const sh = block('sh');
    const text = block('text');
    assert.ok(sh, `${id} has no \`\`\`sh block of commands`);
    assert.ok(text, `${id} has no \`\`\`text block of what the commands printed`);
    const commands = sh
      .split('\n')
      .map((line) => line.replace(/\s+#.*$/, '').trim())
      .filter((line) => line && !line.startsWith('#'));
    const excerpts: Milestone['excerpts'] = [];
    for (const line of text.split('\n')) {
      if (line.startsWith('$ ')) excerpts.push({ command: line.slice(2).trim(), lines: [] });
      else if (line.trim()) {
        assert.ok(excerpts.length, `${id}: the excerpt must start with "$ <command>"`);
        excerpts[excerpts.length - 1].lines.push(line);
      }
    }
    for (const excerpt of excerpts)
      assert.ok(commands.includes(excerpt.command), `${id}: "$ ${excerpt.command}" is not a command of its sh block`);
    return { id, title, commands, excerpts };
  });
}

/** One line as compared: no colours, single spaces, every number `#`. */
export function normaliseLine(line: string): string {
  /* eslint-disable no-control-regex -- ESC (\x1b) starts the colour codes taken out */
  return line
    .replace(/\x1b\[[0-9;]*m/g, '')
    .replace(/\d+(?:[.,]\d+)*/g, '#')
    .replace(/\s+/g, ' ')
    .trim();
  /* eslint-enable no-control-regex */
}

/** The excerpt's lines (an ellipsis line skips) that the output lacks, in order. */
export function missingLines(excerpt: readonly string[], output: string): string[] {
  const printed = output.split('\n').map(normaliseLine);
  const missing: string[] = [];
  let at = 0;
  for (const line of excerpt) {
    const wanted = normaliseLine(line);
    if (wanted === '…' || wanted === '...') continue;
    const found = printed.indexOf(wanted, at);
    if (found < 0) missing.push(line);
    else at = found + 1;
  }
  return missing;
}

interface Run {
  dir: string;
  dataDir: string;
  output: string;
  env: NodeJS.ProcessEnv;
  s3?: string;
}

/** What the test adds to `npm run <script>` (see the header). A script not listed fails the test: say how it is isolated. */
const ISOLATE: Record<string, (run: Run) => string[]> = {
  stack: (run) => [
    '--data-dir',
    run.dataDir,
    '--gateway-port',
    '0',
    '--rest-proxy-port',
    '0',
    '--s3-port',
    '0',
    '--kinesis-port',
    '0',
    '--kafka-port',
    '0',
  ],
  'setup:kafka': () => [],
  // Its own options go before the tool's (see commandLine).
  kafka: (run) => ['--data-dir', run.dataDir],
  'create-topics': (run) => ['--data-dir', run.dataDir],
  'emulate:batch': (run) => [
    '--data-dir',
    run.dataDir,
    '--count',
    POSTS,
    '--quarantine',
    path.join(run.output, 'quarantine', 'emulation-batch.jsonl'),
  ],
  'emulate:stream': (run) => [
    '--data-dir',
    run.dataDir,
    '--count',
    POSTS,
    '--quarantine',
    path.join(run.output, 'quarantine', 'emulation-stream.jsonl'),
  ],
  doctor: (run) => ['--data-dir', run.dataDir],
  clean: (run) => [
    '--data-dir',
    run.dataDir,
    '--out',
    path.join(run.output, 'clean'),
    '--quarantine',
    path.join(run.output, 'quarantine'),
  ],
  analyse: (run) => ['--clean-dir', path.join(run.output, 'clean'), '--out', run.output],
  stream: (run) => [
    '--data-dir',
    run.dataDir,
    '--quarantine',
    path.join(run.output, 'quarantine', 'streaming-quarantine.jsonl'),
    '--database',
    path.join(run.output, 'streaming.duckdb'),
  ],
  spark: () => [],
  'databricks:run': () => [],
};

/** The command's words with the defaults of a learner's machine replaced by this test's. */
function localise(word: string, run: Run): string {
  return word
    .replace(DEFAULT_S3, run.s3 ?? DEFAULT_S3)
    .replace(/^\$PWD\/output(?=\/|$)/, run.output)
    .replace(/^output(?=\/|$)/, run.output)
    .replace(/^\$PWD(?=\/|$)/, WORKSPACE_ROOT);
}

/** `npm run x -- a b` → npm's arguments with the isolation options; anything else → bash -c. */
function commandLine(command: string, run: Run): { file: string; args: string[] } {
  const words = command.replace(/\s*&$/, '').split(/\s+/);
  if (words[0] === 'npm' && words[1] === 'run') {
    const script = words[2];
    const isolate = ISOLATE[script];
    assert.ok(isolate, `the test does not know how to isolate npm run ${script}: add it to ISOLATE`);
    const given = words.slice(words[3] === '--' ? 4 : 3).map((word) => localise(word, run));
    // `npm run kafka -- <tool> ...` passes everything after the tool's name to the tool.
    const args = script === 'kafka' ? [...isolate(run), ...given] : [...given, ...isolate(run)];
    return { file: 'npm', args: ['run', '-s', script, '--', ...args] };
  }
  return { file: 'bash', args: ['-c', words.map((word) => localise(word, run)).join(' ')] };
}

/** Output as a learner sees it: this test's folders under their default names, paths relative to the workspace. */
function asLearnerSees(text: string, run: Run): string {
  return text
    .split(run.output)
    .join('output')
    .split(run.dataDir)
    .join('.local-stack')
    .split(`${WORKSPACE_ROOT}/`)
    .join('');
}

/** Signals the process group `pid` leads; one already gone is fine. */
function signalGroup(pid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(-pid, signal);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ESRCH') throw error;
  }
}

/** Spark and Airflow commands: they need .venv. */
function usesPython(command: string): boolean {
  return /^npm run spark( |$)|\.venv\//.test(command);
}

const markdown = existsSync(DOC) ? readFileSync(DOC, 'utf8') : '';
const milestones = markdown ? parseAssessment(markdown) : [];

describe("docs/assessment.md: the assessor's map", () => {
  test('has a section for each course milestone, M3 to M9, and a table row linking each', () => {
    assert.ok(markdown, `${DOC} is missing`);
    assert.deepEqual(
      milestones.map((m) => m.id),
      ['M3', 'M4', 'M5', 'M6', 'M7', 'M8', 'M9'],
    );
    const rows = markdown
      .replace(/<!--[\s\S]*?-->/g, '')
      .split('\n')
      .filter((line) => /^\| \[?M\d+/.test(line));
    assert.equal(rows.length, milestones.length, 'one table row per milestone');
    for (const [i, row] of rows.entries()) {
      const milestone = milestones[i];
      // GitHub's anchor of the section's heading: lower case, spaces to -, punctuation dropped.
      const anchor = `${milestone.id} ${milestone.title}`
        .toLowerCase()
        .replace(/[^a-z0-9 -]/g, '')
        .replace(/ /g, '-');
      assert.ok(
        row.startsWith(`| [${milestone.id}](#${anchor}) `),
        `row ${i + 1} does not start with [${milestone.id}](#${anchor})`,
      );
      // A command ending in " ..." stands for the section's command that starts so.
      for (const [, command] of row.matchAll(/`((?:npm|\.venv)[^`]*)`/g)) {
        const named = command.endsWith(' ...')
          ? milestone.commands.some((c) => c.startsWith(command.slice(0, -3)))
          : milestone.commands.includes(command);
        assert.ok(named, `${milestone.id}'s row names \`${command}\`, which its section does not run`);
      }
    }
  });

  test('every link to a file of the workspace resolves', () => {
    for (const [, target] of markdown.matchAll(/\]\(((?!https?:|#)[^)#\s]+)(?:#[^)]*)?\)/g)) {
      assert.ok(
        existsSync(path.resolve(path.dirname(DOC), target)),
        `docs/assessment.md links ${target}, which does not exist`,
      );
    }
  });

  test('has no absolute path of a machine', () => {
    assert.doesNotMatch(markdown, /\/(home|tmp|work|Users)\/\w/);
  });
});

describe('an excerpt is found in what a command printed', () => {
  test('in order, numbers and spacing aside; a line that is not printed, or printed out of order, is missing', () => {
    const printed = 'reading 69/69 objects\n  table  records\n  pin    11,153\n  geo    11,153\ndone in 1.5 s\n';
    assert.deepEqual(missingLines(['table records', 'pin 1,000', '…', 'done in 30 s'], printed), []);
    assert.deepEqual(missingLines(['geo 5', 'pin 5'], printed), ['pin 5']);
    assert.deepEqual(missingLines(['user 11,153'], printed), ['user 11,153']);
    assert.deepEqual(missingLines(['pin exists'], 'pin created\n'), ['pin exists']);
  });
});

describe('docs/assessment.md: every command runs and prints its excerpt', () => {
  const run: Run = { dir: '', dataDir: '', output: '', env: {} };
  let stack: ChildProcess | undefined;
  let stackOutput = '';
  const started = Date.now();

  before(async () => {
    run.dir = await mkdtemp(path.join(tmpdir(), 'pp-assessment-'));
    run.dataDir = path.join(run.dir, 'stack');
    run.output = path.join(run.dir, 'output');
    await mkdir(path.join(run.dir, 'credentials'));
    await mkdir(run.output);
    const env: NodeJS.ProcessEnv = {};
    for (const [key, value] of Object.entries(process.env))
      if (!/^(PP_|DB_|DATABRICKS_|AWS_|AIRFLOW)/.test(key)) env[key] = value;
    run.env = { ...env, PP_CREDENTIALS_DIR: path.join(run.dir, 'credentials') };
  });

  after(async () => {
    if (stack?.pid && stack.exitCode === null && stack.signalCode === null) {
      // Ctrl-C to the stack's process group (npm and the stack under it), as a learner stops it; SIGKILL if it has not stopped in 15 s.
      const exited = new Promise((resolve) => stack?.once('close', resolve));
      signalGroup(stack.pid, 'SIGINT');
      const stopped = await Promise.race([
        exited.then(() => true),
        new Promise<boolean>((resolve) => setTimeout(() => resolve(false), 15_000)),
      ]);
      if (!stopped) signalGroup(stack.pid, 'SIGKILL');
    }
    if (run.dir) await rm(run.dir, { recursive: true, force: true });
    process.stdout.write(
      `# docs/assessment.md: every command run in ${((Date.now() - started) / 1000).toFixed(0)} s\n`,
    );
  });

  /** Starts `npm run stack &` as a child in its own process group and waits for its stack.json. */
  async function startStack(command: string): Promise<ProcessRun> {
    const { file, args } = commandLine(command, run);
    stack = spawn(file, args, { cwd: WORKSPACE_ROOT, env: run.env, detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
    stack.stdout?.on('data', (chunk: Buffer) => {
      stackOutput += chunk.toString('utf8');
    });
    stack.stderr?.on('data', (chunk: Buffer) => {
      stackOutput += chunk.toString('utf8');
    });
    for (let i = 0; i < 600 && stack.exitCode === null && !/press Ctrl-C/.test(stackOutput); i++)
      await new Promise((resolve) => setTimeout(resolve, 100));
    const running = await readRunningStack(run.dataDir);
    assert.ok(running, `npm run stack did not start: ${stackOutput}`);
    run.s3 = running.endpoints.s3;
    return { code: 0, stdout: stackOutput, stderr: '', errors: [], pid: stack.pid ?? 0, ms: 0 };
  }

  async function runCommand(command: string): Promise<ProcessRun> {
    if (/^npm run stack( |$)/.test(command)) return startStack(command);
    if (command.startsWith('export ')) {
      for (const [, name, value] of command.slice(7).matchAll(/(\w+)=(\S+)/g)) run.env[name] = localise(value, run);
      return { code: 0, stdout: '', stderr: '', errors: [], pid: 0, ms: 0 };
    }
    const { file, args } = commandLine(command, run);
    return runProcess(file, args, { cwd: WORKSPACE_ROOT, env: run.env, timeoutMs: 5 * 60_000 });
  }

  for (const milestone of milestones) {
    test(`${milestone.id} ${milestone.title}`, async (t) => {
      const skipped: string[] = [];
      for (const command of milestone.commands) {
        const skip = usesPython(command) ? pythonSkip() : false;
        if (skip) {
          skipped.push(`${command} (${skip})`);
          continue;
        }
        const result = await runCommand(command);
        const printed = asLearnerSees(`${result.stdout}\n${result.stderr}`, run);
        assert.equal(result.code, 0, `${milestone.id}: \`${command}\` exited ${result.code}:\n${printed.slice(-3000)}`);
        for (const excerpt of milestone.excerpts.filter((e) => e.command === command)) {
          const missing = missingLines(excerpt.lines, printed);
          assert.deepEqual(
            missing,
            [],
            `${milestone.id}: \`${command}\` no longer prints these lines of docs/assessment.md (numbers aside); it printed:\n${printed.slice(-4000)}`,
          );
        }
      }
      if (skipped.length) t.skip(`not run: ${skipped.join('; ')}`);
    });
  }
});
