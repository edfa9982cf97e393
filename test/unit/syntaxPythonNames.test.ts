import * as assert from 'node:assert/strict';
import { undefinedNames as namesIn } from '../../src/syntax/pythonNames';
import { blankStringsAndComments } from '../../src/syntax/pythonSource';

const undefinedNames = (text: string) => namesIn(blankStringsAndComments(text));

describe('Python names read but bound nowhere', () => {
  const program = [
    'import math',
    'from collections import Counter as C',
    'from os import path',
    'def count(words, key=None, *rest, **options):',
    '    """Counts words: total, seen."""',
    '    total: int = 0',
    '    seen, (a, b) = set(), (1, 2)',
    '    for i, w in enumerate(words):  # w is a word',
    '        total += len(w) + math.floor(i) + a + b',
    '    pairs = [(x, y) for x in words for y in rest]',
    '    f = lambda s, t: s + t',
    '    with open(path.join("a")) as handle:',
    '        pass',
    '    try:',
    '        (n := len(seen))',
    '    except ValueError as error:',
    '        raise error',
    '    return sorted(C(words).items(), key=len, reverse=True), pairs, f, n, handle, options, key',
    '',
  ].join('\n');

  it('finds none where every name is bound, a builtin, an attribute, a keyword argument or inside a string', () => {
    assert.equal(undefinedNames(program), 0);
  });

  it('counts each unbound name once, and a binding anywhere in the text repairs it', () => {
    assert.equal(undefinedNames(`${program}print(result, helper(result))\n`), 2);
    assert.equal(undefinedNames(`${program}result = 1\nprint(result)\n`), 0);
  });

  it('binds no name by a call or a subscript at a line\'s start, reads no string prefix, and reads every parameter and case pattern', () => {
    // a keyword argument after a call at a line's start is no assignment: `word` stays unread-and-unbound
    assert.equal(undefinedNames('def longest(words):\n    return max(word, key=len)\n'), 1);
    assert.equal(undefinedNames('def f(xs):\n    print(total, end="")\n'), 1);
    assert.equal(undefinedNames('def f(arr):\n    arr[undefined_i] = 0\n'), 1);
    assert.equal(undefinedNames('x, *rest = 1, 2  # a comment blanked to a run of spaces\nx **= 2\nx //= 2\nprint(x, rest, x == rest)\n'), 0);
    // f"..." and rb'...' are strings, not the names f and rb
    assert.equal(undefinedNames('def greet(name):\n    return f"Hello, {name}!" + rb\'x\' + u"y"\n'), 0);
    // a default with brackets does not end the parameters
    assert.equal(undefinedNames('def clamp(x, bounds=(0, 1), default=None) -> int:\n    return default if x is None else bounds\n'), 0);
    assert.equal(undefinedNames('def area(shape):\n    match shape:\n        case ("circle", r):\n            return 3.14 * r * r\n        case [w, h] | {"w": w, "h": h}:\n            return w * h\n'), 0);
  });

  it('reads names as Python does, Unicode letters and all', () => {
    // straße is one name, not stra and e; 变量 is a name, not nothing
    assert.equal(undefinedNames('def f(x):\n    straße = x\n    变量 = straße\n    return 变量\n'), 0);
    assert.equal(undefinedNames('def f(x):\n    return straße + x\n'), 1);
    assert.equal(undefinedNames('def f(x):\n    return 变量 + x\n'), 1);
    // a combining mark (e + U+0301) and a middle dot continue a name; a non-ASCII letter before a keyword is no edge
    assert.equal(undefinedNames('cafe\u0301 = 1\nl·l = 2\nprint(cafe\u0301, l·l)\n'), 0);
    assert.equal(undefinedNames('def f(xs):\n    return [çfor for x in xs]\n'), 1);
    assert.equal(undefinedNames('def f(xs):\n    for año, größe in xs:\n        print(año, größe)\n'), 0);
  });

  it('binds no name by a line that continues an open bracket: a dict\'s key, a call\'s keyword argument', () => {
    const dict = (key: string) => `def f(x):\n    d = {\n        ${key}: 1,\n        "b": x,\n    }\n    return d\n`;
    assert.equal(undefinedNames(dict('key')), 1);
    assert.equal(undefinedNames(dict('"key"')), 0);
    assert.equal(undefinedNames('def f(x):\n    g(\n        x,\n        key=1,\n    )\n    return key\n'), 2);
    // a multi-line signature's annotations are still parameters, and a class body's annotations still bind
    assert.equal(undefinedNames('def f(a,\n      b: int,\n      c: str = "") -> int:\n    return a + b + len(c)\n'), 0);
    assert.equal(undefinedNames('class P:\n    x: int\n    y: int = 0\nprint(x, y)\n'), 0);
    // a window cut inside a bracket: the closer it never opened hides no later line
    assert.equal(undefinedNames('    1, 2,\n)\ntotal: int = 0\nprint(total)\n'), 0);
  });

  it('takes a bracket left open (a line still being typed) to end where a statement keyword begins a line', () => {
    const typing = 'def f(xs):\n    total = g(xs,\n    return total\n\ndef h():\n    count = 0\n    return count\n';
    // g alone is unbound: count's assignment, after the open bracket, binds (read as a continuation line it would not: 2)
    assert.equal(undefinedNames(typing), 1);
    assert.equal(undefinedNames(`${typing}print(count)\n`), 1);
    // where no statement keyword intervenes, the lines stay continuations; a name that begins like one is none
    assert.equal(undefinedNames('d = dict(\n    key=1,\n    other=key,\n)\n'), 1);
    assert.equal(undefinedNames('d = dict(\n    passé=1,\n    total=2,\n)\nprint(total)\n'), 1);
  });

  it('gives up on a star import, whose names no pattern can see', () => {
    assert.equal(undefinedNames('from math import *\nprint(floor(pi))\n'), 0);
  });

  it('blanks comments to spaces and strings to quote marks at the same offsets, a triple-quoted string line breaks and all', () => {
    const text = 'x = """a\nb""" + \'c\'  # d\ny = 1\n';
    const code = blankStringsAndComments(text);
    assert.equal(code.length, text.length);
    assert.equal(code, `x = ${'"'.repeat(9)} + ${'"'.repeat(3)}${' '.repeat(5)}\ny = 1\n`);
  });
});
