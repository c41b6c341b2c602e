/** The notebooks' local stack helpers: paths as the project sees them, and a notebook's fallback when no stack runs. */
import assert from 'node:assert/strict';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, test } from 'node:test';
import { PROJECT_ROOT } from '../../src/config';
import { DEFAULT_DATA_DIR, readRunningStack } from '../../src/local-stack/start-local-stack';
import { openNotebookStack, projectRelative } from '../../src/notebook/notebook-stack';

describe('notebook-stack', () => {
  test('projectRelative writes the project as . and the temporary folder as $TMPDIR', () => {
    assert.equal(
      projectRelative(
        `data in ${path.join(PROJECT_ROOT, '.local-stack')}, log ${path.join(PROJECT_ROOT, '.local-stack', 'stack.log')}`,
      ),
      'data in .local-stack, log .local-stack/stack.log',
    );
    assert.equal(projectRelative(`(${PROJECT_ROOT})`), '(.)');
    assert.equal(projectRelative(`${path.join(tmpdir(), 'pp-x')}/a`), '$TMPDIR/pp-x/a');
    assert.equal(projectRelative('s3://user-localuser-bucket/topics/x'), 's3://user-localuser-bucket/topics/x');
  });

  test('with no stack running, a temporary stack of the notebook on free ports, announced', async (t) => {
    const cwd = process.cwd();
    try {
      if (await readRunningStack(path.join(PROJECT_ROOT, DEFAULT_DATA_DIR)))
        return t.skip("a local stack runs in this checkout's .local-stack");
      const notebookStack = await openNotebookStack({ posts: 300 });
      try {
        assert.equal(
          notebookStack.fallback,
          'no local stack is running: 300 generated posts instead, through a temporary stack of this notebook (notebook 01 or npm run stack starts the real one)',
        );
        assert.ok(notebookStack.started, 'started in this process');
        assert.notEqual(
          path.resolve(notebookStack.dataDir),
          path.join(PROJECT_ROOT, DEFAULT_DATA_DIR),
          "not the learner's data folder",
        );
        assert.doesNotMatch(notebookStack.connection.endpoints.invokeUrl, /:(4566|4567|4568|8082)\//, 'free ports');
      } finally {
        await notebookStack.close();
      }
    } finally {
      process.chdir(cwd);
    }
  });
});
