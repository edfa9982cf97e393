import * as assert from 'node:assert/strict';
import { DEFAULT_INFILL_OPTIONS, InfillEngine, type InfillOptions, type SyntaxChecker } from '../../src/infill';
import { syntaxWindow, SYNTAX_WINDOW_CHARS } from '../../src/infill/syntax';
import { loadSyntaxChecker } from '../../src/syntax/treeSitterChecker';
import { FakeDenoiser, fakeSpec } from './helpers/fakeDenoiser';
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
    const [from, to] = syntaxWindow(text, 6000, 6000);
    assert.ok(from > 0 && to < text.length && text[from - 1] === '\n' && text[to - 1] === '\n');
    assert.ok(6000 - from >= SYNTAX_WINDOW_CHARS && to - 6000 >= SYNTAX_WINDOW_CHARS);
    assert.deepEqual(syntaxWindow('short', 2, 3), [0, 5]);
  });

  it('starts a Python window at the line that opens a triple-quoted string it would cut', () => {
    const docstring = `def f():\n    """Lines:\n${'    more words\n'.repeat(400)}    """\n    return 1\n`;
    const end = docstring.indexOf('return 1');
    const [from] = syntaxWindow(docstring, end, end, 'python');
    assert.equal(from, docstring.indexOf('    """Lines'));
    const [plain] = syntaxWindow(docstring, end, end, 'typescript');
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
