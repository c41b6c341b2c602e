/**
 * Imports flow one way (../../README.md "Layout"): the floor (`src/contract/` and the shared
 * utilities directly in `src/`) imports no stage; a stage imports the floor and earlier stages
 * only; nothing in `src/` imports scripts, tests or the benchmark; `npm start` loads no notebook code.
 * The stage order is written here, once.
 */
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { describe, test } from 'node:test';
import ts from 'typescript';

const ROOT = path.resolve(__dirname, '..', '..');
const SRC = path.join(ROOT, 'src');

/** The floor's folder; files directly in src/ are the shared utilities, also floor. */
export const FLOOR = 'contract';
/** The stages, earliest first: a stage may import the floor and the stages before it. */
export const STAGES = [
  'config',
  'source',
  'local-stack',
  'target',
  'emulation',
  'cleaning',
  'batch',
  'streaming',
  'analysis',
  'charts',
  'report',
  'pipeline',
  'orchestration',
  'kit',
  'doctor',
  'notebook',
] as const;

/** Where a file of the workspace belongs: 'floor', a stage, or outside src/ ('outside'). */
export function roomOf(file: string): string {
  const rel = path.relative(SRC, file);
  if (rel.startsWith('..')) return 'outside';
  const parts = rel.split(path.sep);
  if (parts.length === 1 || parts[0] === FLOOR) return 'floor';
  return parts[0];
}

/** The workspace files `file` imports (relative specifiers and `@pinterest-pipeline/src/…`), resolved. */
export function importsOf(file: string): { spec: string; target: string }[] {
  const info = ts.preProcessFile(readFileSync(file, 'utf8'), true, true);
  const out: { spec: string; target: string }[] = [];
  for (const { fileName: spec } of info.importedFiles) {
    let base: string | undefined;
    if (spec.startsWith('.')) base = path.resolve(path.dirname(file), spec);
    else if (spec.startsWith('@pinterest-pipeline/src/'))
      base = path.join(SRC, spec.slice('@pinterest-pipeline/src/'.length));
    else if (spec.startsWith('@pinterest-pipeline/test-support/'))
      base = path.join(ROOT, 'test', 'support', spec.slice('@pinterest-pipeline/test-support/'.length));
    if (!base) continue;
    const target = [`${base}.ts`, base, path.join(base, 'index.ts')].find((c) => existsSync(c) && statSync(c).isFile());
    if (target) out.push({ spec, target });
  }
  return out;
}

/** Why `from` may not import `to`, or undefined when it may. */
export function violation(from: string, to: string): string | undefined {
  if (to === 'outside')
    return 'src/ imports nothing outside src/ (fixtures live in test/support, CLI parsing in scripts/)';
  if (from === 'floor') return to === 'floor' ? undefined : `the floor imports no stage (it imports ${to})`;
  if (to === 'floor' || to === from) return undefined;
  const a = STAGES.indexOf(from as (typeof STAGES)[number]);
  const b = STAGES.indexOf(to as (typeof STAGES)[number]);
  if (a < 0) return `${from} is not in the stage order; add it to STAGES`;
  if (b < 0) return `${to} is not in the stage order; add it to STAGES`;
  return b < a ? undefined : `${from} comes before ${to} in the stage order, so it may not import it`;
}

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) return sourceFiles(full);
    return entry.name.endsWith('.ts') ? [full] : [];
  });
}

/** Every import of src/ that breaks the direction, as "file → import: why". */
export function violations(files: readonly string[]): string[] {
  const out: string[] = [];
  for (const file of files) {
    for (const { spec, target } of importsOf(file)) {
      const why = violation(roomOf(file), roomOf(target));
      if (why) out.push(`${path.relative(ROOT, file)} → ${spec}: ${why}`);
    }
  }
  return out;
}

