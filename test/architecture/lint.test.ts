/**
 * The habits inside `npm test`: every check of `npm run lint` (ESLint, Prettier, circles between
 * files, ruff, sqlfluff in the DuckDB and Spark dialects) finds 0 problems; a failure prints what
 * the tools printed. ruff and sqlfluff come from .venv (npm run setup:python): a missing one fails,
 * saying so, in CI and outside it.
 */
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, test } from 'node:test';
import {
  describeProblems,
  LINT_CHECKS,
  runCheck,
  runChecks,
  sqlfluffExcludedRules,
  TOOL_DIRS,
} from '../../scripts/lint';

describe('npm run lint', () => {
  test('every check finds 0 problems', { timeout: 5 * 60_000 }, async () => {
    const results = await runChecks(LINT_CHECKS);
    assert.deepEqual(
      results.map((r) => r.name),
      LINT_CHECKS.map((c) => c.name),
    );
    const problems = describeProblems(results);
    assert.equal(problems, '', `npm run lint finds problems (npm run format fixes the layout ones):\n${problems}`);
  });

  test('a tool that reports problems fails its check, with its output', async () => {
    const result = await runCheck(
      {
        name: 'node says no',
        tool: path.basename(process.execPath),
        args: ['-e', 'console.log("3 problems"); process.exit(1)'],
      },
      { node: path.dirname(process.execPath), python: TOOL_DIRS.python },
    );
    assert.equal(result.ok, false);
    assert.equal(result.output, '3 problems');
  });

  test('a missing Python tool fails, saying to run npm run setup:python', async () => {
    const empty = await mkdtemp(path.join(tmpdir(), 'pp-lint-'));
    try {
      const result = await runCheck(
        { name: 'ruff check', tool: 'ruff', args: ['check'], python: true },
        { node: TOOL_DIRS.node, python: empty },
      );
      assert.equal(result.ok, false);
      assert.match(result.output, /^ruff is not in .*: run npm run setup:python \(requirements\.txt pins it\)$/);
    } finally {
      await rm(empty, { recursive: true, force: true });
    }
  });

  test('the Spark run of sqlfluff keeps the rules .sqlfluff turns off', () => {
    assert.deepEqual(sqlfluffExcludedRules('[sqlfluff]\ndialect = duckdb\nexclude_rules = LT08, AM05\n'), [
      'LT08',
      'AM05',
    ]);
    const spark = LINT_CHECKS.find((c) => c.name === 'sqlfluff (sparksql)');
    const excluded = spark?.args[spark.args.indexOf('--exclude-rules') + 1].split(',') ?? [];
    for (const rule of sqlfluffExcludedRules())
      assert.ok(excluded.includes(rule), `${rule} is off in .sqlfluff but not in the Spark run`);
  });
});
