import type { Rng } from '../../core/rng';
import type { RowPlan } from '../loop/blockPlan';
import type { CanvasState } from '../loop/canvasState';
import type { QueriedLogits } from '../loop/denoiseCall';
import { positionStats, probabilityOf, type PositionStats } from '../math/distribution';
import { gridTime, revealProbability } from '../math/noiseSchedule';
import { revealedBy } from './revealSchedule';
import type { TokenSampler } from '../math/tokenSampler';
import type { DiffusionSpec } from '../types';
import type { ResolvedOptions } from '../validate';

/** What one step needs to reveal tokens of a row. */
export interface RevealContext {
  readonly spec: DiffusionSpec;
  readonly options: ResolvedOptions;
  readonly state: CanvasState;
  readonly logits: QueriedLogits;
  readonly rng: Rng;
  readonly tokenSampler: TokenSampler;
  readonly step: number;
  /** Per-position work vectors of the graph kernels (transition.ts), reused. */
  readonly scratch: Scratch;
}

/** Float64 vectors `[vocabSize]` a step reuses for every position. */
export class Scratch {
  readonly x0: Float64Array;
  readonly scores: Float64Array;
  readonly weights: Float64Array;
  readonly logWeights: Float64Array;

  constructor(vocabSize: number) {
    this.x0 = new Float64Array(vocabSize);
    this.scores = new Float64Array(vocabSize);
    this.weights = new Float64Array(vocabSize);
    this.logWeights = new Float64Array(vocabSize);
  }
}

/*
 * Pad rules, on when `options.padPenalty` is set on the absorb graph (every strategy, every way of
 * revealing: ranked, ancestral, kernels, noise removal, anytime stop). The refining graphs (uniform,
 * roulette) get a final pad pass instead (transition.ts), since a token there may still change. A
 * hole is a maximal run of positions masked in the input canvas; the model fills the slack of an
 * over-allocated hole with padding at its end.
 * - A pad ends its hole: revealing the pad id at p reveals every still-masked later position of
 *   p's hole as a pad in the same step (confidence: the pad's probability there under the logits
 *   of this step; no uniform drawn). A position so filled is skipped by the rest of the step.
 * - A pad never goes before content: where a non-pad token is already revealed later in the hole,
 *   the pad id is left out of the position's distribution like the mask (`bannedAt`).
 * - With `nonEmpty`, the first position of a hole never takes the pad: no hole comes back empty.
 * Together: in every hole the pads are a suffix. Confidence strategies also rank pad-best
 * positions lower (`revealRanked`).
 */

/** The id a position's distribution leaves out besides the mask: the pad where content follows in its hole (or at a hole's start, with `nonEmpty`); else -1. */
export function bannedAt(ctx: RevealContext, row: number, position: number): number {
  if (!padRulesOn(ctx)) return -1;
  const { state, spec } = ctx;
  if (ctx.options.nonEmpty && state.isHoleStart(row, position)) return spec.padId;
  for (let q = position + 1, end = state.holeEnd(row, position); q <= end; q++) {
    if (!state.isMasked(row, q) && state.tokenAt(row, q) !== spec.padId) return spec.padId;
  }
  return -1;
}

function padRulesOn(ctx: RevealContext): boolean {
  return ctx.options.padPenalty !== undefined && ctx.spec.graph === 'absorb';
}

export function statsAt(ctx: RevealContext, row: number, position: number, banned = bannedAt(ctx, row, position)): PositionStats {
  return positionStats(ctx.logits.logits, ctx.logits.offset(row, position), ctx.spec.vocabSize, ctx.spec.maskId, banned);
}

/** Every write of a drawn token goes through here: with the pad rules on, a pad also pads the rest of its hole. */
export function place(ctx: RevealContext, row: number, position: number, token: number, confidence: number): void {
  const { state, spec } = ctx;
  state.reveal(row, position, token, confidence, ctx.step);
  if (token !== spec.padId || !padRulesOn(ctx)) return;
  for (let q = position + 1, end = state.holeEnd(row, position); q <= end; q++) {
    if (!state.isMasked(row, q)) continue;
    const stats = statsAt(ctx, row, q, -1);
    state.reveal(row, q, spec.padId, probabilityOf(ctx.logits.logits, ctx.logits.offset(row, q), spec.padId, stats), ctx.step);
  }
}

/** Reveals one position with a token drawn from the sampling distribution (argmax at temperature 0). */
function revealSampled(ctx: RevealContext, row: number, position: number, stats: PositionStats): void {
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
 * (above) still hold, as constraints on where padding may be.
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
 *
 * With `padPenalty` set, a position whose most probable token (`best`, after any ban) is the pad
 * ranks with score - padPenalty, and the threshold never picks it: a pad is revealed by rank only
 * (or drawn at temperature > 0). A chosen position that a pad earlier in its hole filled this step
 * is skipped (pad rules above), so the pad wins over content chosen after it in the same step.
 */
export function revealRanked(ctx: RevealContext, row: number, plan: RowPlan): void {
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
