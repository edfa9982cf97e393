import * as assert from 'node:assert/strict';
import type { HoleKind } from '../../src/infill';
import { lineBreakAt, postProcess } from '../../src/infill/postprocess';

/** Context of a hole of `kind` inside a line (nothing special about line ends or starts). */
const at = (after: string, kind: HoleKind = 'inline') => ({ after, shape: { kind, endsLine: false, atLineStart: false, textAfter: after.split('\n')[0].trim() !== '' }, lineBreak: '\n' });
const block = (after: string) => at(after, 'block');

describe('infill post-processing', () => {
  it('keeps a plain fill as it is, with no reason', () => {
    assert.deepEqual(postProcess('a + b', at('\nprint(x)')), { text: 'a + b' });
  });

  it('explains an empty fill (all padding)', () => {
    assert.deepEqual(postProcess('', at('\n')), { text: '', reason: 'the model filled the hole with padding' });
    assert.equal(postProcess('  \n ', block('\n')).text, '');
  });

  it('drops a fill that only repeats the next line', () => {
    const result = postProcess('    return x', block('\n  return x\n'));
    assert.deepEqual(result, { text: '', reason: 'repeats the suffix' });
  });

  it('drops a fill that only repeats the rest of the line', () => {
    assert.equal(postProcess(')', at(')\n')).text, '');
    assert.equal(postProcess('foo(a)', at('foo(a)\nbar')).reason, 'repeats the suffix');
  });

  it('drops a multi-line fill that repeats the following lines', () => {
    assert.equal(postProcess('a = 1\nb = 2\n', block('\na = 1\n\nb = 2\nc = 3')).text, '');
  });

  it("cuts a block's fill before the line it repeats from the code after the hole", () => {
    // at the end of `if (x) {`: the model went on into the closing brace and the return below
    const js = block('\n  }\n  return x;\n}\n');
    assert.deepEqual(postProcess('\n    x++;\n  }\n  return x;', js), { text: '\n    x++;', reason: 'cut where it repeats the lines after the hole' });
    assert.equal(postProcess('\n    x++;\n\n  }  \n', js).text, '\n    x++;', 'trailing whitespace aside, and the blank lines the cut leaves go');
    assert.equal(postProcess('\n    x++;\r\n  }\r\n  return x;', { ...block('\r\n  }\r\n  return x;\r\n'), lineBreak: '\r\n' }).text, '\r\n    x++;');
    // Python: after `for v in xs:`, the fill writes the function's `return` again
    const py = block('\n    return total\n');
    assert.equal(postProcess('\n        total += v\n    return total\n', py).text, '\n        total += v');
    // whole lines selected (the fill ends its line): the suffix starts at the next line
    const lines = { lineBreak: '\n', after: '    return total\n', shape: { kind: 'block' as const, endsLine: true, atLineStart: true, textAfter: true } };
    assert.equal(postProcess('    for v in xs:\n        total += v\n    return total', lines).text, '    for v in xs:\n        total += v\n');
  });

  it("keeps a block's line that repeats a later suffix line, not the next one, or the next one indented otherwise", () => {
    assert.equal(postProcess('\n    x++;\n  return x;', block('\n  }\n  return x;\n')).text, '\n    x++;\n  return x;');
    assert.equal(postProcess('\n    if (y) {\n      y++;\n    }', block('\n  }\n')).text, '\n    if (y) {\n      y++;\n    }', 'an inner brace is not the outer one');
    assert.equal(postProcess('\n    return 1\n  return 2', block('\n    return 2\n')).text, '\n    return 1\n  return 2');
    assert.equal(postProcess('  }\n  x++;', block('\n  }\n')).text, '  }\n  x++;', 'the first line is never cut');
  });

  it('drops a block whose every line repeats the suffix, as before, and one cut down to them', () => {
    const js = block('\n  }\n  return x;\n');
    assert.deepEqual(postProcess('\n  }\n  return x;', js), { text: '', reason: 'repeats the suffix' });
    assert.deepEqual(postProcess('\n  }\n  }\n  return x;', js), { text: '', reason: 'repeats the suffix' });
    assert.deepEqual(postProcess('\n  }\n  foo();', js), { text: '', reason: 'repeats the suffix' });
  });

  it('leaves line-shaped holes and text after the hole on its line to the rules they had', () => {
    assert.equal(postProcess('x++;\n  }', at('\n  }\n', 'line')).text, 'x++;');
    const read = { ...block('return r\n    }\n'), keepsLineBreak: true };
    assert.equal(postProcess('a\n    }\n    ', read).text, 'a\n    }\n    ');
  });

  it('keeps a fill that only starts like the suffix', () => {
    assert.equal(postProcess('x', at('x + y\n')).text, 'x');
  });

  it('trims an auto-closed bracket the model wrote again', () => {
    assert.equal(postProcess('a, b)', at(')\n')).text, 'a, b');
    assert.equal(postProcess('f(a))', at(')')).text, 'f(a)');
    assert.equal(postProcess('x[0]]', at('];')).text, 'x[0]');
    assert.equal(postProcess('hello"', at('")')).text, 'hello');
  });

  it('keeps a closing bracket the fill needs for its own balance', () => {
    const result = postProcess('foo(a)', at(')\n'));
    assert.deepEqual(result, { text: 'foo(a)' });
  });

  it('trims a fill that ends with the whole rest of the line', () => {
    const result = postProcess('x + 1;', at(';\nnext'));
    assert.deepEqual(result, { text: 'x + 1', reason: 'trimmed the overlap with the rest of the line' });
  });

  it('drops a fill of a comment marker alone, with the reason, and keeps a comment', () => {
    for (const marker of ['#', '  //', '/* ']) assert.deepEqual(postProcess(marker, at('\nx = 1\n', 'line')), { text: '', reason: 'only a comment marker' });
    assert.equal(postProcess('# sum of squares', at('\nx = 1\n', 'line')).text, '# sum of squares');
    assert.equal(postProcess('//', at(' 2\n')).text, '//', "in front of text it may be code: Python's floor division");
    assert.equal(postProcess('#', at('\n')).text, '', 'at the end of a line it is a lone marker');
  });

  it('keeps the line break a cursor read as a block ends with, and that line\'s indentation', () => {
    // the fill closes its line; the text after the hole starts the next one (MBPP's random spans)
    const read = (after: string) => ({ ...block(after), keepsLineBreak: true });
    assert.deepEqual(postProcess("plit(', ')))\n  ", read('return (res)\n')), { text: "plit(', ')))\n  " });
    assert.equal(postProcess('a = 1\n\n\n    ', read('b = 2\n')).text, 'a = 1\n    ', 'a run of blank lines is one break');
    assert.equal(postProcess('a = 1\r\n  ', { ...read('b = 2\r\n'), lineBreak: '\r\n' }).text, 'a = 1\r\n  ', 'a CRLF break stays CRLF');
    assert.equal(postProcess('a = 1\n  ', read('\nb = 2\n')).text, 'a = 1', 'nothing after the hole on its line: trailing breaks go');
    assert.equal(postProcess('\n   ', read('return x\n')).text, '', 'a break alone is no fill');
    // where the fill's end was the rest of the line, that text follows the trimmed fill where it stands
    assert.equal(postProcess(' + 1\n    return r\n', read('return r\n')).text, ' + 1\n    ');
    assert.equal(postProcess('b)\n', read(')\n')).text, 'b');
  });

  it('keeps no trailing line break for a selection over lines with text after it, nor inside a line', () => {
    assert.equal(postProcess('b = 5\nc = 6\n', block('; d = 4\n')).text, 'b = 5\nc = 6');
    assert.equal(postProcess('a, b\n', at(')\n')).text, 'a, b', 'an inline hole keeps its first line');
  });

  it('keeps only the first line inside a line', () => {
    const result = postProcess('a, b)\nprint(c)', at(')\n'));
    assert.equal(result.text, 'a, b');
    assert.equal(postProcess('x\r\ny', at(' + 1\r\n')).text, 'x');
    assert.deepEqual(postProcess('\nnext()', at(')')), { text: '', reason: 'kept the first line: the hole is inside a line' });
  });

  it('keeps one line in a line-shaped hole, ending it with a line break where the hole ends a line', () => {
    assert.deepEqual(postProcess('    y = x\n    return y', at('\n', 'line')), { text: '    y = x', reason: 'kept one line: the hole is a line' });
    const newLine = { lineBreak: '\n', after: '    return y\n', shape: { kind: 'line' as const, endsLine: true, atLineStart: true, textAfter: true } };
    assert.deepEqual(postProcess('    y = x\n    z = 1\n', newLine), { text: '    y = x\n', reason: 'kept one line: the hole is a line' });
    assert.deepEqual(postProcess('    y = x', newLine), { text: '    y = x\n' });
    assert.equal(postProcess('    return y', newLine).text, '', 'repeats the next line');
    assert.equal(postProcess('\n\n    y = x\n    z = 1', newLine).text, '    y = x\n', 'the first line with text');
  });

  it('keeps every line of a block but trailing blank ones', () => {
    assert.equal(postProcess('if x:\n    y()\n  \n', block('\nz()')).text, 'if x:\n    y()');
    const newLines = { lineBreak: '\n', after: 'z()\n', shape: { kind: 'block' as const, endsLine: true, atLineStart: true, textAfter: true } };
    assert.equal(postProcess('a()\nb()', newLines).text, 'a()\nb()\n');
  });

  it("indents in the editor's style when it is given", () => {
    const context = { ...block('\n'), indentation: { insertSpaces: true, tabSize: 4 } };
    assert.equal(postProcess('if x:\n\treturn 1', context).text, 'if x:\n    return 1');
    const lineStart = { lineBreak: '\n', after: 'z()\n', shape: { kind: 'line' as const, endsLine: true, atLineStart: true, textAfter: true }, indentation: { insertSpaces: false, tabSize: 4 } };
    assert.equal(postProcess('    y = x', lineStart).text, '\ty = x\n');
  });
  it("spells the fill's line breaks as the document's: no bare \\n in a CRLF file", () => {
    const inFront = { after: '    return y\r\n', shape: { kind: 'line', endsLine: true, atLineStart: true, textAfter: true }, lineBreak: '\r\n' } as const;
    assert.equal(postProcess('    y = x', inFront).text, '    y = x\r\n');
    assert.equal(postProcess('if x:\n    y = 1\n', { ...block('\r\nz = 2'), lineBreak: '\r\n' }).text, 'if x:\r\n    y = 1');
    assert.equal(postProcess('if x:\r\n    y = 1', block('\nz = 2')).text, 'if x:\n    y = 1', 'and none in an LF file');
  });

  it("reads the document's line break at a place: its line's, the line before's on the last line", () => {
    assert.equal(lineBreakAt('a\r\nb\r\n', 3), '\r\n');
    assert.equal(lineBreakAt('a\nb\r\nc', 0), '\n');
    assert.equal(lineBreakAt('a\r\nb', 4), '\r\n');
    assert.equal(lineBreakAt('ab', 1), '\n');
  });
});
