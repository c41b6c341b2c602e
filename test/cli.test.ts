/** scripts/lib/cli.ts: parsing, --help, the option readers and the one path resolver of every script. */
import assert from 'node:assert/strict';
import { mkdtempSync, realpathSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import { choiceOption, helpText, intOption, parseCommandLine, pathOption, type CommandSpec } from '../scripts/lib/cli';
import { PROJECT_ROOT, projectPath } from '../src/config';

const SPEC: CommandSpec = {
  name: 'npm run example --',
  summary: 'An example command.',
  options: {
    out: { type: 'string', value: 'DIR', description: 'folder to write into', default: 'output/clean' },
    'sink-folder': { type: 'string', value: 'DIR', description: 'a folder to read' },
    count: { type: 'string', short: 'n', value: 'N', description: 'how many' },
    fresh: { type: 'boolean', description: 'start again' },
  },
  examples: ['npm run example -- --out /tmp/x'],
};

test('--help lists every flag with its placeholder and default, aligned, then the examples', () => {
  assert.equal(
    helpText(SPEC),
    [
      'Usage: npm run example -- [options]',
      '',
      'An example command.',
      '',
      'Options:',
      '      --out DIR          folder to write into (default: output/clean)',
      '      --sink-folder DIR  a folder to read',
      '  -n, --count N          how many',
      '      --fresh            start again',
      '  -h, --help             show this help',
      '',
      'Examples:',
      '  npm run example -- --out /tmp/x',
    ].join('\n'),
  );
});

test('a path given on the command line resolves against the working folder; a default against the project root', () => {
  const elsewhere = realpathSync(mkdtempSync(path.join(tmpdir(), 'pp-cli-')));
  const cwd = process.cwd();
  process.chdir(elsewhere);
  try {
    const given = parseCommandLine(SPEC, ['--out', 'mine', '--sink-folder', '../copy'])!;
    assert.equal(pathOption(given, 'out'), path.join(elsewhere, 'mine'));
    assert.equal(pathOption(given, 'sink-folder'), path.resolve(elsewhere, '../copy'));
    const absolute = parseCommandLine(SPEC, ['--out', '/tmp/absolute'])!;
    assert.equal(pathOption(absolute, 'out'), '/tmp/absolute', 'an absolute path stays as given');
    const defaults = parseCommandLine(SPEC, [])!;
    assert.equal(
      pathOption(defaults, 'out'),
      path.join(PROJECT_ROOT, 'output', 'clean'),
      'the spec default is project-relative',
    );
    assert.equal(pathOption(defaults, 'sink-folder'), undefined, 'no flag and no default');
    assert.equal(
      pathOption(defaults, 'sink-folder', 'output/quarantine/x.jsonl'),
      projectPath('output', 'quarantine', 'x.jsonl'),
    );
    // Given the same text as the default, it is still the user's path: relative to where they are.
    assert.equal(
      pathOption(parseCommandLine(SPEC, ['--out', 'output/clean'])!, 'out'),
      path.join(elsewhere, 'output', 'clean'),
    );
  } finally {
    process.chdir(cwd);
    rmSync(elsewhere, { recursive: true, force: true });
  }
});

test('projectPath keeps an absolute part absolute', () => {
  assert.equal(projectPath('output', 'clean'), path.join(PROJECT_ROOT, 'output', 'clean'));
  assert.equal(projectPath('/tmp/elsewhere'), '/tmp/elsewhere');
});

test('bad flags and values are one-line usage errors naming the flag', () => {
  assert.throws(
    () => parseCommandLine(SPEC, ['--bogus']),
    (error: Error & { code?: string }) =>
      error.code === 'USAGE' && /see npm run example -- --help$/.test(error.message),
  );
  const values = parseCommandLine(SPEC, ['-n', 'ten'])!;
  assert.throws(() => intOption(values, 'count', 1), /--count expects a whole number >= 1, got "ten"$/);
  assert.equal(choiceOption({ mode: 'plain' }, 'mode', ['auto', 'plain'] as const), 'plain');
  assert.equal(choiceOption({}, 'mode', ['auto', 'plain'] as const), undefined);
  assert.throws(
    () => choiceOption({ mode: 'loud' }, 'mode', ['auto', 'plain']),
    /--mode expects one of auto, plain, got "loud"/,
  );
});
