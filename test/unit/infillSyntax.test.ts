import * as assert from 'node:assert/strict';
import { DEFAULT_INFILL_OPTIONS, InfillEngine, type InfillOptions, type SyntaxChecker } from '../../src/infill';
import { MARGIN_CHARS } from '../../src/infill/nearHoles';
import { syntaxWindow, SYNTAX_WINDOW_CHARS } from '../../src/infill/syntax';
import { loadSyntaxChecker } from '../../src/syntax/treeSitterChecker';
import { answers, FakeDenoiser, fakeSpec } from './helpers/fakeDenoiser';
import { FAKE_SPECIAL, FakeTokenizer } from './helpers/fakeTokenizer';

describe('syntax check: tree-sitter', () => {
  let checker: SyntaxChecker;
  before(async () => {
    checker = await loadSyntaxChecker();
  });

  it('counts the parse errors of a Python text, offline from the grammar package', () => {
    assert.equal(checker.errors('def f(x):\n    return x + 1\n', 'python'), 0);
    assert.ok(checker.errors('def f(x):\n    for i in range(len(x):\n        pass\n', 'python')! > 0);
  });

  it('adds the indentation errors of Python, which the grammar recovers from without an error node', () => {
    assert.equal(checker.errors('def f(x):\n    try:\n    y = 1\n    return y\n', 'python'), 1);
  });

  it('has no verdict for a language without a grammar', () => {
    assert.equal(checker.errors('fn main() {}', 'rust'), undefined);
  });

  it('parses only a window of whole lines around the holes', () => {
    const line = 'x = 1\n';
    const text = line.repeat(2000);
    const [from, to] = syntaxWindow(text, 6000, 6000)!;
    assert.ok(from > 0 && to < text.length && text[from - 1] === '\n' && text[to - 1] === '\n');
    assert.ok(6000 - from >= SYNTAX_WINDOW_CHARS && to - 6000 >= SYNTAX_WINDOW_CHARS);
    assert.deepEqual(syntaxWindow('short', 2, 3), [0, 5]);
  });

  it("reaches no further than nearHoles' margin: a longer line at its edge is left out, and a hole on one has no window", () => {
    const data = `DATA = "${'a'.repeat(MARGIN_CHARS)}"\n`;
    const code = 'def f(x):\n    y = 1\n    return y\n';
    const text = `${data}${code}${data}`;
    const at = text.indexOf('1\n');
    assert.deepEqual(syntaxWindow(text, at, at + 1), [data.length, data.length + code.length], 'the whole lines between the long ones');
    // the hole's line starts, or ends, more than the margin away
    assert.equal(syntaxWindow(text, data.length - 5, data.length - 5), undefined);
    assert.equal(syntaxWindow(text, text.length - data.length + 5, text.length - data.length + 5), undefined);
    const short = 'x = 1\n'.repeat(1000);
    assert.equal(syntaxWindow(`${data}${short}`, data.length + 2, data.length + 2)![0], data.length, 'the long line the window would start on is left out');
    const docstring = `def f():\n    """${'words\n'.repeat(MARGIN_CHARS / 6)}"""\n    return 1\n`;
    const end = docstring.indexOf('return 1');
    assert.equal(syntaxWindow(docstring, end, end, 'python'), undefined, 'the string the Python window would start in opens past the margin');
    assert.ok(syntaxWindow(docstring, end, end, 'typescript'));
  });

  it("moves a Python window's start out of strings until none holds it: out of one kind into the other, then out of that", () => {
    // The window starts inside the ''' string; the line that opens it starts inside the """ one.
    const text = `s = """\nend""" + '''\n${'x = 1\n'.repeat(1000)}'''\ny = \n`;
    const at = text.length - 1;
    assert.deepEqual(syntaxWindow(text, at, at, 'python'), [0, text.length]);
  });

  it("reads a ''' in a comment or in a one-line string as no delimiter: the window stays where it is", () => {
    // Paired from the start as delimiters, the comment's ''' would open a string the docstring's first closes.
    for (const head of ["# use ''' for docstrings\n", `Q = "'''"  # the quote\n`]) {
      const text = `${head}${'x = 1\n'.repeat(1000)}def f():\n    '''Doc.'''\n    y = \n`;
      const at = text.length - 1;
      assert.deepEqual(syntaxWindow(text, at, at, 'python'), syntaxWindow(text, at, at, 'typescript'), head);
    }
  });

  it('starts a Python window at the line that opens a triple-quoted string it would cut', () => {
    const docstring = `def f():\n    """Lines:\n${'    more words\n'.repeat(400)}    """\n    return 1\n`;
    const end = docstring.indexOf('return 1');
    const [from] = syntaxWindow(docstring, end, end, 'python')!;
    assert.equal(from, docstring.indexOf('    """Lines'));
    const [plain] = syntaxWindow(docstring, end, end, 'typescript')!;
    assert.ok(plain > from, 'other languages keep the plain window');
  });
});

