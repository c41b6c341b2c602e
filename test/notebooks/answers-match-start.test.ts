/**
 * Notebook 04's committed answers are `npm start`'s: the pipeline runs as `npm start` runs it (the
 * defaults of scripts/start.ts, in a temporary data and output folder, on free ports), and each of
 * its answer files must have the name, rows and SHA-256 that the committed notebook 04 printed next
 * to the answer. A notebook executed on another input, or an answer that changed, fails it.
 */
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, describe, test } from 'node:test';
import { loadConfig, projectPath } from '../../src/config';
import { DEFAULT_EMULATION_SEED } from '../../src/emulation/defaults';
import { DEFAULT_FLUSH_SIZE } from '../../src/local-stack/defaults';
import { createLogger } from '../../src/log';
import { ANSWER_DIGEST_LINE } from '../../src/notebook/show-answer';
import { openPipelineTarget, runPipeline } from '../../src/pipeline/run-pipeline';
import { createRowSource } from '../../src/source/create-source';

interface Cell {
  cell_type: string;
  outputs?: { output_type: string; name?: string; text?: string | string[] }[];
}

/** The digest lines notebook 04 printed: answer file → rows and SHA-256. */
function committedDigests(): Map<string, { rows: number; sha256: string }> {
  const cells = (JSON.parse(readFileSync(projectPath('notebooks', '04-analysis.ipynb'), 'utf8')) as { cells: Cell[] })
    .cells;
  const lines = cells
    .flatMap((c) => c.outputs ?? [])
    .filter((o) => o.output_type === 'stream' && o.name === 'stdout')
    .flatMap((o) => [o.text ?? ''].flat().join('').split('\n'));
  const digests = new Map<string, { rows: number; sha256: string }>();
  for (const line of lines) {
    const match = ANSWER_DIGEST_LINE.exec(line.trim());
    if (match) digests.set(match[1] as string, { rows: Number(match[2]), sha256: match[3] as string });
  }
  return digests;
}

describe("notebook 04's committed answers equal npm start's answer files", { timeout: 600_000 }, () => {
  const work = mkdtempSync(path.join(tmpdir(), 'pp-notebook-answers-'));
  after(() => rmSync(work, { recursive: true, force: true }));

  test('the digest line reads back what it was made of', () => {
    const line = `answer q1-popular-category-by-country.csv: 12 rows, sha256 ${'ab'.repeat(32)}`;
    assert.deepEqual(ANSWER_DIGEST_LINE.exec(line)?.slice(1), [
      'q1-popular-category-by-country.csv',
      '12',
      'ab'.repeat(32),
    ]);
  });

  test("npm start's nine answer files, byte for byte", async () => {
    const committed = committedDigests();
    assert.equal(
      committed.size,
      9,
      `notebook 04 prints a digest line for each of the nine answers (found ${committed.size}): run npm run notebooks`,
    );
    const config = loadConfig();
    const source = createRowSource(config);
    const outDir = path.join(work, 'output');
    try {
      const log = createLogger('pipeline', () => undefined);
      const target = await openPipelineTarget({
        config,
        dataDir: path.join(work, 'stack'),
        flushSize: DEFAULT_FLUSH_SIZE,
        log,
      });
      const result = await runPipeline({
        config,
        target,
        source,
        dataDir: path.join(work, 'stack'),
        outDir,
        stream: true,
        seed: DEFAULT_EMULATION_SEED,
        progress: 'silent',
        log,
      }).finally(() => target.close());
      assert.ok(result.reconciled, "npm start's run reconciles");
    } finally {
      await source.close();
    }
    const files = readdirSync(path.join(outDir, 'answers'))
      .filter((file) => file.endsWith('.csv'))
      .sort();
    assert.deepEqual(files, [...committed.keys()].sort(), 'the same nine answer files');
    for (const file of files) {
      const bytes = readFileSync(path.join(outDir, 'answers', file));
      const rows = bytes.toString('utf8').trimEnd().split('\n').length - 1;
      const sha256 = createHash('sha256').update(bytes).digest('hex');
      assert.deepEqual({ rows, sha256 }, committed.get(file), `${file}: notebook 04 shows npm start's answer`);
    }
  });
});
