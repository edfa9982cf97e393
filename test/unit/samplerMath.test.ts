import * as assert from 'assert';
import { Rng } from '../../src/core/rng';
import { sample, STRATEGIES, type DenoiseRequest } from '../../src/sampler';
import { positionStats } from '../../src/sampler/math/distribution';
import { revealedBy } from '../../src/sampler/absorb/revealSchedule';
import { TokenSampler } from '../../src/sampler/math/tokenSampler';
import { canvasOf, FAKE_SPEC, RecordingDenoiser, row } from './helpers/samplerFakes';

const V = FAKE_SPEC.vocabSize;
const MASK = FAKE_SPEC.maskId;

/** Logits that depend on the position only, with a clear argmax (token 2 + position mod 20). */
function positionalLogits(request: DenoiseRequest): Float32Array {
  const out = new Float32Array(request.batch * request.queries * V); // [B, Q, V]
  for (let r = 0; r < request.batch * request.queries; r++) {
    const position = request.positions[r]!;
    for (let v = 0; v < V; v++) out[r * V + v] = Math.sin(v * 1.7 + position);
    out[r * V + argmaxAt(position)] = 3;
    out[r * V + MASK] = 50; // SUBS must ignore the mask logit
  }
  return out;
}
const argmaxAt = (position: number): number => 2 + (position % 20);

describe('sampler math', () => {
  it('temperature 0 gives the argmax token at every hole, for every strategy', async () => {
    const canvas = canvasOf(row([1], 12, [1]), row([1], 12, [1]));
    for (const strategy of STRATEGIES) {
      const result = await sample(new RecordingDenoiser(FAKE_SPEC, positionalLogits), canvas, { strategy, steps: 5, seed: 9, temperature: 0 });
      canvas.tokens.forEach((t, i) => {
        if (t === MASK) assert.strictEqual(result.tokens[i], argmaxAt(i % canvas.length), strategy);
      });
    }
  });

  it('reveal confidence is the untempered probability of the revealed token', async () => {
    const canvas = canvasOf(row([1], 6, [1]));
    const result = await sample(new RecordingDenoiser(FAKE_SPEC, positionalLogits), canvas, { strategy: 'confidence', steps: 3, seed: 1, temperature: 0 });
    const logits = positionalLogits({ tokens: canvas.tokens, batch: 1, length: 8, positions: Int32Array.of(3), queries: 1 });
    assert.ok(Math.abs(result.confidence[3]! - positionStats(logits, 0, V, MASK).maxProb) < 1e-15);
  });

  it('positionStats: max probability, margin and negative entropy of a known distribution', () => {
    const logits = Float32Array.from([Math.log(0.5), Math.log(0.3), Math.log(0.2), 10]); // last = mask
    const stats = positionStats(logits, 0, 4, 3);
    assert.strictEqual(stats.best, 0);
    assert.ok(Math.abs(stats.maxProb - 0.5) < 1e-7);
    assert.ok(Math.abs(stats.margin - 0.2) < 1e-7);
    const entropy = -(0.5 * Math.log(0.5) + 0.3 * Math.log(0.3) + 0.2 * Math.log(0.2));
    assert.ok(Math.abs(stats.negEntropy + entropy) < 1e-7);
  });

  it('positionStats breaks ties toward the lower token id', () => {
    assert.strictEqual(positionStats(Float32Array.from([1, 2, 2, 0]), 0, 4, 3).best, 1);
  });

  it('TokenSampler draws match the tempered distribution', () => {
    const probs = [0.4, 0.3, 0.15, 0.1, 0.05];
    const logits = Float32Array.from([...probs.map(Math.log), 0]); // id 5 = mask
    const stats = positionStats(logits, 0, 6, 5);
    const frequencies = (knobs: { temperature: number }): number[] => {
      const sampler = new TokenSampler(6, 5, knobs);
      const rng = new Rng(77);
      const counts = new Array<number>(6).fill(0);
      const n = 40_000;
      for (let i = 0; i < n; i++) counts[sampler.draw(logits, 0, stats, rng.nextUniform())]!++;
      return counts.map((c) => c / n);
    };
    const close = (actual: number[], expected: number[]): void =>
      actual.forEach((f, v) => assert.ok(Math.abs(f - (expected[v] ?? 0)) < 0.01, `token ${v}: ${f} vs ${expected[v]}`));
    close(frequencies({ temperature: 1 }), [...probs, 0]);
    const squared = probs.map((p) => p * p);
    const z = squared.reduce((a, b) => a + b, 0);
    close(frequencies({ temperature: 0.5 }), [...squared.map((p) => p / z), 0]);
  });

  it('reveal schedules: monotone, complete at the last step; cosine reveals fewer early than linear', () => {
    for (const schedule of ['linear', 'cosine'] as const) {
      for (const [n, steps] of [[10, 4], [7, 7], [3, 9], [50, 12]] as const) {
        let previous = 0;
        for (let i = 0; i <= steps; i++) {
          const revealed = revealedBy(schedule, n, i, steps);
          assert.ok(revealed >= previous && revealed <= n, `${schedule} n=${n} S=${steps} i=${i}`);
          previous = revealed;
        }
        assert.strictEqual(revealedBy(schedule, n, 0, steps), 0);
        assert.strictEqual(previous, n);
      }
    }
    assert.deepStrictEqual([1, 2, 3, 4].map((i) => revealedBy('linear', 10, i, 4)), [3, 5, 8, 10]);
    assert.ok(revealedBy('cosine', 50, 3, 12) < revealedBy('linear', 50, 3, 12));
  });
});
