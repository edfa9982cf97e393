import { SELECTION_MIN_SLOTS, SELECTION_SLACK_FACTOR, SELECTION_SLACK_TOKENS } from './defaults';
import type { Hole } from './types';

/**
 * Mask slots to allocate for `hole`. The true length is unknown, so the hole is over-allocated and
 * the model fills the slack with padding at its end (stripped afterwards):
 * - an explicit `hole.maxTokens` wins;
 * - a replaced selection of `selectionTokens` tokens gets room for a somewhat longer rewrite (see
 *   `SELECTION_*` in defaults.ts), never more than `maxTokens`;
 * - a cursor gets `maxTokens`.
 */
export function holeSlots(hole: Hole, selectionTokens: number, maxTokens: number): number {
  if (hole.maxTokens !== undefined) return hole.maxTokens;
  if (selectionTokens === 0) return maxTokens;
  const hinted = Math.ceil(SELECTION_SLACK_FACTOR * selectionTokens) + SELECTION_SLACK_TOKENS;
  return Math.min(maxTokens, Math.max(SELECTION_MIN_SLOTS, hinted));
}
