/**
 * Functions stay short enough to read at once: none in `src/` is over `MAX_LINES` lines (a long one
 * becomes a list of named steps). Counted by the TypeScript compiler from a function's first line to
 * its last; a nested function is counted on its own too (and inside the one holding it).
 */
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, test } from 'node:test';
import ts from 'typescript';

const ROOT = path.resolve(__dirname, '..', '..');
const SRC = path.join(ROOT, 'src');

/** The longest a function of `src/` may be, in lines. */
export const MAX_LINES = 80;

export interface FunctionLength {
  /** `src/x/y.ts:12` (the function's first line). */
  where: string;
  name: string;
  lines: number;
}

/** The name a reader knows a function by: its own, its variable's, its property's or its class member's. */
function functionName(node: ts.FunctionLikeDeclaration, file: ts.SourceFile): string {
  const own = node.name && !ts.isComputedPropertyName(node.name) ? node.name.getText(file) : undefined;
  const parent = node.parent;
  const holder = ts.isClassLike(parent) && parent.name ? `${parent.name.text}.` : '';
  if (ts.isConstructorDeclaration(node)) return `${holder}constructor`;
  if (own) return `${holder}${own}`;
  if (ts.isVariableDeclaration(parent) || ts.isPropertyAssignment(parent) || ts.isPropertyDeclaration(parent))
    return parent.name.getText(file);
  const line = file.getLineAndCharacterOfPosition(node.getStart(file)).line + 1;
  return `(anonymous at line ${line})`;
}

/** Every function of `text` with its length in lines, nested ones included. */
export function functionLengths(fileName: string, text: string): FunctionLength[] {
  const file = ts.createSourceFile(fileName, text, ts.ScriptTarget.Latest, true, ts.ScriptKind.TS);
  const out: FunctionLength[] = [];
  const visit = (node: ts.Node): void => {
    if (ts.isFunctionLike(node) && 'body' in node && node.body) {
      const fn = node as ts.FunctionLikeDeclaration;
      const first = file.getLineAndCharacterOfPosition(fn.getStart(file)).line;
      const last = file.getLineAndCharacterOfPosition(fn.getEnd()).line;
      out.push({ where: `${fileName}:${first + 1}`, name: functionName(fn, file), lines: last - first + 1 });
    }
    ts.forEachChild(node, visit);
  };
  visit(file);
  return out;
}

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) return entry.name === 'node_modules' ? [] : sourceFiles(full);
    return entry.name.endsWith('.ts') ? [full] : [];
  });
}

/** Every function of `src/` over `limit` lines, as "src/x.ts:12 name: 95 lines", longest first. */
export function longFunctions(limit = MAX_LINES): string[] {
  return sourceFiles(SRC)
    .flatMap((full) => functionLengths(path.relative(ROOT, full), readFileSync(full, 'utf8')))
    .filter((f) => f.lines > limit)
    .sort((a, b) => b.lines - a.lines)
    .map((f) => `${f.where} ${f.name}: ${f.lines} lines`);
}

describe('functions stay short', () => {
  test(`no function in src/ is over ${MAX_LINES} lines`, () => {
    assert.deepEqual(longFunctions(), []);
  });

  test('the count finds a long function, a nested one on its own, and names arrows by their variable', () => {
    const body = (n: number) => Array.from({ length: n }, (_, i) => `  const v${i} = ${i};`).join('\n');
    const text = [
      'export function outer(): void {',
      body(3),
      '  const inner = () => {',
      body(90),
      '  };',
      '}',
      'class Holder {',
      '  method(): number {',
      '    return 1;',
      '  }',
      '}',
    ].join('\n');
    const lengths = functionLengths('x.ts', text);
    assert.deepEqual(
      lengths.filter((f) => f.lines > MAX_LINES).map((f) => f.name),
      ['outer', 'inner'],
    );
    assert.deepEqual(lengths, [
      { where: 'x.ts:1', name: 'outer', lines: 97 },
      { where: 'x.ts:5', name: 'inner', lines: 92 },
      { where: 'x.ts:99', name: 'Holder.method', lines: 3 },
    ]);
  });
});
