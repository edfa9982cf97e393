import * as assert from 'node:assert/strict';
import { DEFAULT_INFILL_OPTIONS, holeShape, InfillEngine, type Candidate, type SyntaxChecker } from '../../src/infill';
import { enclosingIndents, reindented, withIndentRepairs } from '../../src/infill/indentRepair';
import { answers, FakeDenoiser, fakeSpec } from './helpers/fakeDenoiser';
import { FakeTokenizer } from './helpers/fakeTokenizer';

/** The text without its `|` and the cursor hole there. */
function at(marked: string) {
  const start = marked.indexOf('|');
  return { text: marked.replace('|', ''), holes: [{ start, end: start }] };
}

const candidate = (text: string, score: number): Candidate => ({ fills: [{ text, tokens: 1, confidence: 1, score }], confidence: 1, score, row: 0 });

describe('infill: indentation repair of a whole line inserted at column 0', () => {
  it("lists the previous code line's indentation, then each shallower enclosing block's, deepest first", () => {
    const { text, holes } = at('def f(a, b):\n\tif a > b:\n\t\tnum = a\n\n\t\t# a comment\n|\trem = 1\n');
    assert.deepEqual(enclosingIndents(text, holes[0].start), ['\t\t', '\t', '']);
    const spaces = at('def g(n):\n temp = n\n while temp > 0:\n           x = 1\n if n == 1:\n           return True\n|');
    assert.deepEqual(enclosingIndents(spaces.text, spaces.holes[0].start), ['           ', ' ', '']);
  });

  it('adds one level deeper after a block opener, in the lines\' own unit', () => {
    const { text, holes } = at('def f(x):\n  if x:\n|    return y\n');
    assert.deepEqual(enclosingIndents(text, holes[0].start), ['  ', '', '    ']);
    const tabs = at('def f(x):\n\tfor i in x:\n|');
    assert.deepEqual(enclosingIndents(tabs.text, tabs.holes[0].start), ['\t', '', '\t\t']);
  });

  it("re-indents a fill at every indentation but its own, and never an empty one", () => {
    assert.deepEqual(reindented('\t  den = a\n', ['\t\t', '\t', '']), ['\t\tden = a\n', '\tden = a\n', 'den = a\n']);
    assert.deepEqual(reindented('\tx\n', ['\t', '']), ['x\n']);
    assert.deepEqual(reindented('  \n', ['\t', '']), []);
  });

  it('appends the repairs after the candidates, only for a lone cursor on a line of its own at column 0', () => {
    const request = at('if x:\n    a = 1\n|    return a\n');
    const shape = holeShape(request.text, request.holes[0]);
    const out = withIndentRepairs(request.text, request.holes, shape, [candidate('  b = 2\n', -1), candidate('c = 3\nd = 4\n', -2)]);
    assert.deepEqual(out.map((c) => c.fills[0].text), ['  b = 2\n', 'c = 3\nd = 4\n', '    b = 2\n', 'b = 2\n']);
    assert.deepEqual(out.slice(2).map((c) => c.score), [-1, -1], 'a repair keeps the model\'s score');
    const inline = at('x = |1\n');
    const none = withIndentRepairs(inline.text, inline.holes, holeShape(inline.text, inline.holes[0]), [candidate('2', -1)]);
    assert.deepEqual(none.map((c) => c.fills[0].text), ['2']);
  });

  it('lets the syntax check choose through the engine: a repair wins only where the own indentation adds errors', async () => {
    const tokenizer = new FakeTokenizer();
    const prefix = 'if x:\n    a = 1\n';
    const start = 1 + (await tokenizer.ids(prefix)).length;
    const denoiser = new FakeDenoiser(fakeSpec(), answers([start, await tokenizer.ids('  b = 2\n')]));
    // A toy language whose only error is a line indented by two spaces.
    const syntax: SyntaxChecker = { errors: (text, language) => (language === 'toy' ? text.split('\n').filter((l) => /^ {2}\S/.test(l)).length : undefined) };
    const engine = new InfillEngine({ denoiser, tokenizer }, undefined, { syntax });
    const options = { ...DEFAULT_INFILL_OPTIONS, lengths: undefined, pruneAfter: undefined, contextTokens: 64, maxTokens: 8, lineTokens: 8, steps: 8 };
    const request = { ...at(`${prefix}|    return a\n`), languageId: 'toy' };
    const repaired = await engine.fill(request, { ...options, indentRepair: true });
    assert.deepEqual([repaired.candidates[0].fills[0].text, repaired.candidates[0].syntaxErrors], ['    b = 2\n', 0]);
    const own = await engine.fill(request, { ...options, indentRepair: false });
    assert.equal(own.candidates[0].fills[0].text, '  b = 2\n');
  });
});
