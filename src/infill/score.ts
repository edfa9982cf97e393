/**
 * The model's own score of a fill, to choose between candidate lengths and samples: the mean
 * log-probability of the tokens the fill keeps, each taken when it was revealed, plus the
 * decision to stop there (the first padding slot, or the line break a one-line hole ends at).
 * A mean, not a sum: a sum would favour the shortest fill, the mean compares fills of any length.
 */

/** A fill's tokens as sampled: ids up to the first padding, and the probability of every slot of the hole. */
export interface SampledHole {
  readonly ids: readonly number[];
  /** Per slot of the hole (padding included), the probability of its token when revealed. */
  readonly probabilities: readonly number[];
}

/** Floor for a probability before the log: a zero-probability pick (never sampled greedily) must not give -Infinity. */
const MIN_PROBABILITY = 1e-9;

/**
 * Mean log-probability over the first `kept` tokens of `hole` and the slot that ends them: the
 * token after them (a padding slot, or when `kept` counts a line break, nothing more), when the
 * hole has one. An empty fill scores its first padding slot alone.
 */
export function meanLogProbability(hole: SampledHole, kept: number, endsAtLineBreak: boolean): number {
  const counted = endsAtLineBreak || kept >= hole.probabilities.length ? kept : kept + 1;
  const slots = hole.probabilities.slice(0, Math.max(1, counted));
  return slots.reduce((sum, p) => sum + Math.log(Math.max(MIN_PROBABILITY, p)), 0) / slots.length;
}
