/**
 * What issue 24 made single stays single (../../STYLE.md "Classify an error where it enters", "Use
 * the SDK's own helpers", "Kept libraries for solved problems"): one `HttpError` and one `sendJson`
 * for the local servers, routing by a router (no `const [a, b, c] = segments`), one retry predicate
 * (`error.retriable`, so `withRetry` takes none), HTTP answers parsed and checked by the HTTP
 * client alone, Kinesis' `__type` read in one place, the socket error codes listed in one place,
 * AWS errors matched by name in the SDK boundary only, no paging or poll-until-ACTIVE loop by hand,
 * and no semaphore, atomic write, pid lock file or Levenshtein table written by hand.
 * Comments are left out of every check (the printer drops them), so a doc line may name anything.
 */
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import ts from 'typescript';

const ROOT = path.resolve(__dirname, '..', '..');
const SRC = path.join(ROOT, 'src');

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) return sourceFiles(full);
    return entry.name.endsWith('.ts') ? [full] : [];
  });
}

const printer = ts.createPrinter({ removeComments: true });

/** Every file of src/ as code without comments, by its path relative to src/. */
const CODE: ReadonlyMap<string, string> = new Map(
  sourceFiles(SRC).map((file) => {
    const source = ts.createSourceFile(
      file,
      readFileSync(file, 'utf8'),
      ts.ScriptTarget.Latest,
      false,
      ts.ScriptKind.TS,
    );
    return [path.relative(SRC, file).split(path.sep).join('/'), printer.printFile(source)];
  }),
);

/** The files whose code matches `pattern`, sorted. */
function filesMatching(pattern: RegExp): string[] {
  return [...CODE]
    .filter(([, code]) => pattern.test(code))
    .map(([file]) => file)
    .sort();
}

/** Each match of `pattern` in src/, as `file: match`. */
function matches(pattern: RegExp): string[] {
  const global = new RegExp(pattern.source, pattern.flags.includes('g') ? pattern.flags : `${pattern.flags}g`);
  return [...CODE].flatMap(([file, code]) => [...code.matchAll(global)].map((m) => `${file}: ${m[0]}`)).sort();
}

test('the local servers have one HttpError, one sendJson and one JSON body reader', () => {
  assert.deepEqual(matches(/class HttpError\b/), ['local-stack/http-util.ts: class HttpError']);
  assert.deepEqual(matches(/function sendJson\b/), ['local-stack/http-util.ts: function sendJson']);
  assert.deepEqual(matches(/function readJsonBody\b/), ['local-stack/http-util.ts: function readJsonBody']);
});

test('no router by hand: no path segments destructured into variables', () => {
  assert.deepEqual(matches(/const \[[\w\s,]+\] = segments\b/), []);
  assert.deepEqual(matches(/\bsegments\.length\b/), []);
});

test('one retry predicate: withRetry trusts error.retriable and takes none', () => {
  assert.deepEqual(matches(/\bisRetriable\s*[:?]/), []);
  assert.deepEqual(filesMatching(/function withRetry\b/), ['retry.ts']);
});

test('HTTP answers are parsed and checked by the HTTP client only', () => {
  // A file that sends requests through the HttpClient takes its answer as `json(..., schema)`, never JSON.parse.
  const users = filesMatching(/\.request\(/).filter((file) =>
    /from ["'][./]+http-client["']/.test(CODE.get(file) ?? ''),
  );
  assert.ok(users.length >= 5, `the check sees the HttpClient's users (${users.join(', ')})`);
  // What the answers are called where they are read: `response.text`, `answer.text`, a `text` taken from one.
  assert.deepEqual(
    users.filter((file) => /JSON\.parse\([^)]*\b(text|response|answer|body)\b/.test(CODE.get(file) ?? '')),
    [],
  );
});

test("Kinesis' __type is read in one place", () => {
  assert.deepEqual(filesMatching(/\.__type\b|__type\?\s*:/), ['http-client.ts']);
});

test('the retriable socket codes are listed in one place', () => {
  assert.deepEqual(filesMatching(/['"]ECONNRESET['"]/), ['errors.ts']);
});

test('AWS errors are matched by name in the SDK boundary only (clients.ts); elsewhere by code', () => {
  assert.deepEqual(matches(/\b(name|type)\s*[!=]==?\s*'(\w+Exception|NoSuch\w+|NotFound|AccessDenied|Forbidden)'/), []);
  assert.deepEqual(
    matches(/\$metadata\?\.httpStatusCode/).filter((m) => !m.startsWith('clients.ts')),
    [],
  );
});

test("streams are listed and waited for by the SDK's paginator and waiters, not by hand", () => {
  assert.deepEqual(matches(/ExclusiveStartStreamName/), []);
  assert.deepEqual(matches(/while\s*\([^)]*'ACTIVE'/), []);
  assert.deepEqual(matches(/StreamStatus === 'ACTIVE'\)\s*break/), []);
});

test('kept libraries instead of hand-written ones: no semaphore, atomic write, pid lock or Levenshtein by hand', () => {
  assert.deepEqual(matches(/class Semaphore\b/), []);
  assert.deepEqual(filesMatching(/from ["']p-limit["']/), ['emulation/send-records.ts']);
  assert.deepEqual(filesMatching(/from ["']write-file-atomic["']/), ['local-stack/topic-store.ts']);
  assert.deepEqual(matches(/\.tmp-\$\{process\.pid\}/), []);
  assert.deepEqual(matches(/\$\{process\.pid\}\\n/), [], 'no lock file holding a pid');
  assert.deepEqual(matches(/previous\[j - 1\]/), [], 'no Levenshtein table by hand');
});