/** The workspace files a file loads, directly or not. */
function closure(entry: string): Set<string> {
  const seen = new Set<string>();
  const stack = [entry];
  while (stack.length) {
    const file = stack.pop()!;
    if (seen.has(file)) continue;
    seen.add(file);
    for (const { target } of importsOf(file)) stack.push(target);
  }
  return seen;
}

describe('imports flow one way', () => {
  test('every stage folder of src/ is in the stage order, and every stage in it exists', () => {
    const folders = readdirSync(SRC, { withFileTypes: true })
      .filter((e) => e.isDirectory() && e.name !== FLOOR && e.name !== 'node_modules')
      .map((e) => e.name)
      .sort();
    assert.deepEqual(folders, [...STAGES].sort());
  });

  test('the floor imports no stage, a stage imports only the floor and earlier stages, src/ imports nothing outside it', () => {
    assert.deepEqual(violations(sourceFiles(SRC)), []);
  });

  test('the check catches an import against the direction', () => {
    assert.match(violation('batch', 'analysis') ?? '', /batch comes before analysis/);
    assert.match(violation('floor', 'batch') ?? '', /the floor imports no stage/);
    assert.match(violation('report', 'notebook') ?? '', /report comes before notebook/);
    assert.match(violation('analysis', 'outside') ?? '', /nothing outside src/);
    assert.equal(violation('analysis', 'batch'), undefined);
    assert.equal(violation('doctor', 'floor'), undefined);
  });

  test('npm start loads no notebook code (nor tslab)', () => {
    const loaded = closure(path.join(ROOT, 'scripts', 'start.ts'));
    const notebook = [...loaded].filter((file) => roomOf(file) === 'notebook');
    assert.deepEqual(
      notebook.map((f) => path.relative(ROOT, f)),
      [],
    );
    const tslab = [...loaded].filter((file) =>
      ts.preProcessFile(readFileSync(file, 'utf8'), true, true).importedFiles.some((i) => i.fileName === 'tslab'),
    );
    assert.deepEqual(
      tslab.map((f) => path.relative(ROOT, f)),
      [],
    );
    assert.ok(loaded.size > 40, `start.ts loads ${loaded.size} workspace files`);
  });

  test('each stage has no index.ts barrel, except config, whose index.ts is its only import surface', () => {
    const barrels = STAGES.filter((stage) => stage !== 'config' && existsSync(path.join(SRC, stage, 'index.ts')));
    assert.deepEqual(barrels, []);
    const configDir = path.join(SRC, 'config');
    const everywhere = ['src', 'scripts', 'test', 'bench'].flatMap((dir) => sourceFiles(path.join(ROOT, dir)));
    const past = everywhere
      .filter((file) => !file.startsWith(configDir + path.sep))
      .flatMap((file) =>
        importsOf(file)
          .filter(
            ({ target }) => target.startsWith(configDir + path.sep) && target !== path.join(configDir, 'index.ts'),
          )
          .map(({ spec }) => `${path.relative(ROOT, file)} → ${spec}`),
      );
    assert.deepEqual(past, []);
  });

  test('fixtures stay with the tests: src/, scripts/, bench/ and the notebooks import nothing from test/', () => {
    const testDir = path.join(ROOT, 'test');
    const shipped = ['src', 'scripts', 'bench'].flatMap((dir) => sourceFiles(path.join(ROOT, dir)));
    const found = shipped.flatMap((file) =>
      importsOf(file)
        .filter(({ target }) => target.startsWith(testDir + path.sep))
        .map(({ spec }) => `${path.relative(ROOT, file)} → ${spec}`),
    );
    for (const name of readdirSync(path.join(ROOT, 'notebooks')).filter((n) => n.endsWith('.ipynb'))) {
      if (readFileSync(path.join(ROOT, 'notebooks', name), 'utf8').includes('@pinterest-pipeline/test-support'))
        found.push(`notebooks/${name} → @pinterest-pipeline/test-support`);
    }
    assert.deepEqual(found, []);
  });
});
