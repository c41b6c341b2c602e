/**
 * `npm run notebooks` executes 00 → 06 in order against one fresh local stack, and stops it at the
 * end. Run here as a learner runs it, on a fresh copy of the repository (its tracked files; this
 * checkout's packages linked, the notebooks' `@pinterest-pipeline/*` links pointing into the copy, so
 * nothing lands in this checkout), on free ports, writing the executed notebooks to a temporary
 * folder: every cell runs, no stack is left running, and the executed notebook 04 prints the same
 * answers as the committed one.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { projectPath } from '../../src/config';
import { ANSWER_DIGEST_LINE } from '../../src/notebook/show-answer';
import { executeNotebook, findJupyter } from '../../src/notebook/run-notebook';
import { readRunningStack } from '../../src/local-stack/start-local-stack';
import { runProcess, WORKSPACE_ROOT } from '../support/run-process';

interface Output {
  output_type: string;
  name?: string;
  text?: string | string[];
  data?: Record<string, unknown>;
}
interface Cell {
  cell_type: string;
  source: string[];
  outputs?: Output[];
}

const cellsOf = (file: string) => (JSON.parse(readFileSync(file, 'utf8')) as { cells: Cell[] }).cells;
const stdoutLines = (cells: Cell[]) =>
  cells
    .flatMap((c) => c.outputs ?? [])
    .filter((o) => o.output_type === 'stream' && o.name === 'stdout')
    .flatMap((o) => [o.text ?? ''].flat().join('').split('\n'))
    .map((line) => line.trim());

/** A fresh copy of the repository at `copy`: tracked files, the packages of this checkout, its Python. */
function copyRepository(copy: string): void {
  mkdirSync(copy, { recursive: true });
  const files = execFileSync('git', ['ls-files', '-z'], { cwd: WORKSPACE_ROOT, encoding: 'utf8' })
    .split('\0')
    .filter(Boolean);
  for (const file of files) cpSync(path.join(WORKSPACE_ROOT, file), path.join(copy, file), { recursive: true });
  const modules = path.join(copy, 'node_modules');
  mkdirSync(path.join(modules, '@pinterest-pipeline'), { recursive: true });
  for (const entry of readdirSync(path.join(WORKSPACE_ROOT, 'node_modules'))) {
    if (entry !== '@pinterest-pipeline')
      symlinkSync(path.join(WORKSPACE_ROOT, 'node_modules', entry), path.join(modules, entry));
  }
  symlinkSync(path.join(copy, 'src'), path.join(modules, '@pinterest-pipeline', 'src'));
  symlinkSync(path.join(copy, 'test', 'support'), path.join(modules, '@pinterest-pipeline', 'test-support'));
  if (!files.includes('.venv') && existsSync(path.join(WORKSPACE_ROOT, '.venv')))
    symlinkSync(path.join(WORKSPACE_ROOT, '.venv'), path.join(copy, '.venv'));
}

