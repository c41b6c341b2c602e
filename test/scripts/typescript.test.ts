import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { WORKSPACE_ROOT } from '../support/run-process';

/**
 * One TypeScript: `npm run typecheck` and `npm test` run the pinned compiler by its path, since
 * tslab bundles TypeScript 5.0 and its `tsc` can take `node_modules/.bin/tsc`.
 */
test('typecheck and test run the pinned tsc, not the one tslab bundles', () => {
  const pkg = JSON.parse(readFileSync(path.join(WORKSPACE_ROOT, 'package.json'), 'utf8')) as {
    scripts: Record<string, string>;
    devDependencies: Record<string, string>;
  };
  const tsc = 'node node_modules/typescript/bin/tsc -p .';
  assert.ok(pkg.scripts.typecheck?.startsWith(tsc), pkg.scripts.typecheck);
  assert.ok(pkg.scripts.test?.startsWith(`${tsc} && `), pkg.scripts.test);
  const pinned = pkg.devDependencies.typescript as string;
  const version = execFileSync(
    process.execPath,
    [path.join(WORKSPACE_ROOT, 'node_modules', 'typescript', 'bin', 'tsc'), '--version'],
    { encoding: 'utf8' },
  ).trim();
  assert.match(
    version,
    new RegExp(`^Version ${pinned.replace('.', '\\.')}\\.`),
    `the compiler the scripts run is the pinned ${pinned}`,
  );
});
