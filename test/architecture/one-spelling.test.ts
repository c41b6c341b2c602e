/**
 * Every rule has one spelling in `src/` (STYLE.md "One definition of every rule"): the raw-record
 * rules, the age groups, the id column, the Kafka REST media types, the sink's `topics.regex` and
 * the lookup of the object holding an offset. Each check below finds the spellings a rule had
 * before it was written once, so a second copy makes it fail. Documentation (`*.md`) may name a
 * rule's values; code, SQL and Python may not repeat them. TypeScript files are read with the
 * compiler, so a comment that mentions a value is not a spelling of it.
 */
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, test } from 'node:test';
import ts from 'typescript';

const ROOT = path.resolve(__dirname, '..', '..');
const SRC = path.join(ROOT, 'src');

function filesUnder(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory())
      return entry.name === 'node_modules' || entry.name === '__pycache__' ? [] : filesUnder(full);
    return /\.(ts|sql|py)$/.test(entry.name) ? [full] : [];
  });
}

const FILES = filesUnder(SRC);
const TS_FILES = FILES.filter((f) => f.endsWith('.ts'));
const rel = (file: string) => path.relative(ROOT, file);
const text = (file: string) => readFileSync(file, 'utf8');

const sources = new Map<string, ts.SourceFile>();
function sourceOf(file: string): ts.SourceFile {
  let source = sources.get(file);
  if (!source) {
    source = ts.createSourceFile(file, text(file), ts.ScriptTarget.Latest, true);
    sources.set(file, source);
  }
  return source;
}

const nodes = new Map<string, ts.Node[]>();

/** Every node of a TypeScript file. */
function nodesOf(file: string): ts.Node[] {
  const known = nodes.get(file);
  if (known) return known;
  const out: ts.Node[] = [];
  const visit = (node: ts.Node) => {
    out.push(node);
    node.forEachChild(visit);
  };
  visit(sourceOf(file));
  nodes.set(file, out);
  return out;
}

/** The text of every string, template piece and regular expression literal of a TypeScript file. */
function literalsOf(file: string): string[] {
  return nodesOf(file).flatMap((node) => {
    if (ts.isStringLiteral(node) || ts.isNoSubstitutionTemplateLiteral(node) || ts.isRegularExpressionLiteral(node))
      return [node.text];
    if (ts.isTemplateHead(node) || ts.isTemplateMiddle(node) || ts.isTemplateTail(node)) return [node.text];
    return [];
  });
}

const printer = ts.createPrinter({ removeComments: true });

/** What a file says in code: a TypeScript file without its comments, a SQL or Python file whole. */
const code = new Map<string, string>();
function codeOf(file: string): string {
  let known = code.get(file);
  if (known === undefined) {
    known = file.endsWith('.ts') ? printer.printFile(sourceOf(file)) : text(file);
    code.set(file, known);
  }
  return known;
}

/** The files whose code matches `pattern`, relative to the checkout. */
function filesWhereCode(pattern: RegExp, files: readonly string[] = FILES): string[] {
  return files.filter((file) => pattern.test(codeOf(file))).map(rel);
}

/** The files with a literal that `match` accepts. */
function filesWithLiteral(match: (literal: string) => boolean, files: readonly string[] = TS_FILES): string[] {
  return files.filter((file) => literalsOf(file).some(match)).map(rel);
}

/** Object literals of `src/` whose property `key` is the string `value`, as "file: text". */
function objectsWith(key: string, value: string): string[] {
  return TS_FILES.flatMap((file) =>
    nodesOf(file)
      .filter(
        (node) =>
          ts.isObjectLiteralExpression(node) &&
          node.properties.some(
            (p) =>
              ts.isPropertyAssignment(p) &&
              p.name.getText(sourceOf(file)) === key &&
              ts.isStringLiteral(p.initializer) &&
              p.initializer.text === value,
          ),
      )
      .map(() => rel(file)),
  );
}