describe('npm run notebooks executes 00 → 06 against one fresh local stack', { timeout: 40 * 60_000 }, () => {
  const jupyter = findJupyter();
  const missing = jupyter.ok ? undefined : jupyter.reason;
  if (missing && process.env.CI === 'true') {
    test('Jupyter with the tslab kernel is available under CI', () => assert.fail(missing));
    return;
  }
  let work: string;
  let copy: string;
  let executed: string;
  before(() => {
    work = mkdtempSync(path.join(tmpdir(), 'pp-notebooks-'));
    copy = path.join(work, 'repo');
    executed = path.join(work, 'executed');
    if (!missing) copyRepository(copy);
  });
  after(async () => {
    const stack = await readRunningStack(path.join(copy, '.local-stack'));
    if (stack) process.kill(stack.pid, 'SIGKILL');
    rmSync(work, { recursive: true, force: true });
  });

  test(
    'opened alone with no stack running, a notebook works on its fallback sample and says so in its first line',
    { skip: missing, timeout: 10 * 60_000 },
    async () => {
      const expected: Record<string, RegExp> = {
        '03-clean-batch.ipynb': /^no local stack is running: 1,000 generated posts instead/,
        '04-analysis.ipynb': /^no completed batch run in output\/clean .*: 2,000 generated posts instead/,
      };
      for (const [name, first] of Object.entries(expected)) {
        const output = path.join(work, 'alone', name);
        await executeNotebook(path.join(copy, 'notebooks', name), { outputPath: output });
        const firstCode = cellsOf(output)
          .filter((c) => c.cell_type === 'code')
          .slice(0, 1);
        assert.match(stdoutLines(firstCode)[0] ?? '', first, `${name}'s first output line`);
      }
      assert.ok(!existsSync(path.join(copy, 'output', 'clean')), 'a sample writes no cleaned tables to output/clean');
    },
  );

  test(
    'every notebook runs, in order, and the stack stops at the end',
    { skip: missing, timeout: 40 * 60_000 },
    async () => {
      const run = await runProcess(
        process.execPath,
        ['--import', 'tsx', 'scripts/run-notebooks.ts', '--free-ports', '--output-dir', executed],
        { cwd: copy, timeoutMs: 35 * 60_000 },
      );
      assert.equal(run.code, 0, `npm run notebooks failed:\n${run.stderr.slice(-3000)}`);
      const notebooks = readdirSync(projectPath('notebooks'))
        .filter((f) => f.endsWith('.ipynb'))
        .sort();
      assert.deepEqual(
        run.stderr.match(/^ {2}ok [\w-]+\.ipynb/gm)?.map((line) => line.trim().slice(3)),
        notebooks,
        'each notebook ran, in order',
      );
      assert.match(run.stderr, /local stack stopped/, 'the stack notebook 01 started was stopped at the end');
      assert.equal(await readRunningStack(path.join(copy, '.local-stack')), undefined, 'no stack is left running');

      for (const name of notebooks) {
        const cells = cellsOf(path.join(executed, name));
        for (const cell of cells.filter((c) => c.cell_type === 'code')) {
          assert.ok(
            !cell.outputs?.some((o) => o.output_type === 'error'),
            `a cell failed in ${name}: ${cell.source.join('')}`,
          );
          assert.ok(
            (cell.outputs ?? []).length > 0,
            `${name}: every cell shows something (${cell.source.join('').slice(0, 60)})`,
          );
        }
        const shown = cells
          .flatMap((c) => c.outputs ?? [])
          .map((o) =>
            [
              o.text ?? '',
              ...(Object.values(o.data ?? {}).filter((v) => typeof v === 'string' || Array.isArray(v)) as (
                string | string[]
              )[]),
            ]
              .flat()
              .join(''),
          )
          .join('\n');
        assert.doesNotMatch(
          shown,
          /generated posts instead/,
          `${name} ran against the stack, not on its fallback sample`,
        );
        if (name.startsWith('02-'))
          assert.match(
            shown,
            /topic +localuser\.pin +created|<td>topic<\/td><td>localuser\.pin<\/td><td>created<\/td>/,
            '02 creates the topics',
          );
        if (name.startsWith('03-')) {
          // The danfojs profile of the raw rows, then each rule's before and after from the SQL's output.
          for (const title of [
            'the shapes of follower_count',
            'its most frequent value',
            'what precedes the path in save_location',
            'repeated unique_id',
          ])
            assert.ok(shown.includes(title), `03 shows ${title}`);
          assert.match(shown, /No Title Data Available/, 'the profile shows a placeholder');
          const rules = shown.match(/rule: [^<]+\((\d+) rows changed\)/g) ?? [];
          assert.ok(
            rules.filter((r) => !/\(0 rows changed\)/.test(r)).length >= 10,
            `03 shows each rule changing rows (${rules.length})`,
          );
          assert.match(
            shown,
            /every record below the end offsets read/,
            '03 cleaned a completed run into output/clean',
          );
        }
        if (name.startsWith('04-')) {
          const digests = (lines: string[]) => lines.filter((line) => ANSWER_DIGEST_LINE.test(line)).sort();
          const now = digests(stdoutLines(cells));
          assert.equal(now.length, 9, "04 prints the nine answers' digest lines");
          assert.deepEqual(
            now,
            digests(stdoutLines(cellsOf(projectPath('notebooks', name)))),
            'the committed notebook 04 shows what npm run notebooks answers now',
          );
        }
        if (name.startsWith('05-')) assert.match(shown, /stopped by idle/, '05 consumes until idle');
      }
    },
  );
});
