import * as assert from 'node:assert/strict';
import { lineStart } from '../../src/infill/lines';
import { outsideStrings, pythonSpans, stringAround, tripleQuoted } from '../../src/infill/tripleQuotes';

/** The text of each comment and string of `text` with its kind, an open string's to the end. */
const spans = (text: string) => pythonSpans(text).map(({ open, close, kind }) => [kind, text.slice(open, close)]);

/** The text of each triple-quoted string of `text`. */
const triples = (text: string) => tripleQuoted(text).map(({ open, close }) => text.slice(open, close));

describe("infill: Python's comments and strings, read as its tokenizer reads them", () => {
  it("reads a ''' inside a comment as part of the comment, not a delimiter", () => {
    const text = "# use ''' for docstrings\ndef f():\n    '''Doc.'''\n    return 1  # not '''\n";
    assert.deepEqual(spans(text), [
      ['comment', "# use ''' for docstrings"],
      ['triple', "'''Doc.'''"],
      ['comment', "# not '''"],
    ]);
  });

  it('reads a triple quote inside a one-line string of either quote as part of it', () => {
    const text = `x = "'''"\ny = '"""' + r"'''" + b'"""'\ns = '''a'''\n`;
    assert.deepEqual(spans(text), [
      ['string', `"'''"`],
      ['string', `'"""'`],
      ['string', `"'''"`],
      ['string', `'"""'`],
      ['triple', "'''a'''"],
    ]);
    assert.deepEqual(triples(text), ["'''a'''"]);
  });

  it('lets a backslash escape a quote, a backslash or a line break, in one-line and triple-quoted strings alike', () => {
    assert.deepEqual(spans("x = 'it\\'s'  # '''\n"), [
      ['string', "'it\\'s'"],
      ['comment', "# '''"],
    ]);
    assert.deepEqual(spans("x = '\\\\'  # '''\n"), [
      ['string', "'\\\\'"],
      ['comment', "# '''"],
    ], 'an escaped backslash escapes no quote');
    assert.deepEqual(triples('s = """a \\""" b"""\nt = 1\n'), ['"""a \\""" b"""']);
    assert.deepEqual(triples("s = '''ends with a quote\\''''\n"), ["'''ends with a quote\\''''"]);
    // an escaped line break carries a one-line string on, a CRLF's two characters at once
    for (const newline of ['\n', '\r\n']) {
      const text = `x = "a\\${newline}# no comment '''"${newline}y = 1${newline}`;
      assert.deepEqual(spans(text), [['string', `"a\\${newline}# no comment '''"`]], JSON.stringify(newline));
    }
  });

  it('reads a # or a quote of the other kind inside a triple-quoted string as part of it', () => {
    const text = `s = """# not a comment\n'''\n" ' "" ''"""\nt = 1  # '''\n`;
    assert.deepEqual(spans(text), [
      ['triple', `"""# not a comment\n'''\n" ' "" ''"""`],
      ['comment', "# '''"],
    ]);
  });

  it('ends a one-line string left open at its line, and a triple-quoted one at Infinity', () => {
    const text = "x = 'abc\ns = '''doc'''\ny = \"\"\"open\n";
    assert.deepEqual(spans(text), [
      ['string', "'abc"],
      ['triple', "'''doc'''"],
      ['triple', '"""open\n'],
    ]);
    assert.equal(pythonSpans(text).at(-1)!.close, Infinity);
    assert.deepEqual(spans("x = ''\ny = ''''''\n"), [
      ['string', "''"],
      ['triple', "''''''"],
    ], 'two quotes are an empty string, six an empty triple-quoted one');
  });

  it('reads from a place in code, and opens no span at or past the end asked', () => {
    const text = "a = 'x'  # c\nb = '''y'''\n";
    assert.deepEqual(pythonSpans(text, text.indexOf('b')), [{ open: text.indexOf("'''"), close: text.length - 1, kind: 'triple' }]);
    assert.deepEqual(pythonSpans(text, 0, text.indexOf('#')).map((s) => s.kind), ['string']);
  });

  it('finds the span holding an offset: past its first character and before its end', () => {
    const text = "x = '''ab'''  # c\n";
    const all = pythonSpans(text);
    const open = text.indexOf("'''");
    assert.equal(stringAround(all, open), undefined, 'in front of it');
    assert.equal(stringAround(all, open + 1), all[0], 'inside its delimiter');
    assert.equal(stringAround(all, open + 5), all[0]);
    assert.equal(stringAround(all, open + 8), undefined, 'past its closing delimiter');
    assert.equal(stringAround(all, text.indexOf('c')), all[1]);
    assert.equal(stringAround(all, text.length), undefined, 'a comment ends at its line break');
  });

  it("moves a cut at a line's start out of a one-line string continued on it by an escaped line break", () => {
    const text = `x = 1\ns = 'a\\\nb'''\ny = 2\n`;
    const cut = text.indexOf("b'''");
    assert.equal(outsideStrings(text, cut, { unclosed: false, startOf: lineStart }), text.indexOf('s = '));
    assert.equal(outsideStrings(text, text.indexOf('y'), { unclosed: false, startOf: lineStart }), text.indexOf('y'), 'none holds it');
  });

  it('reads a document of 4 MB in one pass', () => {
    const block = `def f(x):\n    """Doc with 'quotes' and # a hash."""\n    s = 'it\\'s' + "\\"q\\""  # don't '''\n    return r'\\d+', x\n\n`;
    const text = block.repeat(Math.ceil(4e6 / block.length));
    const started = performance.now();
    const all = pythonSpans(text);
    const ms = performance.now() - started;
    assert.equal(all.length, 5 * Math.ceil(4e6 / block.length));
    assert.ok(ms < 1500, `read in ${Math.round(ms)} ms`);
  });
});
