import type { LogitRows, PositionStats } from './distribution';

export interface SamplingKnobs {
  /** > 0 here; temperature 0 is the caller's argmax. */
  readonly temperature: number;
}

/**
 * Draws a token from the tempered SUBS distribution in float64 by inverse CDF with one uniform u
 * in (0, 1). Steps, each mirrored by the Python reference:
 * 1. w_v = exp((logit_v - maxLogit) / T), w_mask = 0 (and w = 0 for the stats' banned id and
 *    for the ids past `stats.ids`);
 * 2. `pickInverseCdf`: the first id (ascending) whose running sum of w exceeds u * Σw; if rounding
 *    leaves none, the last id with w > 0.
 */
export class TokenSampler {
  // weights: [V], reused across draws
  private readonly weights: Float64Array;

  constructor(
    private readonly vocabSize: number,
    private readonly maskId: number,
    private readonly knobs: SamplingKnobs,
  ) {
    this.weights = new Float64Array(vocabSize);
  }

  draw(logits: LogitRows, offset: number, stats: PositionStats, u: number): number {
    this.fillWeights(logits, offset, stats);
    return pickInverseCdf(this.weights, u);
  }

  /**
   * The distribution `draw` samples from, normalised: out[v] = w_v / Σw (Σ in id order) after
   * step 1; at temperature 0 one-hot at `stats.best`. The x0 distribution the graph kernels use.
   */
  distribution(logits: LogitRows, offset: number, stats: PositionStats, out: Float64Array): void {
    if (this.knobs.temperature === 0) {
      out.fill(0);
      out[stats.best] = 1;
      return;
    }
    this.fillWeights(logits, offset, stats);
    const total = sumInIdOrder(this.weights);
    for (let v = 0; v < this.vocabSize; v++) out[v] = this.weights[v]! / total;
  }

  private fillWeights(logits: LogitRows, offset: number, stats: PositionStats): void {
    const { weights, vocabSize, maskId, knobs } = this;
    for (let v = 0; v < vocabSize; v++) {
      weights[v] = v === maskId || v === stats.banned || v >= stats.ids ? 0 : Math.exp((logits[offset + v]! - stats.maxLogit) / knobs.temperature);
    }
  }
}

/**
 * Inverse CDF with one uniform u in (0, 1): the first id (ascending) whose running sum of weights
 * exceeds u Σw; if rounding leaves none, the last id with a positive weight. `weights` (>= 0) must
 * have a positive entry.
 */
export function pickInverseCdf(weights: Float64Array, u: number): number {
  const target = u * sumInIdOrder(weights);
  let running = 0;
  let lastPositive = -1;
  for (let v = 0; v < weights.length; v++) {
    const w = weights[v]!;
    if (w <= 0) continue;
    running += w;
    lastPositive = v;
    if (running > target) return v;
  }
  return lastPositive;
}

function sumInIdOrder(weights: Float64Array): number {
  let sum = 0;
  for (let v = 0; v < weights.length; v++) sum += weights[v]!;
  return sum;
}
