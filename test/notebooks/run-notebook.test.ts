/**
 * A failing notebook keeps its cause: `executeNotebook` (what `npm run notebooks` runs) rejects with
 * the failing cell and its own error on one line, not nbclient's "An error occurred while executing
 * the following cell".
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, describe, test } from 'node:test';
import { executeNotebook, failureDetail, findJupyter } from '../../src/notebook/run-notebook';

/** A notebook of the tslab kernel with these code cells. */
function notebook(cells: string[]): string {
  return JSON.stringify({
    cells: [
      { cell_type: 'markdown', id: 'intro', metadata: {}, source: ['# A notebook that fails'] },
      ...cells.map((source, i) => ({
        cell_type: 'code',
        execution_count: null,
        id: `code-${i}`,
        metadata: {},
        outputs: [],
        source: [source],
      })),
    ],
    metadata: { kernelspec: { display_name: 'TypeScript', language: 'typescript', name: 'tslab' } },
    nbformat: 4,
    nbformat_minor: 5,
  });
}

describe('a failing notebook says why', () => {
  const jupyter = findJupyter();
  const missing = jupyter.ok ? undefined : jupyter.reason;
  const dir = mkdtempSync(path.join(tmpdir(), 'pp-failing-notebook-'));
  after(() => rmSync(dir, { recursive: true, force: true }));

  test(
    'Jupyter with the tslab kernel is available under CI',
    { skip: process.env.CI === 'true' ? false : missing },
    () => assert.equal(missing, undefined),
  );

  test("the failing cell's own error, on one line", { skip: missing, timeout: 120_000 }, async () => {
    const file = path.join(dir, 'fails.ipynb');
    writeFileSync(
      file,
      notebook([
        "console.log('a cell that works');",
        "class PipelineError extends Error { name = 'PipelineError'; }\nthrow new PipelineError('.venv/bin/python not found; run `npm run setup:python`');",
        "console.log('never reached');",
      ]),
    );
    await assert.rejects(executeNotebook(file, { outputPath: path.join(dir, 'out.ipynb') }), (error: Error) => {
      assert.match(
        error.message,
        /^fails\.ipynb failed \(exit 1\): cell 2 \(class PipelineError extends Error \{ name = 'PipelineError'; \}\): PipelineError: \.venv\/bin\/python not found; run `npm run setup:python`$/,
      );
      assert.doesNotMatch(error.message, /An error occurred while executing/);
      assert.doesNotMatch(error.message, /\n/, 'one line');
      return true;
    });
  });

  test("without a marked line (a dead kernel, a timeout), the log's error lines", () => {
    assert.equal(
      failureDetail(['[NbConvertApp] Executing', 'nbclient.exceptions.DeadKernelError: Kernel died', 'more']),
      'nbclient.exceptions.DeadKernelError: Kernel died | more',
    );
    assert.equal(
      failureDetail(['a', 'PP_CELL_ERROR {"cell": 3, "source": "await x();", "error": "Error: boom"}']),
      'cell 3 (await x();): Error: boom',
    );
  });
});
