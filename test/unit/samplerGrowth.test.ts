import * as assert from 'node:assert/strict';
import { InvalidRequestError } from '../../src/core/errors';
import { sample, STRATEGIES, type DiffusionSpec, type SampleOptions, type StepInfo } from '../../src/sampler';
import { canvasOf, ContextCacheFake, FAKE_SPEC, hashLogits, RecordingDenoiser, row, scriptedDenoiser } from './helpers/samplerFakes';

/** Holes that grow at the expand token (src/sampler/loop/holeGrowth.ts). */

const EXPAND_SPEC: DiffusionSpec = { ...FAKE_SPEC, vocabSize: 25, expandId: 24 };
const EXPAND = 24;
const MASK = FAKE_SPEC.maskId;
const PAD = FAKE_SPEC.padId;
const AFTER = 9;

/**
 * A model that wants `text` in the hole starting at `start` of a row whose hole, room and the text
 * after it (`AFTER`) follow: the last slot of a hole too short for the text asks to expand.
 */
function wantsText(start: number, text: readonly number[]): RecordingDenoiser {
  return scriptedDenoiser((tokens, position) => {
    let slots = 0;
    while (tokens[start + slots] !== PAD && tokens[start + slots] !== AFTER) slots++;
    const k = position - start;
    if (slots < text.length && k === slots - 1) return [EXPAND, 10];
    return [k < text.length ? text[k]! : PAD, 10];
  }, EXPAND_SPEC);
}

const shipped: Omit<SampleOptions, 'onStep' | 'signal'> = { steps: 8, strategy: 'confidence', temperature: 0, seed: 0, padPenalty: 0.6, nonEmpty: true };

/** Logits of `spec`'s hash fake with the expand token's raised by `boost` (the fake's logits reach 32). */
function boosted(logits: Float32Array, boost: number): Float32Array {
  for (let i = EXPAND; i < logits.length; i += EXPAND_SPEC.vocabSize) logits[i] += boost;
  return logits;
}

