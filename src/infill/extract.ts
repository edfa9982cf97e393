import type { SampleResult } from '../sampler';
import type { CanvasHole } from './canvas';

/** What the model generated in one hole of one row. */
export interface HoleTokens {
  /** The generated ids, up to (not including) the first padding or end-of-text id. */
  readonly ids: number[];
  /** Mean probability of `ids`; of the padding slots when `ids` is empty. */
  readonly confidence: number;
  /** Per slot of the hole, padding included: the probability of its token when it was revealed. */
  readonly probabilities: number[];
}

/** A sampled canvas `[batch * length]` and what the sampler reports per position. */
export type SampledCanvas = Pick<SampleResult, 'tokens' | 'confidence' | 'revealStep'>;

/**
 * Reads hole `hole` of row `row` out of a sampled canvas: its slots are the positions from its start
 * that the sampler revealed, up to `hole.slots` (a row's fixed padding, and the room a growing hole
 * did not take, were never revealed). The model was trained to put the slack of an over-allocated
 * hole as padding at its end, so the first padding (or end-of-text) id ends the fill and everything
 * after it is dropped, stray non-padding ids included.
 */
export function readHole(
  sampled: SampledCanvas,
  length: number,
  row: number,
  hole: CanvasHole,
  stopIds: ReadonlySet<number>,
): HoleTokens {
  const from = row * length + hole.start;
  const revealed = Array.from(sampled.revealStep.subarray(from, from + hole.slots)).findIndex((step) => step < 0);
  const to = from + (revealed < 0 ? hole.slots : revealed);
  const slots = Array.from(sampled.tokens.subarray(from, to));
  const probabilities = Array.from(sampled.confidence.subarray(from, to), (p) => (Number.isNaN(p) ? 0 : p));
  const stop = slots.findIndex((id) => stopIds.has(id));
  const kept = stop < 0 ? slots.length : stop;
  return { ids: slots.slice(0, kept), confidence: mean(kept > 0 ? probabilities.slice(0, kept) : probabilities), probabilities };
}

function mean(values: readonly number[]): number {
  return values.length === 0 ? 0 : values.reduce((a, b) => a + b, 0) / values.length;
}
