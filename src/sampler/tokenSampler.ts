import type { LogitRows, PositionStats } from './distribution';

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
 * 1. w_v = exp((logit_v - maxLogit) / T), w_mask = 0 (and w = 0 for the stats' banned id);
 * 2. top-k: keep the k largest w (ties to the lower id), zero the rest;
 * 3. top-p: rank the kept w (desc, ties to the lower id), keep the shortest prefix whose running
 *    sum reaches topP * Σw (Σ in id order), zero the rest;
 * 4. `pickInverseCdf`: the first id (ascending) whose running sum of w exceeds u * Σw; if rounding
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
   * steps 1-3; at temperature 0 one-hot at `stats.best`. The x0 distribution the graph kernels use.
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
      weights[v] = v === maskId || v === stats.banned ? 0 : Math.exp((logits[offset + v]! - stats.maxLogit) / knobs.temperature);
    }
    if (knobs.topK > 0 && knobs.topK < vocabSize) this.keepRanked(knobs.topK);
    if (knobs.topP < 1) this.keepNucleus(knobs.topP);
  }

  private keepRanked(count: number): void {
    this.keepRankedPrefix((ranked, complete) => (ranked.length >= count || complete ? Math.min(count, ranked.length) : undefined));
  }

  private keepNucleus(topP: number): void {
    const needed = topP * sumInIdOrder(this.weights);
    this.keepRankedPrefix((ranked, complete) => {
      let running = 0;
      let kept = 0;
      while (kept < ranked.length && running < needed) running += this.weights[ranked[kept++]!]!;
      return running >= needed || complete ? Math.max(kept, 1) : undefined;
    });
  }

  /**
   * Keeps the first `prefixLength` ids of the ranking (w desc, ties to the lower id) and zeroes the
   * rest. Sorting all V weights per draw is slow for a 50k vocabulary, so only ids with
   * w >= cutoff are ranked, lowering the cutoff until `prefixLength` finds its prefix inside them
   * (or every id with w > 0 is in). Every unranked id is lighter than every ranked one, so the
   * prefix is the one a full sort gives. The top weight is exp(0) = 1, hence cutoffs below 1.
   */
  private keepRankedPrefix(prefixLength: (ranked: number[], complete: boolean) => number | undefined): void {
    const { weights, vocabSize } = this;
    for (let cutoff = 2 ** -8; ; cutoff = cutoff > 1e-300 ? cutoff * 2 ** -16 : 0) {
      const complete = cutoff === 0;
      const ranked: number[] = [];
      for (let v = 0; v < vocabSize; v++) if (weights[v]! > 0 && weights[v]! >= cutoff) ranked.push(v);
      ranked.sort((a, b) => weights[b]! - weights[a]! || a - b);
      const length = prefixLength(ranked, complete);
      if (length === undefined) continue;
      const kept = new Uint8Array(vocabSize);
      for (let i = 0; i < length; i++) kept[ranked[i]!] = 1;
      for (let v = 0; v < vocabSize; v++) if (!kept[v]) weights[v] = 0;
      return;
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
