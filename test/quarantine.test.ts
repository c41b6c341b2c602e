/** The one quarantine writer (src/quarantine.ts): fresh and append files, previews, memory only. */
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, describe, test } from 'node:test';
import { createQuarantineWriter, cutPreview, KEPT_IN_MEMORY, PREVIEW_CHARS, previewText } from '../src/quarantine';

const dir = mkdtempSync(path.join(tmpdir(), 'pp-quarantine-writer-'));
after(() => rmSync(dir, { recursive: true, force: true }));

interface Entry {
  id: number;
  reason: string;
}

const lines = (file: string) =>
  readFileSync(file, 'utf8')
    .split('\n')
    .filter(Boolean)
    .map((line) => JSON.parse(line) as Entry);

describe('createQuarantineWriter', () => {
  test('a fresh file is emptied when the writer opens, its folder made; every entry is one JSON line', () => {
    const file = path.join(dir, 'fresh', 'deeper', 'run.jsonl');
    const first = createQuarantineWriter<Entry>(file, 'fresh');
    first.add({ id: 1, reason: 'bad' });
    first.addAll([
      { id: 2, reason: 'worse' },
      { id: 3, reason: 'worst' },
    ]);
    first.close();
    assert.equal(
      readFileSync(file, 'utf8'),
      '{"id":1,"reason":"bad"}\n{"id":2,"reason":"worse"}\n{"id":3,"reason":"worst"}\n',
    );

    const second = createQuarantineWriter<Entry>(file);
    assert.equal(readFileSync(file, 'utf8'), '', 'the default mode is fresh: opening empties the file');
    second.add({ id: 4, reason: 'again' });
    second.close();
    assert.deepEqual(lines(file), [{ id: 4, reason: 'again' }]);
    assert.equal(second.file, file);
    assert.equal(second.count, 1);
  });

  test('an append file keeps earlier lines across two writers, and is only created at the first entry', () => {
    const file = path.join(dir, 'append', 'stream.jsonl');
    const first = createQuarantineWriter<Entry>(file, 'append');
    assert.equal(existsSync(file), false, 'no entry, no file');
    first.addAll([]);
    assert.equal(existsSync(file), false);
    first.add({ id: 1, reason: 'bad' });
    first.close();

    const second = createQuarantineWriter<Entry>(file, 'append');
    second.addAll([
      { id: 2, reason: 'worse' },
      { id: 3, reason: 'worst' },
    ]);
    second.close();
    assert.deepEqual(
      lines(file).map((e) => e.id),
      [1, 2, 3],
    );
    assert.equal(second.count, 2, 'the count is of this writer');
    assert.deepEqual(
      second.entries().map((e) => e.id),
      [2, 3],
    );
  });

  test('an append file that existed before is never truncated', () => {
    const file = path.join(dir, 'existing.jsonl');
    writeFileSync(file, '{"id":0,"reason":"from an earlier run"}\n');
    const writer = createQuarantineWriter<Entry>(file, 'append');
    writer.add({ id: 1, reason: 'bad' });
    assert.deepEqual(
      lines(file).map((e) => e.id),
      [0, 1],
    );
  });

  test('without a file, entries are counted and the last KEPT_IN_MEMORY kept; nothing is written', () => {
    const writer = createQuarantineWriter<Entry>();
    assert.equal(writer.file, undefined);
    for (let id = 0; id < KEPT_IN_MEMORY + 5; id++) writer.add({ id, reason: 'bad' });
    writer.addAll([{ id: -1, reason: 'last' }]);
    assert.equal(writer.count, KEPT_IN_MEMORY + 6);
    const kept = writer.entries();
    assert.equal(kept.length, KEPT_IN_MEMORY);
    assert.deepEqual([kept[0].id, kept.at(-1)?.id], [6, -1]);
    writer.close();
  });
});

describe('previews', () => {
  test(`text is cut at PREVIEW_CHARS (${PREVIEW_CHARS}) characters`, () => {
    assert.deepEqual(cutPreview('short'), { text: 'short', truncated: false, chars: 5 });
    const exact = 'x'.repeat(PREVIEW_CHARS);
    assert.deepEqual(cutPreview(exact), { text: exact, truncated: false, chars: PREVIEW_CHARS });
    const long = `${'y'.repeat(PREVIEW_CHARS)}z`;
    assert.deepEqual(cutPreview(long), { text: 'y'.repeat(PREVIEW_CHARS), truncated: true, chars: PREVIEW_CHARS + 1 });
  });

  test('previewText marks a cut text with an ellipsis', () => {
    assert.equal(previewText('short'), 'short');
    assert.equal(previewText('x'.repeat(PREVIEW_CHARS)), 'x'.repeat(PREVIEW_CHARS));
    assert.equal(previewText('y'.repeat(PREVIEW_CHARS + 10)), `${'y'.repeat(PREVIEW_CHARS)}…`);
  });
});