describe('InfillEngine: candidates that add parse errors', () => {
  it('ranks candidates by the parse errors they add before their scores', async () => {
    const tokenizer = new FakeTokenizer();
    const prefix = 'x = ';
    const start = 1 + (await tokenizer.ids(prefix)).length;
    const [good, one, bad] = [(await tokenizer.ids('ok'))[0], (await tokenizer.ids('1'))[0], (await tokenizer.ids('('))[0]];
    // The 1-slot row (its second slot fixed to padding) is sure of '(', which breaks the syntax;
    // the 2-slot row is less sure of 'ok1'.
    const denoiser = new FakeDenoiser(fakeSpec(), (row, position) => {
      if (position === start) return row[start + 1] === FAKE_SPECIAL.pad ? bad : ([good, 3] as const);
      if (position === start + 1) return one;
      return row[position];
    });
    const syntax: SyntaxChecker = { errors: (text, language) => (language === 'toy' ? (text.includes('(') ? 1 : 0) : undefined) };
    const engine = new InfillEngine({ denoiser, tokenizer }, undefined, { syntax });
    const options: InfillOptions = { ...DEFAULT_INFILL_OPTIONS, lengths: [1, 2], inlineLengths: undefined, steps: 2, contextTokens: 64, candidates: 2 };
    const request = { text: 'x = \n', holes: [{ start: 4, end: 4 }] };
    const checked = await engine.fill({ ...request, languageId: 'toy' }, options);
    assert.deepEqual(checked.candidates.map((c) => [c.fills[0].text, c.syntaxErrors]), [['ok1', 0], ['(', 1]]);
    const unchecked = await engine.fill(request, options);
    assert.deepEqual(unchecked.candidates.map((c) => [c.fills[0].text, c.syntaxErrors]), [['(', undefined], ['ok1', undefined]]);
  });
  it('samples anew, not from the cache, for another language or other text in its window past the canvas: they decide which rows a prune keeps', async () => {
    const tokenizer = new FakeTokenizer();
    const [good, one, bad] = [(await tokenizer.ids('ok'))[0], (await tokenizer.ids('1'))[0], (await tokenizer.ids('('))[0]];
    let start = 0;
    // As above: the sure 1-slot row writes '(', the less sure 2-slot row 'ok1'.
    const denoiser = new FakeDenoiser(fakeSpec(), (row, position) => {
      if (position === start) return row[start + 1] === FAKE_SPECIAL.pad ? bad : ([good, 3] as const);
      if (position === start + 1) return one;
      return row[position];
    });
    // '(' is an error in 'toy' unless the document allows it.
    const syntax: SyntaxChecker = { errors: (text, language) => (language === 'toy' ? Number(text.includes('(') && !text.includes('#allow')) : undefined) };
    const engine = new InfillEngine({ denoiser, tokenizer }, undefined, { syntax });
    // Greedy, one candidate: after the first step only the best-ranked length row goes on.
    const options: InfillOptions = { ...DEFAULT_INFILL_OPTIONS, lengths: [1, 2], inlineLengths: undefined, steps: 2, threshold: undefined, contextTokens: 64, pruneAfter: 1 };
    const fill = async (header: string, languageId: string) => {
      // The header is far enough above the hole to be off the 64-token canvas, well inside the window.
      const text = `${header}\n${'y = 1\n'.repeat(30)}x = \n`;
      const at = text.length - 1;
      const result = await engine.fill({ text, holes: [{ start: at, end: at }], languageId }, options, { onPlan: (plan) => (start = plan.layout.rows[0][0].start) });
      return [result.candidates[0].fills[0].text, result.cached];
    };
    assert.deepEqual(await fill('#allow', 'toy'), ['(', false]);
    assert.deepEqual(await fill('#allow', 'toy'), ['(', true]);
    assert.deepEqual(await fill('#deny_', 'toy'), ['ok1', false], "the line above the canvas makes '(' an error");
    assert.deepEqual(await fill('#allow', 'toy'), ['(', true]);
    assert.deepEqual(await fill('#deny_', 'other'), ['(', false], 'no check in a language without a grammar');
  });

  it("parses a window within nearHoles' margin of a document of 800 KB lines, and fills it; none where the hole is on such a line", async () => {
    const checker = await loadSyntaxChecker();
    const parsed: number[] = [];
    const syntax: SyntaxChecker = { errors: (window, language) => (parsed.push(window.length), checker.errors(window, language)) };
    const tokenizer = new FakeTokenizer();
    const written = await tokenizer.ids('x');
    let start = 0;
    const denoiser = new FakeDenoiser(fakeSpec(), (row, position) => answers([start, written])(row, position));
    const engine = new InfillEngine({ denoiser, tokenizer }, undefined, { syntax });
    const options: InfillOptions = { ...DEFAULT_INFILL_OPTIONS, lengths: [1, 2], inlineLengths: undefined, steps: 2, contextTokens: 64, pruneAfter: undefined };
    const data = (name: string) => `${name} = "${'a'.repeat(800_000)}"\n`;
    const text = `${data('A')}${data('B')}def f(x):\n    y = \n    return y\n${data('C')}`;
    const fill = async (at: number) => {
      const result = await engine.fill({ text, holes: [{ start: at, end: at }], languageId: 'python' }, options, { onPlan: (plan) => (start = plan.layout.rows[0][0].start) });
      return result.candidates[0].fills[0].text;
    };
    assert.equal(await fill(text.indexOf('y = ') + 4), 'x');
    assert.ok(parsed.length > 0 && parsed.every((length) => length <= 2 * MARGIN_CHARS), `parsed ${parsed.join(', ')} characters`);
    parsed.length = 0;
    assert.equal(await fill(text.indexOf('C = ') + 1000), 'x');
    assert.deepEqual(parsed, [], 'no window of whole lines around the hole stays within the margin');
  });

  it('parses the window without a fill once per fill, though a prune preview ranks the rows before the final ranking does', async () => {
    const tokenizer = new FakeTokenizer();
    const [word] = await tokenizer.ids('a');
    const denoiser = new FakeDenoiser(fakeSpec(), (row, position) => (row[position] === FAKE_SPECIAL.mask ? word : row[position]));
    const parsed: string[] = [];
    const syntax: SyntaxChecker = { errors: (text) => (parsed.push(text), 0) };
    const engine = new InfillEngine({ denoiser, tokenizer }, undefined, { syntax });
    // Greedy: a row per length; the preview after step 1 ranks all three and keeps two, which the final ranking ranks again.
    const options: InfillOptions = { ...DEFAULT_INFILL_OPTIONS, lengths: [1, 2, 3], inlineLengths: undefined, steps: 3, threshold: undefined, contextTokens: 64, candidates: 2, pruneAfter: 1 };
    const text = 'x = \n';
    const result = await engine.fill({ text, holes: [{ start: 4, end: 4 }], languageId: 'toy' }, options);
    assert.equal(result.candidates.length, 2);
    assert.deepEqual(parsed.filter((window) => window === text), [text], 'the window as it is: once');
    assert.equal(parsed.length, 1 + 3 + 2, 'and each candidate filled in, in the preview and in the final ranking');
  });
});
