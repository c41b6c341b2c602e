import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { chmod, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { flushSizeFor, main, type BenchResults } from '../../bench/bench';
import { compareRuns, firstDifference, median } from '../../bench/compare-runs';
import { README_END, README_START, renderMarkdown, replaceReadmeSection, targets } from '../../bench/render-results';
import type { EngineRun } from '../../bench/run-engine';
import { sparkAnswers, sparkCounts, type RunnerResults } from '../../bench/run-spark';
import { QUESTIONS } from '../../src/analysis/questions';
import { kafkaKinds } from '../../bench/emulation-throughput';
import { PipelineError } from '../../src/errors';

const PYTHON = '/usr/bin/python3';

function hasPandas(): boolean {
  try {
    execFileSync(PYTHON, ['-c', 'import pandas'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

const run = (
  answers: EngineRun['answers'],
  counts?: Partial<EngineRun['counts']>,
): Pick<EngineRun, 'counts' | 'answers'> => ({
  counts: {
    pin: { read: 3, duplicates: 1, output: 2 },
    geo: { read: 3, duplicates: 1, output: 2 },
    user: { read: 3, duplicates: 1, output: 2 },
    ...counts,
  },
  answers,
});

describe('the benchmark', () => {
  test('compareRuns names the first difference in counts, rows or order, and accepts equal runs', () => {
    const reference = run({
      q1: [{ country: 'Chile', category: 'art', category_count: 2 }],
      q6: [{ post_year: 2015, number_users_joined: 2 }],
    });
    assert.equal(firstDifference(reference, structuredClone(reference)), undefined);
    assert.match(
      firstDifference(reference, run(reference.answers, { geo: { read: 3, duplicates: 0, output: 3 } })) ?? '',
      /^geo counts/,
    );
    assert.match(
      firstDifference(reference, run({ ...reference.answers, q6: [{ post_year: 2015, number_users_joined: 3 }] })) ??
        '',
      /^q6 row 1 is .*"number_users_joined":3.*pandas .*"number_users_joined":2/,
    );
    assert.match(
      firstDifference(reference, run({ ...reference.answers, q6: [{ post_year: '2015', number_users_joined: 2 }] })) ??
        '',
      /^q6 row 1/,
      'a year as text is not a year',
    );
    assert.match(firstDifference(reference, run({ q1: reference.answers.q1 })) ?? '', /^q6 is missing from this run/);
    assert.match(firstDifference(reference, run({ ...reference.answers, q1: [] })) ?? '', /^q1 has 0 rows, pandas 1/);
    assert.throws(
      () => compareRuns(reference, run({ ...reference.answers, q1: [] }), 'duckdb on 10 posts'),
      (error: unknown) => {
        assert.ok(error instanceof PipelineError);
        assert.equal(error.code, 'ANSWERS_DIFFER');
        assert.match(error.message, /^duckdb on 10 posts: q1 has 0 rows/);
        return true;
      },
    );
  });

  test('median, flush sizes, and the README section replaced between its markers only', () => {
    assert.equal(median([3, 1, 2]), 2);
    assert.equal(median([4, 1, 2, 3]), 2.5);
    assert.deepEqual([flushSizeFor(10_000), flushSizeFor(100_000), flushSizeFor(1_000_000)], [500, 2_000, 20_000]);
    const readme = `# x\n\n## Performance\n\n${README_START}\nold table\n${README_END}\n\n## Next\n`;
    assert.equal(
      replaceReadmeSection(readme, 'new table\n'),
      `# x\n\n## Performance\n\n${README_START}\nnew table\n${README_END}\n\n## Next\n`,
    );
    assert.throws(() => replaceReadmeSection('# no markers\n', 'x'), /README\.md needs <!-- bench:start -->/);
  });

  test("npm start's timing: a table of its runs and the 10 s target judged on the median", () => {
    const base = {
      generatedAt: '2026-12-06',
      command: 'npm run bench',
      machine: { cpus: 2, cpuModel: 'x', memoryBytes: 2 ** 34, node: 'v20', platform: 'linux' },
      check: { posts: 10_000, engines: ['pipeline'], answersMatch: true },
      batch: [],
    } satisfies BenchResults;
    const fast = { ...base, npmStart: { runs: 3, pipelineSeconds: [7.1, 6.8, 12], processSeconds: [8.5, 8.2, 13.4] } };
    assert.match(renderMarkdown(fast), /\| pipeline \(s\) \| 6\.80 \| 7\.10 \| 12\.0 \|/);
    assert.deepEqual(targets(fast).at(-1), [
      '`npm start` on the embedded defaults: at most 10 s of pipeline',
      '7.10 s (median of 3)',
      '✅ met',
    ]);
    const slow = { ...base, npmStart: { runs: 1, pipelineSeconds: [10.5], processSeconds: [12] } };
    assert.equal(targets(slow).at(-1)?.[2], '❌ not met');
    assert.equal(targets(base).length, 0, 'no row when npm start was not timed');
  });

  test('a Python without pandas: one line saying what to install', async (t) => {
    const dir = await mkdtemp(path.join(tmpdir(), 'pp-bench-nopandas-'));
    t.after(() => rm(dir, { recursive: true, force: true }));
    const fake = path.join(dir, 'python3');
    await writeFile(fake, '#!/bin/sh\necho "ModuleNotFoundError: No module named \'pandas\'" >&2\nexit 1\n');
    await chmod(fake, 0o755);
    await assert.rejects(
      main([
        '--quick',
        '--engines',
        'pandas',
        '--python',
        fake,
        '--data',
        path.join(dir, 'data'),
        '--out',
        path.join(dir, 'r.json'),
        '--skip-emulation',
        '--skip-streaming',
      ]),
      /has no pandas; install Debian's: apt-get install -y python3-pandas/,
    );
    await assert.rejects(main(['--engines', 'pipeline']), /--engines must include pandas/);
    await assert.rejects(main(['--engines', 'duckdb,pandas']), /unknown engine "duckdb"/);
  });

  test("the spark engine: counts from batch_clean's last cell, the nine answers from analysis' query cells in order", () => {
    const cell = (
      notebook: string,
      rows: Record<string, unknown>[] | null,
      columns: string[] | null = rows ? Object.keys(rows[0] ?? { x: 1 }) : null,
    ) => ({ notebook, cell: 1, language: 'sql', seconds: 1, columns, rows });
    const counts = ['pin', 'geo', 'user'].map((table) => ({
      table_name: table,
      records: 12,
      quarantined: 2,
      parsed: 10,
      cleaned: 9,
    }));
    const answers = QUESTIONS.map((q, i) => cell('analysis.sql', [{ [q.columns[0]]: i }]));
    const results: RunnerResults = {
      session_seconds: 5,
      notebooks: [],
      cells: [cell('batch_clean.sql', counts), cell('batch_clean.sql', [], []), ...answers],
    };
    assert.deepEqual(sparkCounts(results).geo, { read: 12, duplicates: 1, output: 9 });
    assert.deepEqual(
      Object.keys(sparkAnswers(results)),
      QUESTIONS.map((q) => q.id),
    );
    assert.deepEqual(sparkAnswers(results)[QUESTIONS[2].id], [{ [QUESTIONS[2].columns[0]]: 2 }]);
    assert.throws(
      () => sparkAnswers({ ...results, cells: answers.slice(1) }),
      /analysis\.sql gave 8 answers, expected 9/,
    );
    assert.throws(
      () => sparkCounts({ ...results, cells: [cell('batch_clean.sql', counts.slice(1))] }),
      /no counts for pin; rebuild the notebooks/,
    );
  });

  describe('npm run bench -- --quick (smoke test: the answers match pandas; timings are only reported)', () => {
    let dir: string;
    let results: BenchResults;
    before(async () => {
      if (!hasPandas() && process.env.CI !== 'true') return;
      dir = await mkdtemp(path.join(tmpdir(), 'pp-bench-quick-'));
      results = (await main([
        '--quick',
        '--data',
        path.join(dir, 'data'),
        '--out',
        path.join(dir, 'quick.json'),
      ])) as BenchResults;
    });
    after(async () => {
      if (dir) await rm(dir, { recursive: true, force: true });
    });

    test('every engine agreed with pandas on 10,000 posts, before and during the timed runs', (t) => {
      if (!results)
        return t.skip(`${PYTHON} has no pandas (apt-get install -y python3-pandas); under CI=true this fails`);
      assert.equal(results.check.answersMatch, true);
      // Polars runs when the project's .venv has it (npm run setup:python); under CI=true it must.
      const polars = results.check.engines.includes('polars');
      if (process.env.CI === 'true') assert.ok(polars, `Polars was skipped: ${results.notes?.join(' ')}`);
      if (!polars)
        assert.match(results.notes?.join(' ') ?? '', /Polars not timed: .* has no polars \(npm run setup:python/);
      assert.deepEqual(
        results.batch.map((b) => [b.posts, b.engine, b.runs.length, b.answersMatchPandas]),
        [[10_000, 'pipeline', 3, true], [10_000, 'pandas', 3, true], ...(polars ? [[10_000, 'polars', 3, true]] : [])],
      );
      for (const b of results.batch) {
        assert.deepEqual(b.counts.pin, { read: 10_500, duplicates: 500, output: 10_000 });
        assert.ok(b.median.seconds > 0 && b.median.peakRssBytes > 0);
      }
    });

    test('emulation throughput and streaming latency were measured, and the results written as JSON and markdown', async (t) => {
      if (!results) return t.skip(`${PYTHON} has no pandas`);
      // Into the REST proxy on both Kafkas when npm run setup:kafka has run (as .ci/run does), on the embedded one otherwise.
      const apache = kafkaKinds(undefined).includes('apache')
        ? [
            ['batch-direct', 'apache', 5_000, true],
            ['batch-gateway', 'apache', 5_000, true],
          ]
        : [];
      assert.deepEqual(
        results.emulation?.map((row) => [row.path, row.kafka, row.posts, row.ok]).sort(),
        [
          ...apache,
          ['batch-direct', 'embedded', 5_000, true],
          ['batch-gateway', 'embedded', 5_000, true],
          ['stream-gateway', 'embedded', 5_000, true],
          ['stream-sdk', 'embedded', 5_000, true],
        ].sort(),
      );
      if (process.env.CI === 'true')
        assert.ok(apache.length > 0, 'under CI the Kafka jars are set up, so both Kafkas are measured');
      assert.ok(
        results.streaming && results.streaming.fromArrival.n >= results.streaming.acked,
        'a latency for every acknowledged record',
      );
      const written = JSON.parse(await readFile(path.join(dir, 'quick.json'), 'utf8')) as BenchResults;
      assert.deepEqual(
        written.batch.map((b) => b.median),
        results.batch.map((b) => b.median),
      );
      const markdown = await readFile(path.join(dir, 'quick.md'), 'utf8');
      assert.equal(markdown, renderMarkdown(results));
      assert.match(markdown, /\| 10,000 \| 31,500 in 63 objects .* \| ours \(the batch step npm start runs\) \|/);
      assert.ok(markdown.startsWith('Measured by `npm run bench -- --quick '), markdown.slice(0, 80));
      assert.ok(
        markdown.includes(`${results.machine.cpus} cores`) && markdown.includes('GiB memory'),
        'the machine is named',
      );
      assert.deepEqual(
        targets(results).map((row) => row[0].split(':')[0]),
        ['emulation into the local REST Proxy, durable', 'streaming put → stored at 1,000 records/s'],
        'the batch targets are judged at 1,000,000 posts only',
      );
    });
  });
});
