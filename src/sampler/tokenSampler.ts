import type { PositionStats } from './distribution';

export interface SamplingKnobs {
  /** > 0 here; temperature 0 is the caller's argmax. */
  readonly temperature: number;
  /** 0 = off. */
  readonly topK: number;
  /** 1 = off. */
  readonly topP: number;
}

/**
 * Draws a token from the tempered, top-k and top-p truncated SUBS distribution in float64 by
 * inverse CDF with one uniform u in (0, 1). Steps, each mirrored by the Python reference:
 * 1. w_v = exp((logit_v - maxLogit) / T), w_mask = 0;
 * 2. top-k: keep the k largest w (ties to the lower id), zero the rest;
 * 3. top-p: rank the kept w (desc, ties to the lower id), keep the shortest prefix whose running
 *    sum reaches topP * Σw (Σ in id order), zero the rest;
 * 4. return the first id (ascending) whose running sum of w exceeds u * Σw; if rounding leaves
 *    none, the last id with w > 0.
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

  draw(logits: Float32Array, offset: number, stats: PositionStats, u: number): number {
    const { weights, vocabSize, maskId, knobs } = this;
    for (let v = 0; v < vocabSize; v++) {
      weights[v] = v === maskId ? 0 : Math.exp((logits[offset + v]! - stats.maxLogit) / knobs.temperature);
    }
    if (knobs.topK > 0 && knobs.topK < vocabSize) this.keepRanked(knobs.topK);
    if (knobs.topP < 1) this.keepNucleus(knobs.topP);
    const target = u * sumInIdOrder(weights);
    let running = 0;
    let lastPositive = stats.best;
    for (let v = 0; v < vocabSize; v++) {
      const w = weights[v]!;
      if (w <= 0) continue;
      running += w;
      lastPositive = v;
      if (running > target) return v;
    }
    return lastPositive;
  }

  /** Ids with w > 0, heaviest first, ties to the lower id. */
  private ranked(): number[] {
    const { weights } = this;
    const ids: number[] = [];
    for (let v = 0; v < this.vocabSize; v++) if (weights[v]! > 0) ids.push(v);
    return ids.sort((a, b) => weights[b]! - weights[a]! || a - b);
  }

  private keepRanked(count: number): void {
    for (const v of this.ranked().slice(count)) this.weights[v] = 0;
  }

  private keepNucleus(topP: number): void {
    const ranked = this.ranked();
    const needed = topP * sumInIdOrder(this.weights);
    let running = 0;
    let kept = 0;
    while (kept < ranked.length && running < needed) running += this.weights[ranked[kept++]!]!;
    for (const v of ranked.slice(Math.max(kept, 1))) this.weights[v] = 0;
  }
}

function sumInIdOrder(weights: Float64Array): number {
  let sum = 0;
  for (let v = 0; v < weights.length; v++) sum += weights[v]!;
  return sum;
}
