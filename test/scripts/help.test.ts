/**
 * `--help` on every script, answered before the pipeline is loaded: the modules a script imports at
 * its top (followed through the workspace, type-only imports left out) load none of the heavy
 * packages, which the script requires only after its arguments are parsed; and each script, spawned
 * as a user runs it, prints its usage and exits 0.
 */
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { describe, test } from 'node:test';
import ts from 'typescript';
import { runTsScript, WORKSPACE_ROOT } from '../support/run-process';

/** Packages that take seconds to load: none may be loaded before `--help` is answered. */
const HEAVY = [
  '@duckdb/node-api',
  '@aws-sdk/client-s3',
  '@aws-sdk/client-kinesis',
  'danfojs-node',
  'kinesalite',
  's3rver',
  'plotly.js-dist-min',
  'mysql2',
  'tslab',
];

const SCRIPTS = readdirSync(path.join(WORKSPACE_ROOT, 'scripts'))
  .filter((name) => name.endsWith('.ts'))
  .sort();

/** The module specifiers `file` loads when it is loaded: its import and export-from declarations that are not type-only. */
export function runtimeImports(file: string): string[] {
  const source = ts.createSourceFile(file, readFileSync(file, 'utf8'), ts.ScriptTarget.ES2022, false);
  const out: string[] = [];
  for (const statement of source.statements) {
    if (ts.isImportDeclaration(statement)) {
      const clause = statement.importClause;
      const typeOnly =
        clause?.isTypeOnly ||
        (clause &&
          !clause.name &&
          clause.namedBindings &&
          ts.isNamedImports(clause.namedBindings) &&
          clause.namedBindings.elements.length > 0 &&
          clause.namedBindings.elements.every((e) => e.isTypeOnly));
      if (!typeOnly) out.push((statement.moduleSpecifier as ts.StringLiteral).text);
    } else if (ts.isExportDeclaration(statement) && statement.moduleSpecifier && !statement.isTypeOnly) {
      out.push((statement.moduleSpecifier as ts.StringLiteral).text);
    }
  }
  return out;
}

/** The packages a script loads before its `main` runs, through the workspace files it imports at their top. */
export function packagesLoadedAtStart(entry: string): Set<string> {
  const packages = new Set<string>();
  const seen = new Set<string>();
  const stack = [entry];
  while (stack.length) {
    const file = stack.pop() as string;
    if (seen.has(file)) continue;
    seen.add(file);
    for (const spec of runtimeImports(file)) {
      if (spec.startsWith('.')) {
        const base = path.resolve(path.dirname(file), spec);
        const target = [`${base}.ts`, base, path.join(base, 'index.ts')].find(
          (c) => existsSync(c) && statSync(c).isFile(),
        );
        if (target) stack.push(target);
      } else if (!spec.startsWith('node:')) {
        packages.add(spec.startsWith('@') ? spec.split('/').slice(0, 2).join('/') : (spec.split('/')[0] as string));
      }
    }
  }
  return packages;
}

describe('--help answers before the pipeline loads', () => {
  test('no script loads a heavy package before parsing its arguments', () => {
    const early = SCRIPTS.flatMap((script) => {
      const loaded = [...packagesLoadedAtStart(path.join(WORKSPACE_ROOT, 'scripts', script))].filter((p) =>
        HEAVY.includes(p),
      );
      return loaded.length ? [`scripts/${script}: ${loaded.join(', ')}`] : [];
    });
    assert.deepEqual(early, [], 'these load heavy packages before --help is answered');
  });

  test('the check sees a heavy package behind a workspace import', () => {
    assert.ok(packagesLoadedAtStart(path.join(WORKSPACE_ROOT, 'src', 'duckdb.ts')).has('@duckdb/node-api'));
    assert.ok(
      !packagesLoadedAtStart(path.join(WORKSPACE_ROOT, 'scripts', 'clean-batch.ts')).has('@duckdb/node-api'),
      'clean-batch requires DuckDB only after parsing',
    );
  });

  for (const script of SCRIPTS) {
    test(`scripts/${script} --help prints its usage and exits 0`, { timeout: 60_000 }, async () => {
      const run = await runTsScript(`scripts/${script}`, ['--help'], { timeoutMs: 30_000 });
      assert.equal(run.code, 0, run.stderr);
      assert.match(run.stdout, /^Usage: npm (start|run [\w:-]+) /m);
    });
  }
});
