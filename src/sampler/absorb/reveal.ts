import type { RowPlan } from '../loop/blockPlan';
import { probabilityOf, type PositionStats } from '../math/distribution';
import { gridTime, revealProbability } from '../math/noiseSchedule';
import { place, statsAt } from '../step/padRules';
import type { StepContext } from '../step/stepContext';
import { revealedBy } from './revealSchedule';

/*
 * The absorb path: a masked position is revealed once and its token is final. Ranked (the confidence
 * strategies) or ancestral ('random'); the pad rules and the write of a drawn token (`place`) are
 * shared with the kernel path (step/padRules.ts).
 */

/** Reveals one position with a token drawn from the sampling distribution (argmax at temperature 0). */
function revealSampled(ctx: StepContext, row: number, position: number, stats: PositionStats): void {
  const offset = ctx.logits.offset(row, position);
  const token =
    ctx.options.temperature === 0
      ? stats.best
      : ctx.tokenSampler.draw(ctx.logits.logits, offset, stats, ctx.rng.nextUniform());
  place(ctx, row, position, token, probabilityOf(ctx.logits.logits, offset, token, stats));
}

/**
 * The exact ancestral (MDLM ddpm) update over the current block: each masked position is revealed
 * with probability (α_s - α_t) / (1 - α_t) on the block's grid, then given a token. Per position,
 * ascending: one uniform for the reveal decision, then (if revealed, temperature > 0) one for the token.
 * `padPenalty` is no re-weighting here (the math stays the exact ancestral step); its pad rules
 * (step/padRules.ts) still hold, as constraints on where padding may be.
 */
export function revealAncestral(ctx: StepContext, row: number, plan: RowPlan): void {
  const t = gridTime(plan.localStep - 1, plan.blockStepCount);
  const s = gridTime(plan.localStep, plan.blockStepCount);
  const chance = revealProbability(ctx.spec, t, s);
  for (const position of plan.blockPositions) {
    if (!ctx.state.isMasked(row, position)) continue;
    if (ctx.rng.nextUniform() < chance) revealSampled(ctx, row, position, statsAt(ctx, row, position));
  }
}

function score(ctx: StepContext, stats: PositionStats): number {
  switch (ctx.options.strategy) {
    case 'margin':
      return stats.margin;
    case 'entropy':
      return stats.negEntropy;
    default:
      return stats.maxProb;
  }
}

/**
 * Confidence-ordered unmasking over the current block. With n = block size, S = the block's steps,
 * i = the local step and r = tokens of the block already revealed, the step reveals
 * k = max(1, revealedBy(schedule, n, i, S) - r) masked positions (all of them at i = S), the k with
 * the highest score (ties to the lower position). With a threshold τ it also reveals every other
 * masked position of the block whose confidence (max probability) is >= τ. Tokens are drawn in
 * ascending position order, one uniform each when temperature > 0.
 *
 * With `padPenalty` set, a position whose most probable token (`best`, after any ban) is the pad
 * ranks with score - padPenalty, and the threshold never picks it: a pad is revealed by rank only
 * (or drawn at temperature > 0). A chosen position that a pad earlier in its hole filled this step
 * is skipped (step/padRules.ts), so the pad wins over content chosen after it in the same step.
 */
export function revealRanked(ctx: StepContext, row: number, plan: RowPlan): void {
  const eligible = plan.blockPositions.filter((p) => ctx.state.isMasked(row, p));
  const stats = eligible.map((p) => statsAt(ctx, row, p));
  const revealed = plan.blockPositions.length - eligible.length;
  const scheduled = revealedBy(ctx.options.schedule, plan.blockPositions.length, plan.localStep, plan.blockStepCount);
  const count = Math.min(eligible.length, Math.max(1, scheduled - revealed));
  const penalty = ctx.options.padPenalty;
  const padBest = stats.map((s) => penalty !== undefined && s.best === ctx.spec.padId);
  const scores = stats.map((s, i) => (padBest[i] ? score(ctx, s) - penalty! : score(ctx, s)));
  const order = eligible.map((_, i) => i).sort((a, b) => scores[b]! - scores[a]! || eligible[a]! - eligible[b]!);
  const chosen = new Set(order.slice(0, count));
  const threshold = ctx.options.threshold;
  if (threshold !== undefined) {
    stats.forEach((s, i) => {
      if (s.maxProb >= threshold && !padBest[i]) chosen.add(i);
    });
  }
  eligible.forEach((position, i) => {
    if (chosen.has(i) && ctx.state.isMasked(row, position)) revealSampled(ctx, row, position, stats[i]!);
  });
}