describe('sampler: holes that grow (expand token)', () => {
  it('grows a two-slot hole into its padding until it holds the four tokens the model asks for; the text after it stays', async () => {
    const canvas = canvasOf(row([2, 3], 2, [PAD, PAD, PAD, PAD], [AFTER, AFTER]));
    const steps: StepInfo[] = [];
    const result = await sample(wantsText(2, [5, 6, 7, 8]), canvas, { ...shipped, onStep: (info) => void steps.push(info) });
    assert.deepEqual(Array.from(result.tokens), [2, 3, 5, 6, 7, 8, PAD, PAD, AFTER, AFTER]);
    assert.ok(steps.every((info) => !info.tokens.includes(EXPAND)), 'a step never shows the expand token');
    assert.deepEqual(Array.from(result.revealStep.subarray(2, 6)).map((step) => step > 0), [true, true, true, true], 'the four slots were revealed');
  });

  it('grows no further than its room: the padding before the text after it', async () => {
    const canvas = canvasOf(row([2, 3], 2, [PAD], [AFTER, AFTER]));
    const result = await sample(wantsText(2, [5, 6, 7, 8]), canvas, shipped);
    assert.deepEqual(Array.from(result.tokens.subarray(0, 2)), [2, 3]);
    assert.deepEqual(Array.from(result.tokens.subarray(5)), [AFTER, AFTER]);
    assert.ok(!result.tokens.includes(EXPAND) && !result.tokens.includes(MASK));
    assert.equal(result.tokens[3], 6, 'the one slot of room was taken');
  });

  it('never grows at the last step, nor where the model has no expand token', async () => {
    const canvas = canvasOf(row([2, 3], 2, [PAD, PAD, PAD, PAD], [AFTER, AFTER]));
    const oneStep = await sample(wantsText(2, [5, 6, 7, 8]), canvas, { ...shipped, steps: 1 });
    assert.deepEqual(Array.from(oneStep.tokens.subarray(4)), [PAD, PAD, PAD, PAD, AFTER, AFTER]);
    assert.ok(!oneStep.tokens.includes(EXPAND));
    const plain = new RecordingDenoiser({ ...EXPAND_SPEC, expandId: undefined }, (r) => boosted(hashLogits(EXPAND_SPEC, r), 40));
    const result = await sample(plain, canvas, shipped);
    assert.deepEqual(Array.from(result.tokens.subarray(4)), [PAD, PAD, PAD, PAD, AFTER, AFTER], 'the token is an ordinary id there');
  });

  it('over strategies, steps, temperatures, thresholds and blocks: no mask or expand token left, context kept, each hole content then padding within its room', async () => {
    const rows = [row([3, 17], 3, [PAD, PAD, PAD], [8, 21], 2, [PAD, PAD, PAD, PAD, 12]), row([4], 2, [PAD, PAD, 18], 4, [PAD, 7, 2, 5, 5, 5, 5])];
    const regions = [[[2, 8], [10, 16]], [[1, 5], [6, 11]]]; // per row, each hole with its room: [first, end)
    let grown = 0;
    let holes = 0;
    for (const strategy of STRATEGIES) {
      for (const steps of [2, 5, 12]) {
        for (const temperature of [0, 0.8]) {
          for (const blockSize of [undefined, 2]) {
            for (const seed of [0, 1, 2]) {
              const denoiser = new RecordingDenoiser(EXPAND_SPEC, (r) => boosted(hashLogits(EXPAND_SPEC, r), 12));
              const canvas = canvasOf(...rows);
              const label = JSON.stringify({ strategy, steps, temperature, blockSize, seed });
              const result = await sample(denoiser, canvas, { strategy, steps, temperature, blockSize, seed, threshold: strategy === 'random' ? undefined : 0.5, padPenalty: 0.6, nonEmpty: true });
              assert.ok(!result.tokens.includes(MASK) && !result.tokens.includes(EXPAND), label);
              rows.forEach((input, b) => {
                const out = Array.from(result.tokens.subarray(b * canvas.length, (b + 1) * canvas.length));
                const inRegion = (p: number) => regions[b]!.some(([first, end]) => p >= first! && p < end!);
                input.forEach((id, p) => inRegion(p) || assert.equal(out[p], id, `${label} row ${b} context at ${p}`));
                for (const [first, end] of regions[b]!) {
                  const region = out.slice(first, end);
                  const content = region.findIndex((id) => id === PAD);
                  const length = content < 0 ? region.length : content;
                  assert.ok(region.slice(length).every((id) => id === PAD), `${label} row ${b}: ${region} is content, then padding`);
                  const slots = input.slice(first, end).filter((id) => id === MASK).length;
                  holes++;
                  if (length > slots) grown++;
                }
              });
            }
          }
        }
      }
    }
    assert.ok(grown > holes / 4, `only ${grown} of ${holes} holes grew: the checks above proved little`);
  });

  it('runs the room with the holes in context-cached calls, so a grown slot is queried among the fresh positions', async () => {
    const canvas = canvasOf(row([2, 3], 2, [PAD, PAD, PAD, PAD], [AFTER, AFTER]), row([2, 3], 4, [PAD, PAD], [AFTER, AFTER]));
    const denoiser = new ContextCacheFake(EXPAND_SPEC, (logits) => boosted(logits, 12));
    const result = await sample(denoiser, canvas, { ...shipped, steps: 6, cacheRefresh: 16 });
    for (const request of denoiser.requests) assert.deepEqual(Array.from(request.cache!.fresh), [2, 3, 4, 5, 6, 7]);
    assert.ok(denoiser.requests.some((r) => Array.from(r.positions).some((p) => p >= 4 && p < 6 && r.tokens[p] === MASK)), 'a grown slot was queried');
    assert.ok(!result.tokens.includes(MASK) && !result.tokens.includes(EXPAND));
  });

  it('finishes greedily from a new call where a slot split after the last one (pruning, the anytime stop)', async () => {
    const canvas = canvasOf(row([2, 3], 2, [PAD, PAD, PAD, PAD], [AFTER, AFTER]), row([2, 3], 2, [PAD, PAD, PAD, PAD], [AFTER, AFTER]));
    const pruning = wantsText(2, [5, 6, 7, 8]);
    const pruned = await sample(pruning, canvas, { ...shipped, pruneAfter: 2, onPrune: () => [0] });
    assert.equal(pruned.nfe, pruning.calls);
    assert.ok(!pruned.tokens.includes(MASK) && !pruned.tokens.includes(EXPAND));
    assert.deepEqual(Array.from(pruned.tokens.subarray(0, 10)), [2, 3, 5, 6, 7, 8, PAD, PAD, AFTER, AFTER], 'the kept row goes on growing');
    const stopping = wantsText(2, [5, 6, 7, 8]);
    const stopped = await sample(stopping, canvas, { ...shipped, onStep: (info) => (info.step === 2 ? 'stop' : undefined) });
    assert.equal(stopped.nfe, 3, 'two steps and the call for the split slots');
    // the split slot the model would grow again takes its best other id, the padding
    assert.deepEqual(Array.from(stopped.tokens.subarray(0, 10)), [2, 3, 5, 6, PAD, PAD, PAD, PAD, AFTER, AFTER]);
  });

  for (const [what, spec] of [
    ['an expand token that is not the last id', { ...EXPAND_SPEC, expandId: 22 }],
    ['an expand token on the uniform graph', { ...EXPAND_SPEC, graph: 'uniform' as const }],
  ] as const) {
    it(`refuses ${what}`, async () => {
      await assert.rejects(sample(new RecordingDenoiser(spec), canvasOf(row([2], 2, [PAD])), shipped), (e: unknown) =>
        e instanceof InvalidRequestError && /an expand token needs the absorb graph, x0 logits and the last id \d+, no other special id/.test(e.message));
    });
  }
});
