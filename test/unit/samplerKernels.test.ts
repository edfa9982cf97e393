import * as assert from 'assert';
import { absorbX0Posterior, eulerScores, marginal, tweedieScores, x0Posterior, x0Scores } from '../../src/sampler/kernels/graphKernels';
import { revealProbability, sigma } from '../../src/sampler/math/noiseSchedule';
import { Rng } from '../../src/core/rng';
import { FAKE_SPEC } from './helpers/samplerFakes';
import { banFromStep } from '../../src/sampler/kernels/transition';

/** Small vocabulary: N = 4 real tokens (ids 0..3) and the mask (id 4). */
const V = 5;
const M = 4;

/** Forward rate matrix of the pM family, Q[from][to] (rows sum to 0); the mask absorbs. */
function rateMatrix(pM: number): number[][] {
  const n = V - 1;
  return Array.from({ length: V }, (_, from) =>
    Array.from({ length: V }, (_, to) => {
      if (from === M) return 0;
      if (to === M) return pM;
      return (1 - pM) / n - (to === from ? 1 : 0);
    }),
  );
}

function matMul(a: number[][], b: number[][]): number[][] {
  return a.map((row) => b[0]!.map((_, j) => row.reduce((sum, x, k) => sum + x * b[k]![j]!, 0)));
}

/** exp(σQ) by scaling and squaring of a Taylor series: the dense reference. */
function expm(q: number[][], sigmaValue: number): number[][] {
  const squarings = 10;
  const a = q.map((row) => row.map((x) => (x * sigmaValue) / 2 ** squarings));
  let term: number[][] = a.map((row, i) => row.map((_, j) => (i === j ? 1 : 0)));
  let sum = term.map((row) => row.slice());
  for (let k = 1; k < 20; k++) {
    term = matMul(term, a).map((row) => row.map((x) => x / k));
    sum = sum.map((row, i) => row.map((x, j) => x + term[i]![j]!));
  }
  for (let i = 0; i < squarings; i++) sum = matMul(sum, sum);
  return sum;
}

/** Σ_{x0} p(x0) q(x_s = y | x_t = x, x0) from dense transition matrices. */
function bruteForcePosterior(p: number[], x: number, pM: number, sigmaT: number, sigmaS: number): number[] {
  const q = rateMatrix(pM);
  const [pt, ps, pd] = [expm(q, sigmaT), expm(q, sigmaS), expm(q, sigmaT - sigmaS)];
  return Array.from({ length: V }, (_, y) =>
    p.reduce((sum, px0, x0) => (x0 === M ? sum : sum + (px0 * ps[x0]![y]! * pd[y]![x]!) / pt[x0]![x]!), 0),
  );
}

function randomDistribution(seed: number): Float64Array {
  const rng = new Rng(seed);
  const p = Float64Array.from({ length: V }, (_, v) => (v === M ? 0 : rng.nextUniform()));
  const total = p.reduce((a, b) => a + b, 0);
  return p.map((x) => x / total);
}

function sum(values: Float64Array): number {
  return values.reduce((a, b) => a + b, 0);
}

function assertClose(actual: ArrayLike<number>, expected: ArrayLike<number>, tolerance: number, what: string): void {
  assert.strictEqual(actual.length, expected.length);
  for (let i = 0; i < actual.length; i++) {
    assert.ok(Math.abs(actual[i]! - expected[i]!) <= tolerance, `${what}[${i}]: ${actual[i]} vs ${expected[i]}`);
  }
}

