import * as assert from 'node:assert/strict';
import { allowsMultiline, fitLines, normalizeIndentation } from '../../src/providers/completionShape';
import { holesFromSelections } from '../../src/providers/fillHoles';

describe('providers: shaping a fill for the editor', () => {
  it('allows several lines only at the end of a blank line or a block opener', () => {
    assert.equal(allowsMultiline({ before: '    ', after: '' }), true);
    assert.equal(allowsMultiline({ before: 'def f(x):', after: '' }), true);
    assert.equal(allowsMultiline({ before: 'if (ok) {', after: '  ' }), true);
    assert.equal(allowsMultiline({ before: 'const f = () =>', after: '' }), true);
    assert.equal(allowsMultiline({ before: 'x = compute(', after: ')' }), false);
    assert.equal(allowsMultiline({ before: 'total = a + ', after: '' }), false);
  });

  it('cuts to the first line unless several are allowed, and drops trailing blank lines', () => {
    assert.equal(fitLines('a + b\nreturn c\n\n', false), 'a + b');
    assert.equal(fitLines('a + b\r\nreturn c', false), 'a + b');
    assert.equal(fitLines('\n    return x\n  \n', true), '\n    return x');
  });

  it("re-indents continuation lines in the editor's style, keeping the depth", () => {
    const tabbed = 'if x:\n\tif y:\n\t\treturn 1';
    assert.equal(normalizeIndentation(tabbed, { insertSpaces: true, tabSize: 4 }), 'if x:\n    if y:\n        return 1');
    assert.equal(normalizeIndentation('{\n    a;\n      b;', { insertSpaces: false, tabSize: 4 }), '{\n\ta;\n\t  b;');
    assert.equal(normalizeIndentation('  first\n  second', { insertSpaces: true, tabSize: 2 }), '  first\n  second');
    assert.equal(normalizeIndentation('a\n \tb', { insertSpaces: true, tabSize: 4 }), 'a\n    b');
  });
});

describe('providers: holes of a multi-cursor fill', () => {
  it('sorts the selections and merges overlapping or touching ones', () => {
    assert.deepEqual(holesFromSelections([{ start: 20, end: 25 }, { start: 3, end: 3 }]), [{ start: 3, end: 3 }, { start: 20, end: 25 }]);
    assert.deepEqual(holesFromSelections([{ start: 5, end: 10 }, { start: 8, end: 12 }, { start: 12, end: 14 }]), [{ start: 5, end: 14 }]);
  });
});
