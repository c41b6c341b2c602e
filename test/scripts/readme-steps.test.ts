/**
 * The README's steps, walked as a learner walks them: the commands of its step table, exactly as
 * written and in order, with their defaults, in a fresh copy of the repository: `npm run stack` in
 * the background, then each command in turn. Each must end by itself, every wait must print
 * progress, and the answers must equal `npm start`'s, run first in the same copy.
 */
import assert from 'node:assert/strict';
import { spawn, execFileSync, type ChildProcess } from 'node:child_process';
import { cpSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { runProcess, WORKSPACE_ROOT, type ProcessRun } from '../support/run-process';

/** The commands of the README's step table, in order (the table between the `steps` markers). */
export function readmeStepCommands(readme: string): string[] {
  const start = readme.indexOf('<!-- steps:start -->');
  const end = readme.indexOf('<!-- steps:end -->');
  assert.ok(
    start >= 0 && end > start,
    'README.md has the <!-- steps:start --> and <!-- steps:end --> markers around its step table',
  );
  const rows = readme
    .slice(start, end)
    .split('\n')
    .filter((line) => /^\| \d+ \|/.test(line));
  return rows.flatMap((row) => {
    const cells = row.split('|').map((cell) => cell.trim());
    return [...(cells[4] ?? '').matchAll(/`([^`]+)`/g)].map((m) => m[1] as string);
  });
}

/** A line of progress as a script prints it off a terminal: a count with a rate, or a percentage. */
const PROGRESS = /\(\d+\/s\)|\d+ records\/s|\d+%/;
/** A command that waits longer than this (beyond starting npm and tsx) must have printed progress. */
const WAIT_MS = 3_000;

/** The environment of a learner with no credentials and no overrides. */
function learnerEnv(): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env, CI: process.env.CI };
  for (const name of Object.keys(env)) if (/^(PP_|DB_|DATABRICKS_|npm_)/.test(name)) delete env[name];
  return env;
}

/** `npm run x -- y` as an argument list for npm. */
function npmArgs(command: string): string[] {
  const words = command.split(/\s+/);
  assert.equal(words[0], 'npm', `a step command starts with npm: ${command}`);
  return words.slice(1);
}

describe("the README's steps, walked on a fresh copy, give npm start's answers", { timeout: 900_000 }, () => {
  let work: string;
  let copy: string;
  let stack: ChildProcess | undefined;
  let stackOutput = () => '';
  const commands = readmeStepCommands(readFileSync(path.join(WORKSPACE_ROOT, 'README.md'), 'utf8'));

  before(() => {
    work = mkdtempSync(path.join(tmpdir(), 'pp-readme-steps-'));
    copy = path.join(work, 'repo');
    mkdirSync(copy);
    // The repository as a fresh clone has it (tracked files only), with this checkout's installed packages.
    const files = execFileSync('git', ['ls-files', '-z'], { cwd: WORKSPACE_ROOT, encoding: 'utf8' })
      .split('\0')
      .filter(Boolean);
    for (const file of files) cpSync(path.join(WORKSPACE_ROOT, file), path.join(copy, file), { recursive: true });
    symlinkSync(path.join(WORKSPACE_ROOT, 'node_modules'), path.join(copy, 'node_modules'));
  });
  after(() => {
    // npm, its shell, tsx and the stack: the whole process group, as a terminal's Ctrl-C reaches it.
    if (stack?.pid && stack.exitCode === null && stack.signalCode === null) {
      try {
        process.kill(-stack.pid, 'SIGKILL');
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== 'ESRCH') throw error;
      }
    }
    rmSync(work, { recursive: true, force: true });
  });

  test("the step table lists the learner's commands, the stack first", () => {
    assert.deepEqual(commands.slice(0, 7), [
      'npm run stack',
      'npm run create-topics',
      'npm run emulate:batch',
      'npm run emulate:stream',
      'npm run clean',
      'npm run analyse',
      'npm run stream',
    ]);
  });

  test("npm start, then each step in order: each ends by itself, every wait prints progress, the answers are npm start's", async (t) => {
    const env = learnerEnv();
    const started = performance.now();
    const start = await runProcess('npm', ['start'], { cwd: copy, env, timeoutMs: 300_000 });
    const startMs = performance.now() - started;
    assert.equal(start.code, 0, `npm start: ${start.stdout.slice(-2000)}\n${start.stderr.slice(-2000)}`);
    assert.match(start.stdout, /every record is accounted for/);
    const answersDir = path.join(copy, 'output', 'answers');
    const expected = new Map(
      readdirSync(answersDir)
        .filter((name) => name.endsWith('.csv'))
        .map((name) => [name, readFileSync(path.join(answersDir, name), 'utf8')]),
    );
    assert.equal(expected.size, 9);
    rmSync(path.join(copy, 'output'), { recursive: true, force: true });

    // What starting a script costs on this machine now (npm, tsx, parsing): not a wait of the step's.
    const helpStarted = performance.now();
    assert.equal((await runProcess('npm', ['run', 'analyse', '--', '--help'], { cwd: copy, env })).code, 0);
    const startupMs = performance.now() - helpStarted;

    const walkStarted = performance.now();
    const timings: string[] = [];
    for (const command of commands) {
      const began = performance.now();
      if (command === 'npm run stack') {
        stack = spawn('npm', npmArgs(command), { cwd: copy, env, stdio: ['ignore', 'pipe', 'pipe'], detached: true });
        stackOutput = collect(stack);
        await waitForLine(stack, /press Ctrl-C to stop/, 120_000);
        timings.push(`${command}: ready in ${Math.round(performance.now() - began)} ms`);
        continue;
      }
      const run: ProcessRun = await runProcess('npm', npmArgs(command), { cwd: copy, env, timeoutMs: 600_000 });
      const ms = performance.now() - began;
      timings.push(`${command}: ${Math.round(ms)} ms`);
      assert.equal(
        run.code,
        0,
        `${command} ended with ${run.code === null ? 'a kill after 10 minutes (it did not end by itself)' : `exit ${run.code}`}:\n${run.stdout.slice(-2000)}\n${run.stderr.slice(-2000)}`,
      );
      if (ms > startupMs + WAIT_MS)
        assert.match(
          run.stdout + run.stderr,
          PROGRESS,
          `${command} took ${Math.round(ms)} ms (starting a script: ${Math.round(startupMs)} ms) and printed no progress:\n${run.stderr.slice(-2000)}`,
        );
      if (command === 'npm run stream')
        assert.match(run.stdout, /\(6979 in table\)/, "each streaming table holds the batch step's cleaned rows");
    }
    const walkMs = performance.now() - walkStarted;
    assert.ok(stack?.pid, 'the walk started the stack');
    const exited = new Promise<void>((resolve) => stack?.once('exit', () => resolve()));
    process.kill(-stack.pid, 'SIGINT'); // Ctrl-C in its terminal
    await exited;
    assert.match(
      stackOutput(),
      /SIGINT: stopping the local stack\nlocal stack stopped/,
      'Ctrl-C stops the stack cleanly',
    );

    for (const [name, text] of expected)
      assert.equal(
        readFileSync(path.join(answersDir, name), 'utf8'),
        text,
        `${name}: the walk's answer equals npm start's`,
      );
    t.diagnostic(
      `npm start ${Math.round(startMs)} ms; the walk ${Math.round(walkMs)} ms (${(walkMs / startMs).toFixed(2)}×)`,
    );
    for (const line of timings) t.diagnostic(line);
  });
});

/** What `child` prints, as it prints it. */
function collect(child: ChildProcess): () => string {
  let text = '';
  child.stdout?.on('data', (chunk: Buffer) => {
    text += chunk.toString('utf8');
  });
  child.stderr?.on('data', (chunk: Buffer) => {
    text += chunk.toString('utf8');
  });
  return () => text;
}

/** Resolves once `child` printed a line matching `pattern`; rejects when it exits or `timeoutMs` passes first. */
function waitForLine(child: ChildProcess, pattern: RegExp, timeoutMs: number): Promise<void> {
  return new Promise((resolve, reject) => {
    let text = '';
    const timer = setTimeout(
      () => reject(new Error(`no line matching ${pattern} after ${timeoutMs} ms:\n${text}`)),
      timeoutMs,
    );
    const onData = (chunk: Buffer) => {
      text += chunk.toString('utf8');
      if (pattern.test(text)) {
        clearTimeout(timer);
        resolve();
      }
    };
    child.stdout?.on('data', onData);
    child.stderr?.on('data', onData);
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`exited with ${code} before printing ${pattern}:\n${text}`));
    });
  });
}
