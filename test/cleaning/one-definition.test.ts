/**
 * Every rule of PIPELINE_SPEC.md §5 has one definition: each placeholder string is written in one
 * hand-written file under src/ (known-values.ts, which the SQL, the generator and the tests take it
 * from), and the k/M rule of follower_count only in the cleaning SQL.
 */
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { projectPath } from '../../src/config';
import { PLACEHOLDERS } from '../../src/contract/known-values';

const SRC = projectPath('src');

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) return entry.name === 'node_modules' ? [] : sourceFiles(full);
    return /\.(ts|sql|py|json)$/.test(entry.name) ? [path.relative(projectPath(), full)] : [];
  });
}

const files = sourceFiles(SRC).map((file) => ({ file, text: readFileSync(projectPath(file), 'utf8') }));

test('each placeholder string is written once under src/, in src/contract/known-values.ts', () => {
  for (const placeholder of Object.values(PLACEHOLDERS)) {
    assert.deepEqual(
      files.filter((f) => f.text.includes(placeholder)).map((f) => f.file),
      ['src/contract/known-values.ts'],
      placeholder,
    );
  }
});

test('the k/M rule of follower_count is written once, in src/cleaning/clean-pin.sql', () => {
  const rule = /\[kK\]|\[mM\]|\*\s*1_?000_?000\b/;
  assert.deepEqual(
    files.filter((f) => rule.test(f.text)).map((f) => f.file),
    ['src/cleaning/clean-pin.sql'],
  );
});
