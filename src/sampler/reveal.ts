import type { Rng } from '../core/rng';
import type { RowPlan } from './blockPlan';
import type { CanvasState } from './canvasState';
import type { QueriedLogits } from './denoiseCall';
import { positionStats, probabilityOf, type PositionStats } from './distribution';
import { gridTime, revealProbability } from './noiseSchedule';
import { revealedBy } from './revealSchedule';
import type { TokenSampler } from './tokenSampler';
import type { DiffusionSpec } from './types';
import type { ResolvedOptions } from './validate';

/** What one step needs to reveal tokens of a row. */
export interface RevealContext {
  readonly spec: DiffusionSpec;
  readonly options: ResolvedOptions;
  readonly state: CanvasState;
  readonly logits: QueriedLogits;
  readonly rng: Rng;
  readonly tokenSampler: TokenSampler;
  readonly step: number;
}

function statsAt(ctx: RevealContext, row: number, position: number): PositionStats {
  return positionStats(ctx.logits.logits, ctx.logits.offset(row, position), ctx.spec.vocabSize, ctx.spec.maskId);
}

/** Reveals one position with a token drawn from the sampling distribution (argmax at temperature 0). */
function revealSampled(ctx: RevealContext, row: number, position: number, stats: PositionStats): void {
  const offset = ctx.logits.offset(row, position);
  const token =
    ctx.options.temperature === 0
      ? stats.best
      : ctx.tokenSampler.draw(ctx.logits.logits, offset, stats, ctx.rng.nextUniform());
  ctx.state.reveal(row, position, token, probabilityOf(ctx.logits.logits, offset, token, stats), ctx.step);
}

/** Reveals a position with its most probable token (noise removal, anytime stop). */
export function revealArgmax(ctx: RevealContext, row: number, position: number): void {
  const stats = statsAt(ctx, row, position);
  ctx.state.reveal(row, position, stats.best, stats.maxProb, ctx.step);
}

/**
 * The exact ancestral (MDLM ddpm) update over the current block: each masked position is revealed
 * with probability (α_s - α_t) / (1 - α_t) on the block's grid, then given a token. Per position,
 * ascending: one uniform for the reveal decision, then (if revealed, temperature > 0) one for the token.
 */
export function revealAncestral(ctx: RevealContext, row: number, plan: RowPlan): void {
  const t = gridTime(plan.localStep - 1, plan.blockStepCount);
  const s = gridTime(plan.localStep, plan.blockStepCount);
  const chance = revealProbability(ctx.spec, t, s);
  for (const position of plan.blockPositions) {
    if (!ctx.state.isMasked(row, position)) continue;
    if (ctx.rng.nextUniform() < chance) revealSampled(ctx, row, position, statsAt(ctx, row, position));
  }
}

function score(ctx: RevealContext, stats: PositionStats): number {
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
 */
export function revealRanked(ctx: RevealContext, row: number, plan: RowPlan): void {
  const eligible = plan.blockPositions.filter((p) => ctx.state.isMasked(row, p));
  const stats = eligible.map((p) => statsAt(ctx, row, p));
  const revealed = plan.blockPositions.length - eligible.length;
  const scheduled = revealedBy(ctx.options.schedule, plan.blockPositions.length, plan.localStep, plan.blockStepCount);
  const count = Math.min(eligible.length, Math.max(1, scheduled - revealed));
  const scores = stats.map((s) => score(ctx, s));
  const order = eligible.map((_, i) => i).sort((a, b) => scores[b]! - scores[a]! || eligible[a]! - eligible[b]!);
  const chosen = new Set(order.slice(0, count));
  const threshold = ctx.options.threshold;
  if (threshold !== undefined) {
    stats.forEach((s, i) => {
      if (s.maxProb >= threshold) chosen.add(i);
    });
  }
  eligible.forEach((position, i) => {
    if (chosen.has(i)) revealSampled(ctx, row, position, stats[i]!);
  });
}
