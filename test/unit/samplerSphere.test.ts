import * as assert from 'node:assert/strict';
import { AbortedError, InvalidRequestError } from '../../src/core/errors';
import { sample, type DiffusionSpec } from '../../src/sampler';
import { canvasOf, FAKE_SPEC, RecordingDenoiser, row } from './helpers/samplerFakes';

/** The fake vocabulary (24 ids, mask 23) in 5 binary digits: ids 24..31 and the mask spell no real token. */
const SPHERE: DiffusionSpec = {
  ...FAKE_SPEC,
  family: 'rdlm',
  graph: 'sphere',
  condKind: 't',
  schedule: { type: 'geometric_bridge', beta0: 1e-3, betaF: 0.2, stepThr: 0.38, endEps: 1e-5 },
  sphere: { base: 2, digits: 5 },
};
const M = FAKE_SPEC.maskId;

describe('sphere graph (RDLM geodesic random walk)', () => {
  const canvas = canvasOf(row([3, 17], 6, [8, 8, 21], 4, [12]), row([5], 14, [7]));

  it('fills every hole with a real token, keeps the context, one network call per step', async () => {
    const denoiser = new RecordingDenoiser(SPHERE);
    const pending: number[] = [];
    const result = await sample(denoiser, canvas, { steps: 9, strategy: 'random', seed: 4, onStep: (info) => void pending.push(info.pending) });
    assert.equal(result.nfe, 9);
    assert.equal(denoiser.calls, 9);
    // every hole may still move until the walk's last step
    assert.deepEqual(pending, [...new Array<number>(8).fill(canvas.tokens.filter((id) => id === M).length), 0]);
    canvas.tokens.forEach((id, i) => {
      if (id === M) {
        assert.ok(result.tokens[i]! >= 0 && result.tokens[i]! < SPHERE.vocabSize && result.tokens[i] !== M);
        assert.ok(result.confidence[i]! > 0 && result.confidence[i]! <= 1 && result.revealStep[i]! >= 1 && result.revealStep[i]! <= 9);
      } else {
        assert.equal(result.tokens[i], id);
        assert.equal(result.revealStep[i], -1);
      }
    });
  });

  it('feeds the state with context digits at their vertices and t on the grid', async () => {
    const denoiser = new RecordingDenoiser(SPHERE);
    await sample(denoiser, canvasOf(row([6], 3, [21])), { steps: 4, strategy: 'random', seed: 1 });
    const coords = 3;
    for (const [k, request] of denoiser.requests.entries()) {
      assert.ok(Math.abs(request.cond![0]! - (k * (1 - 1e-5)) / 4) < 1e-7);
      const digitsOf = (id: number): number[] => [4, 3, 2, 1, 0].map((p) => Math.floor(id / 2 ** p) % 2);
      for (const [position, id] of [[0, 6], [4, 21]] as const) {
        digitsOf(id).forEach((digit, d) => {
          const o = (position * 5 + d) * coords;
          assert.deepEqual(Array.from(request.state!.subarray(o, o + coords)), [0, 1, 2].map((c) => (c === digit ? 1 : 0)));
        });
      }
      for (let i = 0; i < request.state!.length; i += coords) {
        const norm = Math.hypot(...request.state!.subarray(i, i + coords));
        assert.ok(Math.abs(norm - 1) < 1e-6, 'every digit stays on the sphere');
      }
      assert.deepEqual(Array.from(request.positions), [1, 2, 3]);
    }
    const first = denoiser.requests[0]!.state!;
    assert.ok(Math.abs(first[5 * coords]! - 1 / Math.sqrt(3)) < 1e-7, 'holes start at the uniform point (mixture path)');
  });

  it('is deterministic per seed, and stops or aborts between steps', async () => {
    const options = { steps: 6, strategy: 'random' as const, seed: 2 };
    const a = await sample(new RecordingDenoiser(SPHERE), canvas, options);
    const b = await sample(new RecordingDenoiser(SPHERE), canvas, options);
    assert.deepEqual(a, b);
    const stopped = await sample(new RecordingDenoiser(SPHERE), canvas, { ...options, onStep: (info) => (info.step === 2 ? 'stop' : undefined) });
    assert.equal(stopped.steps, 2);
    assert.ok(!stopped.tokens.includes(M));
    const controller = new AbortController();
    const denoiser = new RecordingDenoiser(SPHERE);
    denoiser.onCall = () => controller.abort();
    await assert.rejects(sample(denoiser, canvas, { ...options, signal: controller.signal }), AbortedError);
  });

  it('lands on the tokens a confident denoiser names, from either start point', async () => {
    const target = (position: number): number => (position * 7 + 3) % 23;
    // logits: [B, Q, digits * base], 6 on the target's digit and 0 on the other
    const oracle = (spec: DiffusionSpec) =>
      new RecordingDenoiser(spec, ({ batch, positions, queries }) => {
        const out = new Float32Array(batch * queries * 10);
        positions.forEach((position, i) => {
          for (let d = 0; d < 5; d++) out[i * 10 + d * 2 + (Math.floor(target(position) / 2 ** (4 - d)) % 2)] = 6;
        });
        return out;
      });
    for (const stepThr of [0.38, 0]) {
      const spec = { ...SPHERE, schedule: { ...SPHERE.schedule, stepThr } } as DiffusionSpec;
      const result = await sample(oracle(spec), canvas, { steps: 40, strategy: 'random', seed: 8 });
      canvas.tokens.forEach((id, i) => assert.equal(result.tokens[i], id === M ? target(i % canvas.length) : id, `position ${i}, stepThr ${stepThr}`));
    }
  });

  it('refuses reveal-order options and a layout that cannot spell the vocabulary', async () => {
    const denoiser = new RecordingDenoiser(SPHERE);
    await assert.rejects(sample(denoiser, canvas, { steps: 4, strategy: 'confidence', seed: 1 }), InvalidRequestError);
    await assert.rejects(sample(denoiser, canvas, { steps: 4, strategy: 'random', seed: 1, padPenalty: 0.5 }), InvalidRequestError);
    const short = new RecordingDenoiser({ ...SPHERE, sphere: { base: 2, digits: 4 } });
    await assert.rejects(sample(short, canvas, { steps: 4, strategy: 'random', seed: 1 }), /4 base-2 digits cannot spell 24 ids/);
  });
});
