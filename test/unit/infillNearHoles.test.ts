import * as assert from 'node:assert/strict';
import { DEFAULT_INFILL_OPTIONS, InfillEngine, type InfillRequest } from '../../src/infill';
import { nearHoles } from '../../src/infill/nearHoles';
import { stringAround, tripleQuoted } from '../../src/infill/tripleQuotes';
import { answers, FakeDenoiser, fakeSpec } from './helpers/fakeDenoiser';
import { FAKE_SPECIAL, FakeTokenizer } from './helpers/fakeTokenizer';

/** Python indented two columns a level (the engine re-spaces it to four: work over every line). */
const FUNCTIONS = (n: number, from = 0) =>
  Array.from({ length: n }, (_, i) => `def f${from + i}(a, b):\r\n  total = a + b\r\n  return total\r\n\r\n`).join('');

const OPTIONS = { ...DEFAULT_INFILL_OPTIONS, lengths: undefined, pruneAfter: undefined, maxTokens: 8, steps: 4, contextTokens: 64 };

/** Whether `offset` of `text` is inside a triple-quoted string of either kind, read from the start of `text`. */
const quoted = (text: string, offset: number) => stringAround(tripleQuoted(text), offset) !== undefined;

describe('infill: a long document fills as the slice of it a fill can read', () => {
  it('keeps a short document whole, and cuts a long one after line breaks, the holes moved with it', () => {
    const short: InfillRequest = { text: 'x = 1\ny = \n', holes: [{ start: 10, end: 10 }] };
    assert.equal(nearHoles(short, 256), short);

    const before = FUNCTIONS(5000);
    const after = FUNCTIONS(5000, 5000);
    const middle = 'def area(r):\r\n  result = \r\n  return result\r\n';
    const hole = before.length + middle.indexOf('= ') + 2;
    const long: InfillRequest = { text: before + middle + after, holes: [{ start: hole, end: hole }, { start: hole + 4, end: hole + 6 }] };
    const near = nearHoles(long, 256);
    const from = long.text.indexOf(near.text);
    assert.ok(from > 0 && from + near.text.length < long.text.length, 'cut on both sides');
    assert.equal(long.text[from - 1], '\n', 'after a line break, not inside \\r\\n');
    assert.ok(near.text.endsWith('\r\n'));
    assert.deepEqual(near.holes.map((h) => [h.start + from, h.end + from]), long.holes.map((h) => [h.start, h.end]));
    // what a canvas of 256 tokens can read (16 characters a token) and a margin, on each side
    assert.ok(hole - from >= 256 * 16 + 32_768 && from + near.text.length - (hole + 6) >= 256 * 16 + 32_768);
    assert.equal(nearHoles(long, 4096).text.length > near.text.length, true, 'a wider canvas reads further');
  });

  it('never cuts inside a triple-quoted string, which would turn the code after the cut into a string', () => {
    const documented = (i: number) => `def f${i}(x):\n    """Return x.\n\n    Long enough to be cut into.\n    """\n    return x\n\n\n`;
    const functions = Array.from({ length: 1200 }, (_, i) => documented(i)).join('');
    let cuts = 0;
    for (let extra = 0; extra < 97; extra += 3) {
      // the padding moves where, counted back from the hole, the cut falls among the functions' lines
      const text = `'''Module.'''\n${functions}${'#'.repeat(extra)}\ndef g(x):\n    y = \n`;
      const at = text.length - 1;
      const near = nearHoles({ text, holes: [{ start: at, end: at }], languageId: 'python' }, 256);
      const from = text.length - near.text.length;
      if (from > 0) cuts++;
      assert.equal(quoted(near.text, near.holes[0].start), quoted(text, at), `cut at ${from}`);
      assert.equal(quoted(text, from), false, `cut at ${from}, inside a string`);
    }
    assert.equal(cuts, 33, 'every length was cut');
  });

  it('cuts a Python file past a string left open or a lone delimiter in a comment, and other languages whatever their quotes', () => {
    const functions = Array.from({ length: 8000 }, (_, i) => `def f${i}(x):\n    return x\n\n`).join('');
    const heads: Array<[string, string]> = [
      ["# don't write ''' here\n", 'python'],
      ["s = '''never closed\n", 'python'],
      [`const q = "'''";\n`, 'javascript'],
    ];
    for (const [head, languageId] of heads) {
      const text = `${head}${functions}def g(x):\n    y = \n`;
      const at = text.length - 1;
      const near = nearHoles({ text, holes: [{ start: at, end: at }], languageId }, 256);
      assert.ok(near.text.length < text.length / 2, `${languageId}: ${near.text.length} of ${text.length} characters kept`);
    }
  });

  it("reads a long document's triple-quoted strings as its slice does, past a ''' in a comment or a one-line string", () => {
    // Paired from the start, each head's lone ''' turned the rest inside out: below, ''' docstrings
    // (code read as string and their text as code, the cut moved to keep that reading), or one
    // string left open from the head to the end, in the whole document but not in its slice.
    const heads = ["# use ''' for docstrings\n", `QUOTE = "'''"\n`, "ESCAPED = 'it\\'s \\''''\n", `DOC = """# not a comment: '''"""\n`];
    for (const [quote, head] of ["'''", '"""'].flatMap((quote) => heads.map((head) => [quote, head]))) {
      const documented = (i: number) => `def f${i}(x):\n    ${quote}Return x.\n\n    Long enough to be cut into.\n    ${quote}\n    return x  # it's x\n\n\n`;
      const functions = Array.from({ length: 1200 }, (_, i) => documented(i)).join('');
      for (let extra = 0; extra < 40; extra += 7) {
        const text = `${head}${functions}${'#'.repeat(extra)}\ndef g(x):\n    ${quote}Doc: \n    ${quote}\n    y = \n`;
        for (const at of [text.indexOf('Doc: ') + 5, text.length - 1]) {
          const near = nearHoles({ text, holes: [{ start: at, end: at }], languageId: 'python' }, 256);
          const from = text.length - near.text.length;
          assert.ok(from > 0, `${quote} ${head}: cut`);
          const whole = tripleQuoted(text);
          assert.equal(stringAround(whole, from), undefined, `${quote} ${head}: cut at ${from}, inside a string`);
          assert.deepEqual(
            tripleQuoted(near.text).map(({ open, close }) => [open + from, close + from]),
            whole.filter(({ open }) => open >= from).map(({ open, close }) => [open, close]),
            `${quote} ${head}: the slice cut at ${from} pairs its delimiters otherwise`,
          );
          assert.equal(quoted(text, at), at < text.length - 1, `${quote} ${head}: the hole in the docstring, the other in code`);
          assert.equal(quoted(near.text, near.holes[0].start), quoted(text, at), `${quote} ${head}: the slice reads the hole otherwise`);
        }
      }
      assert.equal(tripleQuoted(`${head}${functions}`).length, (head.startsWith('DOC') ? 1 : 0) + 1200, `${head}: one string a docstring`);
    }
  });

  it('ends a fill\'s lines as the whole document does, when the slice of a long last line holds no line break', async () => {
    const prefix = `let x = 1;\r\nconst data = "${'a'.repeat(40_000)}"; if (x) {`;
    const tokenizer = new FakeTokenizer();
    const written = await tokenizer.ids('\n  y();');
    // the hole's slots follow the canvas's prefix, whatever the cut: find them from the plan
    let start = 0;
    const denoiser = new FakeDenoiser(fakeSpec(), (row, position) => answers([start, written])(row, position));
    const engine = new InfillEngine({ denoiser, tokenizer });
    const result = await engine.fill({ text: prefix, holes: [{ start: prefix.length, end: prefix.length }] }, { ...OPTIONS, contextTokens: 64 }, {
      onPlan: (plan) => (start = plan.layout.rows[0][0].start),
    });
    assert.equal(result.candidates[0].fills[0].text, '\r\n  y();');
  });

  it('fills a 20 MB document in the time of a short one (re-spacing every line of it took seconds)', async () => {
    const tokenizer = new FakeTokenizer();
    const engine = new InfillEngine({ denoiser: new FakeDenoiser(fakeSpec(), (row, position) => (row[position] === FAKE_SPECIAL.mask ? FAKE_SPECIAL.pad : row[position])), tokenizer });
    const side = FUNCTIONS(190_000);
    const prefix = `${side}def area(r):\r\n  result = `;
    const long: InfillRequest = { text: `${prefix}r\r\n  return result\r\n${side}`, holes: [{ start: prefix.length, end: prefix.length + 1 }], languageId: 'python' };
    assert.ok(long.text.length > 20e6);
    const started = performance.now();
    await engine.fill(long, OPTIONS);
    const ms = performance.now() - started;
    assert.ok(ms < 2000, `a fill of the 20 MB document took ${Math.round(ms)} ms`);
  });
});
