import * as assert from 'node:assert/strict';
import { DEFAULT_INFILL_OPTIONS, holeShape, InfillEngine, type Candidate, type InfillRequest } from '../../src/infill';
import { betterIndented, reindentedAlternatives } from '../../src/infill/reindent';
import type { SyntaxChecker } from '../../src/infill/syntax';
import { answers, FakeDenoiser, fakeSpec } from './helpers/fakeDenoiser';
import { FakeTokenizer } from './helpers/fakeTokenizer';

/** A cursor hole at `|`. */
function at(marked: string): InfillRequest {
  const start = marked.indexOf('|');
  return { text: marked.replace('|', ''), holes: [{ start, end: start }], languageId: 'python' };
}

function candidate(text: string, syntaxErrors?: number): Candidate {
  return { fills: [{ text, tokens: 3, confidence: 0.5, score: -1 }], confidence: 0.5, score: -1, row: 0, syntaxErrors };
}

const alternativesOf = (request: InfillRequest, candidates: Candidate[]) =>
  reindentedAlternatives(request, holeShape(request.text, request.holes[0]), candidates);

describe('infill: a whole line re-indented like its neighbours', () => {
  it("offers each neighbouring indentation but the fill's own, keeping the text after the indentation", () => {
    const request = at('def f(x):\n  if x:\n|    return y\n');
    const alternatives = alternativesOf(request, [candidate('y = x\n'), candidate('  z = 1\n')]);
    assert.deepEqual(alternatives.map(({ candidate: c, of }) => [c.fills[0].text, of]), [
      ['  y = x\n', 0], ['    y = x\n', 0], ['    z = 1\n', 1],
    ]);
    assert.ok(alternatives.every(({ candidate: c }) => c.syntaxErrors === undefined && c.fills[0].reason !== undefined));
  });

  it('offers none for holes inside a line, several holes, empty or multi-line fills', () => {
    assert.deepEqual(alternativesOf(at('x = |1\n'), [candidate('2')]), []);
    assert.deepEqual(alternativesOf(at('def f():\n    |\n'), [candidate('return 1')]), []);
    const two: InfillRequest = { text: 'a\n\nb\n', holes: [{ start: 2, end: 2 }, { start: 3, end: 3 }] };
    assert.deepEqual(reindentedAlternatives(two, holeShape(two.text, two.holes[0]), [candidate('x\n')]), []);
    const request = at('def f(x):\n|    return y\n');
    assert.deepEqual(alternativesOf(request, [candidate(''), candidate('a = 1\nb = 2\n')]), []);
  });

  it('keeps an alternative only where it adds fewer parse errors than the fill it re-indents', () => {
    const candidates = [candidate('y = x\n', 2), candidate('    z = 1\n', 0)];
    const alternatives = alternativesOf(at('def f(x):\n|    return y\n'), candidates);
    for (const { candidate: c } of alternatives) c.syntaxErrors = c.fills[0].text.startsWith('    ') ? 0 : 1;
    assert.deepEqual(betterIndented(alternatives, candidates).map((c) => c.fills[0].text), ['    y = x\n']);
  });

  it('through the engine: the re-indented fill wins where it parses and the model indented wrongly', async () => {
    const tokenizer = new FakeTokenizer();
    const prefix = 'def f(x):\n';
    const start = 1 + (await tokenizer.ids(prefix)).length;
    const denoiser = new FakeDenoiser(fakeSpec(), answers([start, await tokenizer.ids('y = x')]));
    // A parser that accepts the body line only at the body's indentation.
    const syntax: SyntaxChecker = { errors: (text) => (/^y = x$/m.test(text) ? 1 : 0) };
    const options = { ...DEFAULT_INFILL_OPTIONS, lengths: undefined, contextTokens: 64, maxTokens: 8, lineTokens: 8, steps: 8, candidates: 2 };
    const request = at(`${prefix}|    return y\n`);
    const checked = await new InfillEngine({ denoiser, tokenizer }, undefined, { syntax }).fill(request, options);
    assert.deepEqual(checked.candidates.map((c) => c.fills[0].text), ['    y = x\n', 'y = x\n']);
    const unchecked = await new InfillEngine({ denoiser, tokenizer }).fill(request, options);
    assert.deepEqual(unchecked.candidates.map((c) => c.fills[0].text), ['y = x\n']);
  });
});
