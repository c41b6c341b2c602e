import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { csvField, toCsv } from '../../src/report/write-answers';

describe('answer files', () => {
  test('CSV fields: null empty, quoting only when needed, arrays as JSON', () => {
    assert.equal(csvField(null), '');
    assert.equal(csvField(12), '12');
    assert.equal(csvField('plain text'), 'plain text');
    assert.equal(csvField('a,b'), '"a,b"');
    assert.equal(csvField('say "hi"'), '"say ""hi"""');
    assert.equal(csvField('two\nlines'), '"two\nlines"');
    assert.equal(csvField([51.5, -0.12]), '"[51.5,-0.12]"');
    assert.equal(
      toCsv(
        ['a', 'b'],
        [
          [1, null],
          ['x', 'y'],
        ],
      ),
      'a,b\n1,\nx,y\n',
    );
  });
});
