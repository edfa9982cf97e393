import * as assert from 'node:assert/strict';
import { DEFAULT_INFILL_OPTIONS, InfillEngine, type InfillOptions } from '../../src/infill';
import { lineEndingIds, lineHoleStarts, ruleOutAtStarts } from '../../src/infill/lineStarts';
import type { Denoiser, DenoiseRequest } from '../../src/sampler/types';
import { answers, FakeDenoiser, fakeSpec } from './helpers/fakeDenoiser';
import { FakeTokenizer } from './helpers/fakeTokenizer';

/** `inner`, with logit `margin` also on `id` wherever `position` is queried: a second choice there. */
function withSecondChoice(inner: Denoiser, position: number, id: number, margin: number): Denoiser {
  return {
    spec: inner.spec,
    async denoise(request: DenoiseRequest, signal?: AbortSignal) {
      const logits = await inner.denoise(request, signal);
      request.positions.forEach((p, q) => {
        if (p === position) logits[q * inner.spec.vocabSize + id] = margin;
      });
      return logits;
    },
  };
}

describe('infill: a line-shaped hole never opens with a line end', () => {
  it('finds the tokens whose text ends a line before any other character, once per tokenizer', async () => {
    const tokenizer = new FakeTokenizer(300);
    const [newline, blank, indentedBlank, word] = await Promise.all(['\n', '\n\n    ', '  \n', 'import'].map(async (t) => (await tokenizer.ids(t))[0]));
    const ids = await lineEndingIds(tokenizer);
    for (const id of [newline, blank, indentedBlank]) assert.ok(ids.includes(id), `id ${id} ends a line`);
    assert.ok(!ids.includes(word));
    assert.ok(!ids.includes(0) && !ids.includes(1) && !ids.includes(2), 'special tokens are never in the list');
    assert.equal(lineEndingIds(tokenizer), lineEndingIds(tokenizer));
  });

  it('rules out only where every row keeps the hole one line at the same start', () => {
    const layout = { length: 40, rows: [[{ start: 5, slots: 6 }, { start: 20, slots: 6 }], [{ start: 5, slots: 10 }, { start: 20, slots: 10 }]] };
    assert.deepEqual(lineHoleStarts(layout, [[true, true], [true, true]]), [5, 20]);
    assert.deepEqual(lineHoleStarts(layout, [[true, true], [true, false]]), [5], 'a row that may take several lines');
    assert.deepEqual(lineHoleStarts({ length: 40, rows: [[{ start: 5, slots: 6 }], [{ start: 7, slots: 6 }]] }, [[true], [true]]), []);
  });

  it('gives the ruled-out ids no weight at those positions and leaves every other logit as it was', async () => {
    const spec = fakeSpec({ vocabSize: 16 });
    const inner = new FakeDenoiser(spec, () => 9);
    const denoiser = ruleOutAtStarts(inner, [4], Int32Array.from([9, 11]));
    const request: DenoiseRequest = { tokens: new Int32Array(8).fill(1), batch: 2, length: 4, positions: Int32Array.from([3, 4, 4, 2]), queries: 2 };
    const logits = await denoiser.denoise(request);
    const at = (query: number, id: number) => logits[query * 16 + id];
    assert.deepEqual([at(0, 9), at(3, 9)], [30, 30]);
    assert.ok(at(1, 9) < -1000 && at(1, 11) < -1000 && at(2, 9) < -1000 && Number.isFinite(at(1, 9)));
    assert.equal(at(1, 10), 0);
    assert.equal(ruleOutAtStarts(inner, [], Int32Array.from([9])), inner, 'nothing to rule out: the denoiser itself');
  });

  it('fills an empty line with the model\'s best line, not with a blank one (nonEmpty)', async () => {
    const tokenizer = new FakeTokenizer();
    const prefix = 'x = 1\n';
    const start = 1 + (await tokenizer.ids(prefix)).length;
    const [newline] = await tokenizer.ids('\n');
    const [word] = await tokenizer.ids('import');
    // the model's first choice for the line is a line break, its second a word
    const denoiser = withSecondChoice(new FakeDenoiser(fakeSpec(), answers([start, [newline]])), start, word, 20);
    const engine = new InfillEngine({ denoiser, tokenizer });
    const request = { text: `${prefix}\nprint(x)\n`, holes: [{ start: prefix.length, end: prefix.length }] };
    const options: InfillOptions = { ...DEFAULT_INFILL_OPTIONS, lengths: undefined, lineTokens: 8, maxTokens: 8, steps: 8, contextTokens: 64, pruneAfter: undefined };
    const fill = async (nonEmpty: boolean) => (await engine.fill(request, { ...options, nonEmpty })).candidates[0].fills[0].text;
    assert.equal(await fill(true), 'import');
    assert.equal(await fill(false), '', 'without nonEmpty the blank line stands, and shows nothing');
  });
});
