import * as assert from 'node:assert/strict';
import { postProcess } from '../../src/infill/postprocess';

const atCursor = (after: string) => ({ after, atCursor: true });

describe('infill post-processing', () => {
  it('keeps a plain fill as it is, with no reason', () => {
    assert.deepEqual(postProcess('a + b', atCursor('\nprint(x)')), { text: 'a + b' });
  });

  it('explains an empty fill (all padding)', () => {
    assert.deepEqual(postProcess('', atCursor('\n')), { text: '', reason: 'the model filled the hole with padding' });
    assert.equal(postProcess('  \n ', atCursor('\n')).text, '');
  });

  it('drops a fill that only repeats the next line', () => {
    const result = postProcess('    return x', atCursor('\n  return x\n'));
    assert.deepEqual(result, { text: '', reason: 'repeats the suffix' });
  });

  it('drops a fill that only repeats the rest of the line', () => {
    assert.equal(postProcess(')', atCursor(')\n')).text, '');
    assert.equal(postProcess('foo(a)', atCursor('foo(a)\nbar')).reason, 'repeats the suffix');
  });

  it('drops a multi-line fill that repeats the following lines', () => {
    assert.equal(postProcess('a = 1\nb = 2\n', atCursor('\na = 1\n\nb = 2\nc = 3')).text, '');
  });

  it('keeps a fill that only starts like the suffix', () => {
    assert.equal(postProcess('x', atCursor('x + y\n')).text, 'x');
  });

  it('trims an auto-closed bracket the model wrote again', () => {
    assert.equal(postProcess('a, b)', atCursor(')\n')).text, 'a, b');
    assert.equal(postProcess('f(a))', atCursor(')')).text, 'f(a)');
    assert.equal(postProcess('x[0]]', atCursor('];')).text, 'x[0]');
    assert.equal(postProcess('hello"', atCursor('")')).text, 'hello');
  });

  it('keeps a closing bracket the fill needs for its own balance', () => {
    const result = postProcess('foo(a)', atCursor(')\n'));
    assert.deepEqual(result, { text: 'foo(a)' });
  });

  it('trims a fill that ends with the whole rest of the line', () => {
    const result = postProcess('x + 1;', atCursor(';\nnext'));
    assert.deepEqual(result, { text: 'x + 1', reason: 'trimmed the overlap with the rest of the line' });
  });

  it('keeps only the first line at a cursor inside a line', () => {
    const result = postProcess('a, b)\nprint(c)', atCursor(')\n'));
    assert.equal(result.text, 'a, b');
    assert.equal(postProcess('x\r\ny', atCursor(' + 1\r\n')).text, 'x');
    assert.deepEqual(postProcess('\nnext()', atCursor(')')), { text: '', reason: 'kept the first line: the cursor is inside a line' });
  });

  it('keeps a multi-line fill at the end of a line and for a replaced selection', () => {
    assert.equal(postProcess('if x:\n    y()', atCursor('\nz()')).text, 'if x:\n    y()');
    assert.equal(postProcess('a\nb', { after: ' tail', atCursor: false }).text, 'a\nb');
  });
});
