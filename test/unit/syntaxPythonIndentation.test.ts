import * as assert from 'node:assert/strict';
import { indentationErrors as errorsIn } from '../../src/syntax/pythonIndentation';
import { blankStringsAndComments } from '../../src/syntax/pythonSource';

const indentationErrors = (text: string) => errorsIn(blankStringsAndComments(text));

describe('Python indentation errors (what the tree-sitter grammar lets through)', () => {
  it('finds none in well-indented code, brackets, strings, comments and continuations included', () => {
    const ok = [
      'def f(x):',
      '    """A docstring:',
      'at column 0 inside the string:',
      '    """',
      '    total = [a for a in x',
      '             if a:  # a colon inside brackets',
      '    ]',
      "    s = 'if x:'  # a colon inside a string",
      '    t = """',
      '  a string on lines of its own,',
      '    its close and a call after it on one line',
      '""".strip()',
      '    y = 1 + \\',
      '            2',
      '    if y:',
      '        # a comment at any column',
      '',
      '        try:',
      '            pass',
      '        except ValueError:',
      '            raise',
      '    return {k: v',
      '            for k, v in x}',
      'print(f(1))',
      '',
    ].join('\n');
    assert.equal(indentationErrors(ok), 0);
  });

  it('counts a block opener with no deeper line, an unexpected indent and a dedent to no enclosing column', () => {
    assert.equal(indentationErrors('def f(x):\n    try:\n    y = 1\n    return y\n'), 1, 'a lone try:');
    assert.equal(indentationErrors('def f(x):\n    y = 1\n        z = 2\n    return y\n'), 1, 'unexpected indent, counted once');
    assert.equal(indentationErrors('def f(x):\n    if x:\n        y = 1\n      z = 2\n    return y\n'), 1, 'unindent to column 6');
    assert.equal(indentationErrors('def f(x):\n    for i in x:\n    return y\n'), 1);
  });

  it('reads a tab as CPython does: to the next multiple of eight, and a TabError where a one-column tab changes the order', () => {
    assert.equal(indentationErrors('if x:\n\tif y:\n\t\tz = 1\n\tw = 2\n'), 0);
    // each of these is CPython's "TabError: inconsistent use of tabs and spaces in indentation"
    assert.equal(indentationErrors('if x:\n\ty = 1\n        z = 2\n'), 1, 'one column at 8, two at 1');
    assert.equal(indentationErrors('if x:\n  \ty = 1\n        z = 2\n'), 1);
    assert.equal(indentationErrors('if x:\n    if y:\n\tz = 1\n'), 1, 'deeper at 8, shallower at 1');
    assert.equal(indentationErrors('def f():\n\t  for t in x:\n\t\tpass\n'), 1, "a model's mixed indent before a tabbed body");
  });

  it('takes a window as it comes: its first line is the base, a dedent below every block a new base', () => {
    assert.equal(indentationErrors('        y = 1\n        return y\n\ndef g():\n    return 2\n'), 0);
    assert.equal(indentationErrors('    if x:\n'), 0, 'the body of a block cut off by the window end is beyond it');
    assert.equal(indentationErrors(''), 0);
  });

  it('closes an unterminated one-line string at the end of its line', () => {
    assert.equal(indentationErrors("def f():\n    s = 'oops\n    if s:\n    return s\n"), 1, 'the lone if: after it is still seen');
  });

  it('keeps a line that holds only a string: a docstring is a block body', () => {
    assert.equal(indentationErrors('class E(Exception):\n    """Doc."""\n\nx = 1\n'), 0);
  });
});
