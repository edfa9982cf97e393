import { InferenceError } from '../../core/errors';

/**
 * The SUBS x0 distribution of one queried position, p = softmax(logits) with the mask logit at
 * -inf, summarised in float64. Sums run over token ids in ascending order (the Python reference
 * does the same, so both languages round identically). A `banned` id is left out like the mask
 * (the padding id where a pad may not go, see step/padRules.ts); every field below is then of the
 * distribution renormalised without it.
 */
export interface PositionStats {
  /** The id left out besides the mask; -1 for none. */
  readonly banned: number;
  /** argmax_v p_v; ties go to the lower id. */
  readonly best: number;
  readonly maxLogit: number;
  /** Σ_v exp(logit_v - maxLogit): the normaliser Z. */
  readonly sumExp: number;
  /** p_best = 1 / Z. */
  readonly maxProb: number;
  /** p_top1 - p_top2. */
  readonly margin: number;
  /** Σ_v p_v log p_v = -entropy. */
  readonly negEntropy: number;
}

/** A network output (float32) or weights the sampler derived from one (float64). */
export type LogitRows = Float32Array | Float64Array;

/** `logits[offset .. offset + vocabSize)` is one query row of `[B, Q, V]` (or one derived log-weight row). */
export function positionStats(logits: LogitRows, offset: number, vocabSize: number, maskId: number, banned = -1): PositionStats {
  let best = -1;
  let maxLogit = -Infinity;
  let second = -Infinity;
  for (let v = 0; v < vocabSize; v++) {
    if (v === maskId || v === banned) continue;
    const logit = logits[offset + v]!;
    if (logit > maxLogit) {
      second = maxLogit;
      maxLogit = logit;
      best = v;
    } else if (logit > second) {
      second = logit;
    }
  }
  let sumExp = 0;
  let weightedLogits = 0; // Σ e_v (logit_v - max), for the entropy
  for (let v = 0; v < vocabSize; v++) {
    if (v === maskId || v === banned) continue;
    const shifted = logits[offset + v]! - maxLogit;
    const e = Math.exp(shifted);
    sumExp += e;
    if (e > 0) weightedLogits += e * shifted;
  }
  if (best < 0 || !Number.isFinite(maxLogit) || !Number.isFinite(sumExp) || !Number.isFinite(weightedLogits)) {
    throw new InferenceError('the denoiser returned non-finite logits');
  }
  return {
    banned,
    best,
    maxLogit,
    sumExp,
    maxProb: 1 / sumExp,
    margin: (1 - Math.exp(second - maxLogit)) / sumExp,
    negEntropy: weightedLogits / sumExp - Math.log(sumExp),
  };
}

/** p_token under the untempered SUBS distribution (`banned` left out too): what `confidence` reports. */
export function probabilityOf(logits: LogitRows, offset: number, token: number, stats: PositionStats): number {
  return Math.exp(logits[offset + token]! - stats.maxLogit) / stats.sumExp;
}