describe('one spelling per rule in src/', () => {
  test('src/ is where this looks', () => {
    assert.ok(TS_FILES.length > 50 && FILES.some((f) => f.endsWith('.sql')), `no sources under ${SRC}`);
  });

  describe('the raw-record rules: one list in src/contract/raw-rules.ts, from which every reader is made', () => {
    test('the kind of each raw column is listed once', () => {
      assert.deepEqual(objectsWith('index', 'id'), ['src/contract/raw-rules.ts']);
    });

    test('the SQL type of each raw kind is listed once', () => {
      const maps = TS_FILES.flatMap((file) =>
        nodesOf(file)
          .filter(
            (node) =>
              ts.isObjectLiteralExpression(node) &&
              ['id', 'text', 'int', 'float'].every((kind) =>
                node.properties.some((p) => ts.isPropertyAssignment(p) && p.name.getText(sourceOf(file)) === kind),
              ),
          )
          .map(() => rel(file)),
      );
      assert.deepEqual([...new Set(maps)], ['src/contract/raw-rules.ts']);
    });

    test('the largest safe whole number (2^53 - 1) is spelled once', () => {
      const spellings = FILES.flatMap((file) =>
        [
          ...codeOf(file).matchAll(
            /9007199254740991|\b2\s*\*\*\s*53\b|Math\.pow\(\s*2\s*,\s*53\s*\)|MAX_SAFE_INTEGER|\{1,15\}/g,
          ),
        ].map((m) => `${rel(file)}: ${m[0]}`),
      );
      assert.deepEqual(spellings, ['src/contract/raw-rules.ts: MAX_SAFE_INTEGER']);
    });

    test('the patterns of a whole number and a number in text are written once', () => {
      assert.deepEqual(
        filesWithLiteral((literal) => literal.includes('^[+-]?')),
        ['src/contract/raw-rules.ts'],
      );
    });

    test("no stage turns a raw kind into SQL of its own (DuckDB's plain check and Spark's column rule come from the floor)", () => {
      const sqlByKind = TS_FILES.filter((file) => !rel(file).startsWith(`src${path.sep}contract${path.sep}`))
        .filter((file) =>
          nodesOf(file).some(
            (node) =>
              ts.isSwitchStatement(node) &&
              node.caseBlock.clauses.some(
                (c) =>
                  ts.isCaseClause(c) && ts.isStringLiteral(c.expression) && ['id', 'float'].includes(c.expression.text),
              ) &&
              /regexp|CAST\(|CASE WHEN|variant/i.test(node.caseBlock.getText(sourceOf(file))),
          ),
        )
        .map(rel);
      assert.deepEqual(sqlByKind, []);
    });
  });

  describe('the age groups: defined once, read by Q4, Q5, Q8, the charts and the order', () => {
    test('the text 18-24 is in one file', () => {
      assert.deepEqual(filesWhereCode(/18-24/), ['src/analysis/age-groups.ts']);
    });

    test('no question derives the age group or its order by a CASE of its own', () => {
      assert.deepEqual(filesWhereCode(/\bORDER BY CASE\b|\bWHEN\s+\w+\.age\b/i), []);
    });
  });

  test('the id column (index in pins, ind in the others) is spelled once: no map of it, no inline choice', () => {
    assert.deepEqual(
      objectsWith('pin', 'index'),
      [],
      "a { pin: 'index', … } map: use ID_COLUMN of src/contract/raw-rules.ts",
    );
    const inline = TS_FILES.filter((file) =>
      nodesOf(file).some(
        (node) =>
          ts.isConditionalExpression(node) &&
          [node.whenTrue, node.whenFalse].some((branch) => ts.isStringLiteral(branch) && branch.text === 'index'),
      ),
    ).map(rel);
    assert.deepEqual(inline, [], "an inline `table === 'pin' ? 'index' : 'ind'`: use ID_COLUMN or rowId");
    const declared = TS_FILES.flatMap((file) =>
      nodesOf(file)
        .filter((node) => ts.isVariableDeclaration(node) && /^ID_COLUMNS?$/.test(node.name.getText(sourceOf(file))))
        .map(() => rel(file)),
    );
    assert.deepEqual(declared, ['src/contract/raw-rules.ts']);
  });

  test('the Kafka REST media types are written in one file of the floor', () => {
    assert.deepEqual(
      filesWithLiteral((literal) => literal.includes('application/vnd.kafka')),
      ['src/contract/kafka-rest.ts'],
    );
    assert.deepEqual(
      filesWhereCode(
        /application\/vnd\.kafka/,
        FILES.filter((f) => !f.endsWith('.ts')),
      ),
      [],
    );
  });

  test('topics.regex is compiled by one function', () => {
    const compiled = TS_FILES.flatMap((file) =>
      nodesOf(file)
        .filter(
          (node) =>
            ts.isNewExpression(node) &&
            node.expression.getText(sourceOf(file)) === 'RegExp' &&
            /topicsRegex/i.test(node.arguments?.[0]?.getText(sourceOf(file)) ?? ''),
        )
        .map(() => rel(file)),
    );
    assert.deepEqual(compiled, ['src/local-stack/s3-sink.ts']);
  });

  test("the object holding an offset is found by one function (the only listing of a partition's objects)", () => {
    const listsPartition = filesWhereCode(/\bpartitionPrefix\(/, TS_FILES).filter((file) =>
      /ListObjectsV2Command|paginateListObjectsV2|\blistObjects\(|\blistObjectPages\(/.test(
        codeOf(path.join(ROOT, file)),
      ),
    );
    assert.deepEqual(listsPartition, ['src/contract/sink-object.ts']);
  });
});
