import * as assert from 'node:assert/strict';
import { DEFAULT_INFILL_OPTIONS, holeShape, InfillEngine, normalizeIndentation, requestForModel, type HoleShape } from '../../src/infill';
import { answers, FakeDenoiser, fakeSpec } from './helpers/fakeDenoiser';
import { FakeTokenizer } from './helpers/fakeTokenizer';

/** The shape of a cursor hole at `|` in `marked`, or of the selection between two `|`. */
function shapeAt(marked: string): HoleShape {
  const start = marked.indexOf('|');
  const second = marked.indexOf('|', start + 1);
  const end = second < 0 ? start : second - 1;
  return holeShape(marked.replace(/\|/g, ''), { start, end });
}

describe('infill: the shape of a hole', () => {
  it('calls a blank line, a line start before text and a selected whole line line-shaped', () => {
    assert.deepEqual(shapeAt('def f(x):\n    |\n    return y\n'), { kind: 'line', endsLine: false, atLineStart: false, textAfter: false });
    assert.deepEqual(shapeAt('def f(x):\n|    return y\n'), { kind: 'line', endsLine: true, atLineStart: true, textAfter: true });
    assert.deepEqual(shapeAt('def f(x):\n|    y = x\n|    return y\n'), { kind: 'line', endsLine: true, atLineStart: true, textAfter: true });
    assert.deepEqual(shapeAt('def f(x):\n    |y = x|\n    return y\n'), { kind: 'line', endsLine: false, atLineStart: false, textAfter: false });
    assert.equal(shapeAt('|').kind, 'line');
  });

  it('calls a hole inside a line inline, and the end of a block opener a block', () => {
    assert.equal(shapeAt('x = compute(|)\n').kind, 'inline');
    assert.equal(shapeAt('total = a + |\n').kind, 'inline');
    assert.equal(shapeAt('    |return y\n').kind, 'inline');
    assert.equal(shapeAt('x = |old| + 1\n').kind, 'inline');
    assert.deepEqual([shapeAt('x = compute(|)\n').textAfter, shapeAt('total = a + |\n').textAfter], [true, false]);
    assert.equal(shapeAt('def f(x):|\n').kind, 'block');
    assert.equal(shapeAt('if (ok) {|  \n').kind, 'block');
    assert.equal(shapeAt('const f = () =>|\n').kind, 'block');
  });

  it('calls a selection over several lines a block', () => {
    assert.deepEqual(shapeAt('def f(x):\n|    y = x\n    return y\n|'), { kind: 'block', endsLine: true, atLineStart: true, textAfter: false });
    assert.equal(shapeAt('a = [|1,\n 2|]\n').kind, 'block');
  });
});

describe('infill: indentation in the editor style', () => {
  it('re-spells continuation lines, keeping the depth', () => {
    const tabbed = 'if x:\n\tif y:\n\t\treturn 1';
    assert.equal(normalizeIndentation(tabbed, { insertSpaces: true, tabSize: 4 }), 'if x:\n    if y:\n        return 1');
    assert.equal(normalizeIndentation('{\n    a;\n      b;', { insertSpaces: false, tabSize: 4 }), '{\n\ta;\n\t  b;');
    assert.equal(normalizeIndentation('  first\n  second', { insertSpaces: true, tabSize: 2 }), '  first\n  second');
    assert.equal(normalizeIndentation('a\n \tb', { insertSpaces: true, tabSize: 4 }), 'a\n    b');
  });

  it('re-spells the first line too where the fill starts at column 0', () => {
    assert.equal(normalizeIndentation('\treturn x\n', { insertSpaces: true, tabSize: 4 }, true), '    return x\n');
    assert.equal(normalizeIndentation('\treturn x\n', { insertSpaces: true, tabSize: 4 }), '\treturn x\n');
  });
});

