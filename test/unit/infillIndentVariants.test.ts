import * as assert from 'node:assert/strict';
import { DEFAULT_INFILL_OPTIONS, holeShape, InfillEngine, type InfillRequest } from '../../src/infill';
import { indentVariants } from '../../src/infill/indentVariants';
import { nearHoles } from '../../src/infill/nearHoles';
import { lineBreakAt } from '../../src/infill/postprocess';
import { answers, FakeDenoiser, fakeSpec } from './helpers/fakeDenoiser';
import { FakeTokenizer } from './helpers/fakeTokenizer';

/** A cursor hole at `|`. */
function at(marked: string): InfillRequest {
  const start = marked.indexOf('|');
  return { text: marked.replace('|', ''), holes: [{ start, end: start }] };
}

const variantsOf = (request: InfillRequest) => indentVariants(request, holeShape(request.text, request.holes[0]), lineBreakAt(request.text, request.holes[0].start));

describe('infill: indentation variants of a whole line inserted at a line start', () => {
  it("offers the previous line's indentation, the next line's, and one level deeper after a block opener", () => {
    const request = at('def f(x):\n  if x:\n|    return y\n');
    const variants = variantsOf(request);
    assert.deepEqual(variants.map((v) => v.indent), ['  ', '    ']);
    const deeper = variantsOf(at('def f(x):\n\tfor i in x:\n|\treturn y\n'));
    assert.deepEqual(deeper.map((v) => v.indent), ['\t', '\t\t']);
  });

  it('puts the hole on a new blank line after the indentation, in front of the original line', () => {
    const [variant] = variantsOf(at('a = 1\n|b = 2\n'));
    assert.equal(variant.indent, '');
    assert.deepEqual(variant.request.text, 'a = 1\n\nb = 2\n');
    assert.deepEqual(variant.request.holes, [{ start: 6, end: 6 }]);
  });

  it("ends the new line as the document's lines end: a CRLF file is shown no bare '\\n'", () => {
    const variants = variantsOf(at('def f(x):\r\n|    return y\r\n'));
    assert.deepEqual(variants.map((v) => v.request.text), ['def f(x):\r\n\r\n    return y\r\n', 'def f(x):\r\n    \r\n    return y\r\n']);
    // the last line, unended: as the line before it ends
    assert.equal(variantsOf(at('a = 1\r\n|b = 2'))[0].request.text, 'a = 1\r\n\r\nb = 2');
  });

  it("reads the lines within nearHoles' margin, so a long document's slice offers the variants the whole one does", () => {
    // Lines of 800 characters: the two-space line 48 lines up is within 50 lines of the hole but
    // past the slice of a 256-token canvas, where the unit is the 'if' line's four spaces.
    const long = (indent: string) => `${indent}x = "${'a'.repeat(790)}"\n`;
    const text = `${long('  ')}${long('        ').repeat(46)}    if x:\n${long('        ').repeat(60)}`;
    const hole = text.indexOf('    if x:\n') + '    if x:\n'.length;
    const whole: InfillRequest = { text, holes: [{ start: hole, end: hole }] };
    const near = nearHoles(whole, 256);
    assert.ok(near.text.length < text.length && !near.text.startsWith('  x'), 'the two-space line is cut off');
    assert.deepEqual(variantsOf(whole).map((v) => v.indent), ['    ', '        ']);
    assert.deepEqual(variantsOf(near).map((v) => v.indent), variantsOf(whole).map((v) => v.indent));
  });

  it('offers none for other holes', () => {
    assert.deepEqual(variantsOf(at('x = |1\n')), []);
    assert.deepEqual(variantsOf(at('def f():\n    |\n')), []);
    assert.deepEqual(variantsOf({ text: 'a\nb\n', holes: [{ start: 2, end: 4 }] }), []);
  });

  for (const [name, eol] of [['LF', '\n'], ['CRLF', '\r\n']]) {
    it(`fills through the engine: the variant rows run in the same batch and their fill is the whole indented line, ended as the document's lines (${name})`, async () => {
      const tokenizer = new FakeTokenizer();
      const prefix = `def f(x):${eol}`;
      // Three rows: the request itself and the variants indented '' and '    ' (one level deeper
      // after 'def f(x):'). The fake tokenizer spells the line break and '    ' as one token, so
      // every hole starts at the same position; the model answers 'y = x' only after the indented line start.
      const start = 1 + (await tokenizer.ids(prefix)).length;
      const [indented] = await tokenizer.ids(`${eol}    `);
      const answer = answers([start, await tokenizer.ids('y = x')]);
      const denoiser = new FakeDenoiser(fakeSpec(), (row, position) => (row[start - 1] === indented ? answer(row, position) : answers()(row, position)));
      const engine = new InfillEngine({ denoiser, tokenizer });
      const options = { ...DEFAULT_INFILL_OPTIONS, lengths: undefined, pruneAfter: undefined, contextTokens: 64, maxTokens: 8, lineTokens: 8, steps: 8 };
      const result = await engine.fill(at(`${prefix}|    return y${eol}`), { ...options, lineIndents: true });
      assert.ok(denoiser.requests.every((r) => r.batch === 3));
      // every row, a variant's new line included, is shown the document's line breaks
      const { tokens, batch, length } = denoiser.requests[0];
      for (let r = 0; r < batch; r++) {
        const shown = await tokenizer.decode([...tokens.subarray(r * length, (r + 1) * length)]);
        assert.equal(shown.replace(/\r?\n/g, eol), shown);
      }
      assert.equal(result.candidates[0].fills[0].text, `    y = x${eol}`);
      const styled = await engine.fill({ ...at(`${prefix}|    return y${eol}`), indentation: { insertSpaces: false, tabSize: 4 } }, { ...options, lineIndents: true });
      assert.equal(styled.candidates[0].fills[0].text, `\ty = x${eol}`);
    });
  }
});
