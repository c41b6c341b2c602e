/**
 * `npm run spark`'s command line (scripts/spark.sh → src/orchestration/spark_runner.py): its help, its
 * one-line errors, and how it splits a notebook into cells. Nothing here starts Spark; the notebooks
 * themselves run in spark-parity.test.ts.
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { after, describe, test } from 'node:test';
import { PROJECT_ROOT } from '../../src/config';
import { DEFAULT_PORTS } from '../../src/local-stack/start-local-stack';
import { buildDatabricksNotebooks, NOTEBOOK_FILES, notebookCells } from '../../src/orchestration/databricks-notebooks';
import { pythonSkip, runPython, SPARK_RUNNER } from './python-env';

const dir = mkdtempSync(path.join(tmpdir(), 'pp-spark-runner-'));

describe('npm run spark: the command line', { skip: pythonSkip() }, () => {
  after(() => rmSync(dir, { recursive: true, force: true }));

  test('--help names the options', async () => {
    const run = await runPython([SPARK_RUNNER, '--help']);
    assert.equal(run.code, 0);
    for (const option of [
      '--user-id',
      '--param',
      '--sink',
      '--s3-endpoint',
      '--kinesis-endpoint',
      '--trigger',
      '--master',
      '--remote',
      '--warehouse',
      '--results',
      '--export',
    ])
      assert.ok(run.stdout.includes(option), option);
    assert.match(run.stdout, /usage: npm run spark --/);
  });

  test("--help examples run as written: npm scripts that exist, the local stack's default ports, a --sink folder a command writes", async () => {
    const run = await runPython([SPARK_RUNNER, '--help']);
    const scripts = Object.keys(
      (JSON.parse(readFileSync(path.join(PROJECT_ROOT, 'package.json'), 'utf8')) as { scripts: Record<string, string> })
        .scripts,
    );
    const used = [...run.stdout.matchAll(/npm run ([\w:-]+)/g)].map((m) => m[1]);
    assert.ok(used.length >= 4);
    for (const script of used) assert.ok(scripts.includes(script), `npm run ${script} is a script of package.json`);
    const ports = [...run.stdout.matchAll(/127\.0\.0\.1:(\d+)/g)].map((m) => Number(m[1]));
    assert.deepEqual(
      [...new Set(ports)].sort(),
      [DEFAULT_PORTS.kinesis, DEFAULT_PORTS.s3].sort(),
      "only the stack's Kinesis and S3 ports",
    );
    const sink = /npm run download-bucket -- --to (\S+) && npm run spark -- .* --sink (\S+)/.exec(run.stdout);
    assert.ok(sink && sink[1] === sink[2], 'the --sink example reads the folder download-bucket writes');
  });

  test('a missing notebook, a missing sink folder, a file that is not a notebook: one line each, exit 1', async () => {
    const notebook = path.join(PROJECT_ROOT, 'databricks', NOTEBOOK_FILES.batchClean);
    const plain = path.join(dir, 'plain.sql');
    writeFileSync(plain, 'SELECT 1\n');
    const cases: [string[], RegExp][] = [
      [['databricks/nope.sql'], /^spark: databricks\/nope\.sql not found$/],
      [[notebook, '--sink', path.join(dir, 'absent')], /^spark: --sink .*absent: no such folder$/],
      [
        [plain, '--sink', dir],
        /^spark: .*plain\.sql: not a Databricks notebook source file: the first line is 'SELECT 1'$/,
      ],
      [[notebook, '--param', 'novalue'], /^spark: --param 'novalue': expected NAME=VALUE$/],
    ];
    for (const [args, expected] of cases) {
      const run = await runPython([SPARK_RUNNER, ...args]);
      assert.equal(run.code, 1, args.join(' '));
      assert.match(run.stderr.trim(), expected);
    }
  });

  test("a wait over 3 s shows progress (the bucket copy's count, the session start), nothing for a shorter one", async () => {
    const code = (seconds: number) =>
      [
        'import sys, time',
        `sys.path.insert(0, ${JSON.stringify(path.dirname(SPARK_RUNNER))})`,
        'from spark_runner import Ticker',
        'with Ticker("copying s3://b:", "objects") as ticker:',
        `    for i in range(${seconds * 10}):`,
        '        ticker.count = i + 1',
        '        time.sleep(0.1)',
      ].join('\n');
    const long = await runPython(['-c', code(4)]);
    assert.equal(long.code, 0, long.stderr);
    assert.match(long.stderr, /^spark: copying s3:\/\/b: \d+ objects \(3 s\)$/m);
    const short = await runPython(['-c', code(1)]);
    assert.equal(short.stderr, '');
  });

  test('cells: markdown skipped, %python cells of a SQL notebook run as Python, the rest as SQL', async () => {
    const code = [
      'import json, sys',
      `sys.path.insert(0, ${JSON.stringify(path.dirname(SPARK_RUNNER))})`,
      'from spark_runner import notebook_cells',
      'print(json.dumps(notebook_cells(sys.stdin.read())))',
    ].join('\n');
    for (const name of Object.values(NOTEBOOK_FILES)) {
      const text = buildDatabricksNotebooks()[name];
      const run = await runPython(['-c', code], { input: text });
      assert.equal(run.code, 0, run.stderr);
      const cells = JSON.parse(run.stdout) as [string, string][];
      assert.equal(cells.length, notebookCells(text).length, name);
      const languages = new Set(cells.map(([language]) => language));
      assert.ok(languages.has('md') && languages.has('python'), name);
      assert.equal(languages.has('sql'), name.endsWith('.sql'), name);
      for (const [language, body] of cells)
        if (language !== 'md')
          assert.doesNotMatch(body, /^(-- |# )MAGIC/m, `${name}: a ${language} cell keeps no MAGIC prefix`);
    }
  });
});

describe('scripts/spark.sh and scripts/spark-cluster.sh without .venv', () => {
  test('say to run npm run setup:python, exit 1', async () => {
    const root = mkdtempSync(path.join(tmpdir(), 'pp-spark-novenv-'));
    try {
      mkdirSync(path.join(root, 'scripts', 'lib'), { recursive: true });
      for (const file of ['spark.sh', 'spark-cluster.sh', 'lib/venv-python.sh'])
        copyFileSync(path.join(PROJECT_ROOT, 'scripts', file), path.join(root, 'scripts', file));
      for (const [script, name] of [
        ['spark.sh', 'spark'],
        ['spark-cluster.sh', 'spark:cluster'],
      ]) {
        const failed = await promisify(execFile)('bash', [path.join(root, 'scripts', script), '--help']).then(
          () => undefined,
          (error: { code: number; stderr: string }) => error,
        );
        assert.ok(failed, `${script} exits non-zero`);
        assert.equal(failed.code, 1);
        assert.equal(failed.stderr.trim(), `${name}: ${root}/.venv is missing; run npm run setup:python`);
      }
    } finally {
      rmSync(root, { recursive: true, force: true });
    }
  });
});