describe('infill: indentation as the model reads it', () => {
  it('writes leading tabs as spaces, moves the holes with them and asks for tabs back', () => {
    const text = 'def f(x):\n\tif x:\n\t\treturn 1\n\treturn 0\n';
    const hole = text.indexOf('\treturn 0');
    const shown = requestForModel({ text, holes: [{ start: hole, end: hole + 2 }] });
    const spaced = 'def f(x):\n    if x:\n        return 1\n    return 0\n';
    assert.equal(shown.text, spaced);
    assert.deepEqual(shown.holes, [{ start: spaced.indexOf('    return 0'), end: spaced.indexOf('    return 0') + 5 }]);
    assert.deepEqual(shown.indentation, { insertSpaces: false, tabSize: 4 });
  });

  it('puts a hole inside a tab run on the column it stood at, and keeps tabs inside a line', () => {
    const text = 'a\n\t\tb = "\t"\n \tc\n';
    const shown = requestForModel({ text, holes: [{ start: 3, end: 3 }, { start: 13, end: 13 }] });
    assert.equal(shown.text, 'a\n        b = "\t"\n    c\n');
    assert.deepEqual(shown.holes.map((h) => h.start), [6, 19]);
  });

  it('re-spaces a document indented two or eight columns a level to four, and its fills back', () => {
    const text = 'def f(x):\n  if x:\n    return 1\n\n  return 0\n';
    const hole = text.indexOf('  return 0');
    const shown = requestForModel({ text, holes: [{ start: hole, end: hole }], languageId: 'python' });
    assert.equal(shown.text, 'def f(x):\n    if x:\n        return 1\n\n    return 0\n');
    assert.deepEqual(shown.holes, [{ start: shown.text.indexOf('    return 0'), end: shown.text.indexOf('    return 0') }]);
    assert.deepEqual(shown.indentation, { insertSpaces: true, tabSize: 4, levelColumns: 2 });
    assert.equal(normalizeIndentation('        y = 1\n    z = 2\n', shown.indentation!, true), '    y = 1\n  z = 2\n');
    const wide = requestForModel({ text: 'if x:\n        y = 1\n', holes: [{ start: 0, end: 0 }], indentation: { insertSpaces: true, tabSize: 8 }, languageId: 'python' });
    assert.equal(wide.text, 'if x:\n    y = 1\n');
    assert.deepEqual(wide.indentation, { insertSpaces: true, tabSize: 8, levelColumns: 8 });
    assert.equal(normalizeIndentation('    y = 2', wide.indentation!, true), '        y = 2');
  });

  it('keeps a level eight columns wide where four would put two cursors on one column, or empty a selection', () => {
    const text = 'if x:\n        y = 1\n        z = 2\n';
    const line = text.indexOf('        z');
    const request = { text, holes: [{ start: line + 1, end: line + 1 }, { start: line + 2, end: line + 2 }], languageId: 'python' };
    assert.equal(requestForModel(request), request);
    const apart = { ...request, holes: [{ start: line + 2, end: line + 2 }, { start: line + 6, end: line + 6 }] };
    assert.equal(requestForModel(apart).text, 'if x:\n    y = 1\n    z = 2\n', 'cursors two levels apart still re-space');
    const tabbed = { ...request, text: `${text}\t\tw = 3\n` };
    assert.deepEqual(requestForModel(tabbed).holes, request.holes, 'tabs re-spelled, the widths kept');
    assert.equal(requestForModel(tabbed).indentation?.levelColumns, undefined);
    const oneSpace = { ...request, holes: [{ start: line + 3, end: line + 4 }] };
    assert.equal(requestForModel(oneSpace), oneSpace, 'a selected space stays a selection, not a cursor');
  });

  it('reads the level width from the lines no hole touches, and only in Python', () => {
    const text = 'def f(x):\n    if x:\n  \n        return 1\n';
    const request = { text, holes: [{ start: text.indexOf('  \n') + 2, end: text.indexOf('  \n') + 2 }], languageId: 'python' };
    assert.equal(requestForModel(request), request, 'a hole after two of four spaces does not make the level two');
    const typescript = { text: 'function f(x) {\n  return x;\n}\n', holes: [{ start: 0, end: 0 }], languageId: 'typescript' };
    assert.equal(requestForModel(typescript), typescript, 'TypeScript keeps its two spaces');
  });

  it('reads the level width from the line a hole ends in front of, which the fill leaves whole', () => {
    // a two-line function indented one column, the hole a new line in front of its body (MBPP has many)
    const text = 'def f(x):\n return x\n';
    for (const hole of [{ start: 10, end: 10 }, { start: 0, end: 10 }]) {
      const shown = requestForModel({ text, holes: [hole], languageId: 'python' });
      assert.equal(shown.text.slice(shown.holes[0].end), '    return x\n');
      assert.deepEqual(shown.indentation, { insertSpaces: true, tabSize: 4, levelColumns: 1 });
    }
    // a cursor inside the line or after its indentation may add to it: no width read from it
    for (const at of [11, 12, 15]) {
      const request = { text: 'def f(x):\n  return x\n', holes: [{ start: at, end: at }], languageId: 'python' };
      assert.equal(requestForModel(request), request);
    }
  });

  it('reads the level width of a file of 200,000 indented lines (4 MB)', () => {
    const text = 'def g(a, b):\n  c = a + b\n  return c\n'.repeat(100_000);
    const shown = requestForModel({ text, holes: [{ start: 0, end: 0 }], languageId: 'python' });
    assert.deepEqual(shown.indentation, { insertSpaces: true, tabSize: 4, levelColumns: 2 });
    assert.equal(shown.text, 'def g(a, b):\n    c = a + b\n    return c\n'.repeat(100_000));
  });

  it('reads no level width from the lines inside a triple-quoted string', () => {
    const text = 'def f(x):\n    q = """\n  SELECT 1\n"""\n    if x:\n        return q\n    return None\n';
    const request = { text, holes: [{ start: text.indexOf('if x:') + 5, end: text.indexOf('if x:') + 5 }], languageId: 'python' };
    assert.equal(requestForModel(request), request, 'four columns a level: a fill is not halved');
    const twoColumns = "def f(x):\n  '''Doc\n   more\n   '''\n  return x\n";
    const shown = requestForModel({ text: twoColumns, holes: [{ start: 0, end: 0 }], languageId: 'python' });
    assert.ok(shown.text.endsWith("'''\n    return x\n"));
    assert.deepEqual(shown.indentation, { insertSpaces: true, tabSize: 4, levelColumns: 2 });
  });

  it('leaves a document alone whose indentation is no multiple of one width', () => {
    const request = { text: 'x = f(a,\n     b)\nif x:\n  y = 1\n', holes: [{ start: 0, end: 0 }], languageId: 'python' };
    assert.equal(requestForModel(request), request);
  });

  it('reads tab indentation from the lines with text, and the line a hole is on, not from a blank line\'s tab', () => {
    const blankTab = (level: string) => {
      const text = `def f(x):\n${level}y = x * 2\n\t\r\n${level}if y:\n${level}${level}pass\n`;
      return { text, holes: [{ start: text.indexOf('pass'), end: text.indexOf('pass') }], languageId: 'python' };
    };
    const request = blankTab('    ');
    assert.equal(requestForModel(request), request, 'indented in spaces: the fill is not asked back in tabs');
    assert.deepEqual(requestForModel(blankTab('  ')).indentation, { insertSpaces: true, tabSize: 4, levelColumns: 2 });
    const written = requestForModel({ text: 'def f(x):\n\t', holes: [{ start: 11, end: 11 }] });
    assert.equal(written.text, 'def f(x):\n    ');
    assert.deepEqual(written.indentation, { insertSpaces: false, tabSize: 4 }, 'the tab the new line starts with');
  });

  it('keeps the editor\'s spaces, a tab a level of its tabSize, and a document without tab indentation as it is', () => {
    const spacesWanted = requestForModel({ text: '\tx\n', holes: [{ start: 0, end: 0 }], indentation: { insertSpaces: true, tabSize: 2 } });
    assert.deepEqual(spacesWanted.indentation, { insertSpaces: true, tabSize: 2, levelColumns: 2 });
    const request = { text: 'if x:\n    y = "\t"\n', holes: [{ start: 6, end: 6 }] };
    assert.equal(requestForModel(request), request);
  });
});