describe('graph kernels', () => {
  const cases = [
    { name: 'uniform', pM: 0, states: [0, 2] },
    { name: 'roulette 0.3', pM: 0.3, states: [M, 1, 3] },
    { name: 'roulette 0.95', pM: 0.95, states: [M, 0] },
  ];
  const times: Array<[number, number]> = [
    [3, 2.2],
    [0.8, 0.05],
    [0.02, 0.001],
  ];

  for (const { name, pM, states } of cases) {
    it(`${name}: the marginal equals the dense matrix exponential`, () => {
      const dense = expm(rateMatrix(pM), 1.3);
      const { m, b, c } = marginal(pM, V - 1, 1.3);
      assertClose([dense[1]![M]!, dense[1]![1]!, dense[1]![2]!], [m, c, b], 1e-12, 'q(. | 1)');
    });

    it(`${name}: the x0-posterior equals Σ p(x0|x_t) q(x_s|x_t,x0) from dense exponentials, sums to 1, >= 0`, () => {
      const out = new Float64Array(V);
      let seed = 1;
      for (const x of states) {
        for (const [st, ss] of times) {
          const p = randomDistribution(seed++);
          x0Posterior(p, x, M, pM, st, ss, out);
          assertClose(out, bruteForcePosterior(Array.from(p), x, pM, st, ss), 1e-9, `${name} x=${x} σ=${st}->${ss}`);
          assert.ok(Math.abs(sum(out) - 1) < 1e-12 && out.every((w) => w >= 0));
          if (x !== M) assert.strictEqual(out[M], 0);
        }
      }
    });

    it(`${name}: x0 scores are Σ p(x0|x_t) q_σ(y|x0) / q_σ(x|x0) from the dense marginals`, () => {
      const p = randomDistribution(9);
      const dense = expm(rateMatrix(pM), 0.7);
      const out = new Float64Array(V);
      for (const x of states) {
        x0Scores(p, x, M, pM, 0.7, out);
        const ratio = (y: number): number => p.reduce((s, px0, x0) => (x0 === M ? s : s + (px0 * dense[x0]![y]!) / dense[x0]![x]!), 0);
        const expected = Array.from({ length: V }, (_, y) => (y === x ? 1 : y === M ? 0 : ratio(y)));
        assertClose(out, expected, 1e-9, `scores at ${x}`);
      }
    });
  }

  it('roulette with pM -> 1 is the absorb ancestral step', () => {
    const spec = FAKE_SPEC; // loglinear, eps 1e-3
    const [t, s] = [0.7, 0.45];
    const p = randomDistribution(3);
    const out = new Float64Array(V);
    x0Posterior(p, M, M, 1 - 1e-12, sigma(spec, t), sigma(spec, s), out);
    const chance = revealProbability(spec, t, s);
    assertClose(out, Array.from(p, (pv, v) => (v === M ? 1 - chance : pv * chance)), 1e-9, 'posterior');
  });

  it('SEDD absorb Tweedie on the scores of p equals the absorb ancestral step', () => {
    const spec = FAKE_SPEC;
    const [t, s] = [0.9, 0.6];
    const p = randomDistribution(4);
    const scores = p.map((pv, v) => (v === M ? 1 : pv / Math.expm1(sigma(spec, t))));
    const out = new Float64Array(V);
    tweedieScores(scores, M, M, sigma(spec, t) - sigma(spec, s), out);
    const chance = revealProbability(spec, t, s);
    assertClose(out, Array.from(p, (pv, v) => (v === M ? 1 - chance : pv * chance)), 1e-12, 'tweedie');
    const derived = new Float64Array(V);
    x0Scores(p, M, M, 1, sigma(spec, t), derived);
    assertClose(derived, scores, 1e-12, 'x0 scores on absorb');
  });

  it('absorb per-token posterior: p_v r_v and the mask takes the rest', () => {
    const p = randomDistribution(5);
    const out = new Float64Array(V);
    absorbX0Posterior(p, M, (v) => 0.1 * (v + 1), out);
    assertClose(out, Array.from(p, (pv, v) => (v === M ? 1 - p.reduce((s, q, u) => s + q * 0.1 * (u + 1), 0) : pv * 0.1 * (v + 1))), 1e-15, 'genmd4');
    assert.ok(Math.abs(sum(out) - 1) < 1e-15);
  });

  it('Euler: onehot + dt σ\' R sums to 1 for small steps and clamps the stay entry at 0 for large ones', () => {
    const scores = Float64Array.from([0.5, 2, 1, 0.25, 1]);
    const out = new Float64Array(V);
    eulerScores(scores, M, M, 1, 0.1, out); // absorb at a mask: P(y) = 0.1 s_y
    assertClose(out, [0.05, 0.2, 0.1, 0.025, 1 - 0.375], 1e-15, 'absorb euler');
    const real = Float64Array.from([1, 2, 0.5, 4, 0]);
    eulerScores(real, 0, M, 0, 0.4, out); // uniform at token 0: P(y) = 0.4 s_y / N
    assertClose(out, [1 - 0.65, 0.2, 0.05, 0.4, 0], 1e-15, 'uniform euler');
    eulerScores(real, 0, M, 0, 40, out);
    assert.strictEqual(out[0], 0);
    assert.ok(out.every((w) => w >= 0));
  });

  it('Tweedie uniform: sums to 1 on exact ratios, >= 0 always', () => {
    const p = randomDistribution(6);
    const scores = new Float64Array(V);
    const out = new Float64Array(V);
    x0Scores(p, 2, M, 0, 1.1, scores);
    tweedieScores(scores, 2, M, 0.3, out);
    assert.ok(Math.abs(sum(out) - 1) < 1e-12 && out.every((w) => w >= 0));
    tweedieScores(Float64Array.from([50, 0, 1, 0, 0]), 2, M, 3, out);
    assert.ok(out.every((w) => w >= 0) && out[1] === 0);
  });
});

describe('banFromStep (the pad rules on log-score steps)', () => {
  it('keeps the chance to stay masked and the ratios of the other real tokens', () => {
    // ids: 0 pad (banned), 1 mask, 2..4 content; the weights of an absorb step from a masked slot
    const weights = Float64Array.from([0.45, 0.5, 0.01, 0.03, 0.01]);
    banFromStep(weights, 0, 1);
    assert.equal(weights[0], 0);
    assert.equal(weights[1], 0.5);
    const content = [weights[2]!, weights[3]!, weights[4]!];
    assert.ok(Math.abs(content.reduce((a, b) => a + b) - 0.5) < 1e-15);
    assert.ok(Math.abs(content[1]! / content[0]! - 3) < 1e-12);
  });

  it('leaves only the mask when the banned id held all the real mass', () => {
    const weights = Float64Array.from([0.4, 0.6, 0, 0]);
    banFromStep(weights, 0, 1);
    assert.deepEqual([...weights], [0, 0.6, 0, 0]);
  });
});
