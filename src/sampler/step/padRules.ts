import { probabilityOf, type PositionStats } from '../math/distribution';
import { distributionIds } from './distributionIds';
import type { StepContext } from './stepContext';

/*
 * Pad rules, on when `options.padPenalty` is set on the absorb graph (every strategy, every way of
 * revealing: ranked, ancestral, kernels, noise removal, anytime stop). The refining graphs (uniform,
 * roulette) get a final pad pass instead (kernels/transition.ts), since a token there may still
 * change. A hole is a maximal run of positions masked in the input canvas (and the padding after it
 * that it grew into, loop/holeGrowth.ts); the model fills the slack
 * of an over-allocated hole with padding at its end.
 * - A pad ends its hole: revealing the pad id at p reveals every still-masked later position of
 *   p's hole as a pad in the same step (confidence: the pad's probability there under the logits
 *   of this step; no uniform drawn). A position so filled is skipped by the rest of the step.
 * - A pad never goes before content: where a non-pad token is already revealed later in the hole,
 *   the pad id is left out of the position's distribution like the mask (`bannedAt`).
 * - With `nonEmpty`, the first position of a hole never takes the pad: no hole comes back empty.
 * Together: in every hole the pads are a suffix. Confidence strategies also rank pad-best
 * positions lower (`revealRanked`, absorb/reveal.ts).
 */

/** The id a position's distribution leaves out besides the mask: the pad where content follows in its hole (or at a hole's start, with `nonEmpty`); else -1. */
export function bannedAt(ctx: StepContext, row: number, position: number): number {
  if (!padRulesOn(ctx)) return -1;
  const { state, spec } = ctx;
  if (ctx.options.nonEmpty && state.isHoleStart(row, position)) return spec.padId;
  for (let q = position + 1, end = state.holeEnd(row, position); q <= end; q++) {
    if (!state.isMasked(row, q) && state.tokenAt(row, q) !== spec.padId) return spec.padId;
  }
  return -1;
}

function padRulesOn(ctx: StepContext): boolean {
  return ctx.options.padPenalty !== undefined && ctx.spec.graph === 'absorb';
}

export function statsAt(ctx: StepContext, row: number, position: number, banned = bannedAt(ctx, row, position)): PositionStats {
  return ctx.logits.statsAt(row, position, ctx.spec.maskId, banned, distributionIds(ctx, row, position));
}

/** Every write of a drawn token goes through here: with the pad rules on, a pad also pads the rest of its hole. */
export function place(ctx: StepContext, row: number, position: number, token: number, confidence: number): void {
  const { state, spec } = ctx;
  state.reveal(row, position, token, confidence, ctx.step);
  if (token !== spec.padId || !padRulesOn(ctx)) return;
  for (let q = position + 1, end = state.holeEnd(row, position); q <= end; q++) {
    if (!state.isMasked(row, q)) continue;
    const stats = statsAt(ctx, row, q, -1);
    state.reveal(row, q, spec.padId, probabilityOf(ctx.logits.logits, ctx.logits.offset(row, q), spec.padId, stats), ctx.step);
  }
}
