import * as assert from 'node:assert/strict';
import * as path from 'node:path';
import { TraceRecorder, type HoleLayout } from '../../src/infill';
import { sample, type DiffusionSpec, type Strategy } from '../../src/sampler';
import { loadTokenizer } from '../../src/tokenizer';
import { canvasOf, FAKE_SPEC, RecordingDenoiser, row } from './helpers/samplerFakes';

const conditioned = (graph: DiffusionSpec['graph']): DiffusionSpec =>
  ({ ...FAKE_SPEC, family: 'cedd', graph, condKind: 'sigma', ...(graph === 'roulette' ? { pM: 0.9 } : {}) });

const graphs: ReadonlyArray<[string, DiffusionSpec, Strategy]> = [
  ['absorbing', FAKE_SPEC, 'confidence'],
  ['uniform', conditioned('uniform'), 'random'],
  ['roulette', conditioned('roulette'), 'confidence'],
];

/** Each id spelled `<id>`: a text that is its tokens' texts one after another, as a tokenizer's is. */
const decode = async (ids: number[]) => ids.map((id) => `<${id}>`).join('');

describe('infill: denoising trace of a fill', () => {
  for (const [graph, spec, strategy] of graphs) {
    it(`records each hole slot with its token, last-change step and confidence, hole by hole (${graph} graph)`, async () => {
      const recorder = new TraceRecorder(spec);
      const canvas = canvasOf(row([5, 6], 3, [7, 8], 2, [9]), row([5, 6], 3, [7, 8], 2, [9]));
      const holes = [{ start: 2, slots: 3 }, { start: 7, slots: 2 }];
      recorder.start({ length: canvas.length, rows: [holes, holes] });
      const result = await sample(new RecordingDenoiser(spec), canvas, { steps: 5, strategy, seed: 3 });
      recorder.sampled(result);
      const trace = await recorder.result(decode);
      assert.ok(trace);
      assert.equal(trace.steps, result.steps);
      const slots = [2, 3, 4, 7, 8];
      assert.deepEqual(trace.tokens.map((t) => t.hole), [0, 0, 0, 1, 1]);
      trace.tokens.forEach((token, i) => {
        const position = slots[i];
        // revealStep 0 = a uniform prior draw that no step replaced: the trace shows it from step 1.
        assert.equal(token.step, Math.max(1, result.revealStep[position]));
        assert.equal(token.confidence, result.confidence[position]);
        const id = result.tokens[position];
        const pad = id === spec.padId || id === spec.eosId;
        assert.equal(token.pad, pad);
        assert.equal(token.text, pad ? '' : `<${id}>`);
      });
    });
  }

  it('records every batch row and gives the one asked for (the row whose fill won)', async () => {
    const recorder = new TraceRecorder(FAKE_SPEC);
    // Row 1 is told its hole has 2 slots (the third fixed to padding), as the engine's length rows are.
    const canvas = canvasOf(row([5, 6], 3, [9]), row([5, 6], 2, [FAKE_SPEC.padId, 9]));
    const layout: HoleLayout = { length: canvas.length, rows: [[{ start: 2, slots: 3 }], [{ start: 2, slots: 2 }]] };
    recorder.start(layout);
    const result = await sample(new RecordingDenoiser(FAKE_SPEC), canvas, { steps: 3, strategy: 'confidence', seed: 1 });
    recorder.sampled(result);
    const second = await recorder.result(decode, 1);
    assert.ok(second);
    assert.equal(second.tokens.length, 2);
    second.tokens.forEach((token, i) => assert.equal(token.confidence, result.confidence[canvas.length + 2 + i]));
    assert.equal((await recorder.result(decode))?.tokens.length, 3);
  });

  it('has no trace when nothing was sampled (a cache hit) or nothing was laid out', async () => {
    const recorder = new TraceRecorder(FAKE_SPEC);
    assert.equal(await recorder.result(decode), undefined);
    recorder.start({ length: 4, rows: [[{ start: 1, slots: 2 }]] });
    assert.equal(await recorder.result(decode), undefined);
  });
  it('shows a character of several byte tokens (CJK, an emoji) on the slot that completes it, never across holes', async () => {
    const tokenizer = await loadTokenizer(path.join(__dirname, '..', '..', '..', 'test', 'fixtures', 'tiny-model', 'tokenizer.json'));
    const ids = async (text: string) => (await tokenizer.encodeText(text)).ids;
    const [ji, smile] = [await ids('计'), await ids('😀')];
    assert.deepEqual([ji.length, smile.length], [3, 4], 'one token per UTF-8 byte');
    // Hole 0 writes x计 and the first half of 😀; hole 1 its second half (bytes of no character), y and padding.
    const [x, y, pad] = [...(await ids('x')), ...(await ids('y')), 0];
    const holes = [[x, ...ji, ...smile.slice(0, 2)], [...smile.slice(2), y, pad]];
    const tokens = Int32Array.from([x, ...holes[0], x, ...holes[1]]);
    const recorder = new TraceRecorder({ maskId: 1, padId: pad, eosId: 2 });  // the tiny model's ids
    recorder.start({ length: tokens.length, rows: [[{ start: 1, slots: 6 }, { start: 8, slots: 4 }]] });
    recorder.sampled({ steps: 1, tokens, confidence: new Float64Array(tokens.length).fill(0.9), revealStep: new Int32Array(tokens.length).fill(1) });
    const trace = await recorder.result((slots) => tokenizer.decode(slots));
    assert.deepEqual(trace?.tokens.map((t) => [t.hole, t.text]), [[0, 'x'], [0, ''], [0, ''], [0, '计'], [0, ''], [0, ''], [1, ''], [1, ''], [1, 'y'], [1, '']]);
  });
});
