/** `formatTable` (src/terminal-table.ts), the one printer of tables on the terminal. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { formatTable } from '../src/terminal-table';

test('headers, text left-aligned, numbers right-aligned with thousands separators, no index column, no quotes', () => {
  const rows = [
    { table: 'pin', destination: 'abc.pin', read: 11153, failed: 0 },
    { table: 'total', destination: '', read: 33459, failed: 12 },
  ];
  assert.equal(
    formatTable(rows, ['table', 'destination', 'read', 'failed']),
    [
      'table  destination    read  failed',
      'pin    abc.pin      11,153       0',
      'total               33,459      12',
    ].join('\n'),
  );
});

test('columns pick and order the row properties; a header, alignment and grouping can be set per column', () => {
  const rows = [{ port: 8082, name: 'REST proxy', year: 2016 }];
  assert.equal(
    formatTable(rows, [
      { key: 'name', header: 'service' },
      { key: 'port', grouping: false },
      { key: 'year', grouping: false, align: 'left' },
    ]),
    ['service     port  year', 'REST proxy  8082  2016'].join('\n'),
  );
});

test('a headerless two-column list with an indent, as --help prints its options', () => {
  const rows = [
    { flag: '-n, --count N', description: 'posts to send' },
    { flag: '-h, --help', description: 'show this help' },
  ];
  assert.equal(
    formatTable(rows, ['flag', 'description'], { header: false, indent: '  ' }),
    ['  -n, --count N  posts to send', '  -h, --help     show this help'].join('\n'),
  );
});

test('empty cells print as nothing, lines carry no trailing spaces, and a gap can be set', () => {
  const rows: { a: string; b?: number | null }[] = [
    { a: 'x', b: 1 },
    { a: 'longer', b: undefined },
    { a: 'y', b: null },
  ];
  const text = formatTable(rows, ['a', 'b'], { gap: 1 });
  assert.equal(text, ['a      b', 'x      1', 'longer', 'y'].join('\n'));
  for (const line of text.split('\n')) assert.equal(line, line.trimEnd());
});

test('no rows: the header line alone', () => {
  assert.equal(formatTable([] as { table: string; rows: number }[], ['table', 'rows']), 'table  rows');
});
