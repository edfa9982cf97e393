import * as assert from 'assert';
import { AbortedError, InferenceError } from '../../src/core/errors';
import { sample } from '../../src/sampler';
import { canvasOf, FAKE_SPEC, RecordingDenoiser, row } from './helpers/samplerFakes';

const MASK = FAKE_SPEC.maskId;
const HOLE = row([3, 17, 9], 10, [8]);

describe('sampler control: onStep, stop, abort, runtime failures', () => {
  it('onStep sees every step with its number, budget and running NFE', async () => {
    const seen: Array<[number, number, number]> = [];
    const result = await sample(new RecordingDenoiser(), canvasOf(HOLE), {
      strategy: 'confidence',
      steps: 5,
      seed: 1,
      onStep: (info) => void seen.push([info.step, info.totalSteps, info.nfe]),
    });
    assert.deepStrictEqual(seen, [1, 2, 3, 4, 5].map((s) => [s, 5, s]));
    assert.strictEqual(result.steps, 5);
  });

  it("'stop' finishes at once from the cached logits: no mask left, no extra call", async () => {
    for (const strategy of ['confidence', 'random'] as const) {
      const denoiser = new RecordingDenoiser();
      const result = await sample(denoiser, canvasOf(HOLE), { strategy, steps: 20, seed: 2, onStep: () => 'stop' });
      assert.strictEqual(result.steps, 1);
      assert.strictEqual(result.nfe, 1);
      assert.strictEqual(denoiser.calls, 1);
      assert.ok(!result.tokens.includes(MASK));
      HOLE.forEach((t, i) => assert.strictEqual(result.revealStep[i], t === MASK ? 1 : -1));
    }
  });

  it('an already aborted signal rejects with AbortedError before any call', async () => {
    const denoiser = new RecordingDenoiser();
    const signal = AbortSignal.abort();
    await assert.rejects(sample(denoiser, canvasOf(HOLE), { strategy: 'confidence', steps: 4, seed: 1, signal }), AbortedError);
    assert.strictEqual(denoiser.calls, 0);
  });

  it('abort during a step stops within that step: no further network call', async () => {
    for (const abortAt of [1, 2, 3]) {
      const denoiser = new RecordingDenoiser();
      const controller = new AbortController();
      denoiser.onCall = () => {
        if (denoiser.calls === abortAt) controller.abort();
      };
      const options = { strategy: 'entropy' as const, steps: 8, seed: 1, signal: controller.signal };
      await assert.rejects(sample(denoiser, canvasOf(HOLE), options), AbortedError);
      assert.strictEqual(denoiser.calls, abortAt);
    }
  });

  it('abort from onStep rejects before the next call', async () => {
    const denoiser = new RecordingDenoiser();
    const controller = new AbortController();
    const onStep = (info: { step: number }) => void (info.step === 2 && controller.abort());
    await assert.rejects(
      sample(denoiser, canvasOf(HOLE), { strategy: 'random', steps: 6, seed: 1, signal: controller.signal, onStep }),
      (e: unknown) => e instanceof AbortedError && e.name === 'AbortError',
    );
    assert.ok(denoiser.calls <= 2);
  });

  it('logits of the wrong size or non-finite logits are an InferenceError', async () => {
    const short = new RecordingDenoiser(FAKE_SPEC, () => new Float32Array(3));
    await assert.rejects(sample(short, canvasOf(HOLE), { strategy: 'confidence', steps: 2, seed: 1 }), InferenceError);
    const nan = new RecordingDenoiser(FAKE_SPEC, (r) => new Float32Array(r.batch * r.queries * FAKE_SPEC.vocabSize).fill(NaN));
    await assert.rejects(sample(nan, canvasOf(HOLE), { strategy: 'confidence', steps: 2, seed: 1 }), /non-finite/);
  });
});
