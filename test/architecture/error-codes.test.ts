/**
 * Error codes are a closed set (src/errors.ts `ERROR_CODES`): the compiler refuses a code that is
 * not in it, and every code in it is thrown or checked somewhere.
 */
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { ERROR_CODES, hasErrorCode, PipelineError } from '../../src/errors';

const ROOT = path.resolve(__dirname, '..', '..');

function files(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) return files(full);
    return entry.name.endsWith('.ts') ? [full] : [];
  });
}

test('a code outside ERROR_CODES does not compile', () => {
  // @ts-expect-error: 'SINK_GAPZ' is not an ErrorCode (npm test runs tsc, which fails if this line compiles).
  const misspelt = new PipelineError('SINK_GAPZ', 'a misspelt code');
  assert.equal(misspelt.code, 'SINK_GAPZ');
  assert.ok(hasErrorCode(new PipelineError('SINK_GAPS', 'gaps'), 'SINK_EMPTY', 'SINK_GAPS'));
  assert.ok(!hasErrorCode(new Error('plain'), 'SINK_GAPS'));
});

test('ERROR_CODES is sorted, has no repeats, and each code is used outside the list', () => {
  assert.deepEqual([...ERROR_CODES], [...new Set(ERROR_CODES)].sort());
  const text = ['src', 'scripts', 'bench']
    .flatMap((dir) => files(path.join(ROOT, dir)))
    .map((file) => readFileSync(file, 'utf8').replace(/export const ERROR_CODES = \[[^\]]*\]/, ''))
    .join('\n');
  assert.deepEqual(
    ERROR_CODES.filter((code) => !text.includes(`'${code}'`)),
    [],
  );
});