describe('infill: the depth of a fill in a tab-indented file whose editor asks for spaces', () => {
  /**
   * The fill of a cursor after `if (x) {` in `text`, where the model, reading the text before it as
   * `shownBefore`, writes `written`, for an editor that indents with `tabSize` spaces.
   */
  async function fillAfterIf(text: string, shownBefore: string, written: string, tabSize: number): Promise<string> {
    const hole = text.indexOf('if (x) {') + 'if (x) {'.length;
    const tokenizer = new FakeTokenizer();
    const start = 1 + (await tokenizer.ids(shownBefore)).length;
    const engine = new InfillEngine({ denoiser: new FakeDenoiser(fakeSpec(), answers([start, await tokenizer.ids(written)])), tokenizer });
    const options = { ...DEFAULT_INFILL_OPTIONS, lengths: undefined, pruneAfter: undefined, contextTokens: 64, maxTokens: 8, steps: 8 };
    const result = await engine.fill({ text, holes: [{ start: hole, end: hole }], indentation: { insertSpaces: true, tabSize } }, options);
    return result.candidates[0].fills[0].text;
  }

  it('writes each level the model reads in a tab\'s place as tabSize spaces', async () => {
    const text = 'function f(x) {\n\tif (x) {\n\t\treturn 1;\n\t}\n}\n';
    // the model reads each tab as four spaces, and writes the new line two of its levels deep
    const fill = (tabSize: number) => fillAfterIf(text, 'function f(x) {\n    if (x) {', '\n        y();', tabSize);
    assert.equal(await fill(2), '\n    y();');
    assert.equal(await fill(8), `\n${' '.repeat(16)}y();`);
    assert.equal(await fill(4), '\n        y();');
  });

  it('keeps the file\'s own columns in a space-indented file with a stray tab line', async () => {
    const text = 'function f(x) {\n  if (x) {\n    return 1;\n  }\n}\nfunction g() {\n\treturn 2;\n}\n';
    const fill = await fillAfterIf(text, 'function f(x) {\n  if (x) {', '\n    y();', 2);
    assert.equal(fill, '\n    y();', 'two levels of the file\'s two columns');
  });
});
