import { InferenceError } from '../../core/errors';
import type { RowPlan } from '../loop/blockPlan';
import { positionStats, probabilityOf, type LogitRows, type PositionStats } from '../math/distribution';
import { absorbX0Posterior, eulerScores, tweedieScores, x0Posterior, x0Scores } from './graphKernels';
import { gridTime, revealProbability, sigma, sigmaRate } from '../math/noiseSchedule';
import { bannedAt, place, statsAt } from '../step/padRules';
import type { StepContext } from '../step/stepContext';
import { pickInverseCdf } from '../math/tokenSampler';
import type { DiffusionSpec } from '../types';
import type { ResolvedOptions } from '../validate';

/*
 * The kernel path: one sampler for every graph and output kind. A row's step t → s (its block's
 * grid) moves each position by its graph's transition kernel (graphKernels.ts), one uniform per
 * position, ascending; the row's last step is the final step, the jump to t = 0. Which positions:
 * - absorb: the masked ones of the block (a mask may stay masked);
 * - uniform: every hole position (no mask; any token may change);
 * - roulette: every hole position with 'random'; with a confidence strategy the revealed hole
 *   positions are revised by the kernel first, then the loop (loop/sample.ts) reveals masked ones
 *   by rank (absorb/reveal.ts).
 * Kernels, by output kind and `kernel`:
 * - x0 logits, 'analytic': the exact x0-posterior; the x0 distribution p is SUBS with the sampling
 *   temperature applied (one-hot argmax at temperature 0);
 * - x0 logits, 'euler': p turned into concrete scores at σ(t), then SEDD's Euler step;
 * - log scores (s_y = e^{logit_y}, s at x_t = 1, the mask entry ignored), 'analytic': SEDD's Tweedie
 *   τ-leaping; 'euler': SEDD's Euler step. The temperature acts on the final step only here.
 * Confidence of a drawn token: p_θ(x0 = token) under the untempered SUBS distribution (x0 logits),
 * else the token's share of the transition weights over real tokens.
 */

/** The graph's pM: the mask's share of the forward rate (absorb 1, uniform 0). */
function maskShare(spec: DiffusionSpec): number {
  if (spec.graph === 'absorb') return 1;
  return spec.graph === 'uniform' ? 0 : spec.pM!;
}

/**
 * Whether a run takes the kernel path rather than absorb/reveal.ts's absorb path (MDLM ancestral on a
 * scalar schedule, which the analytic absorb kernel equals, and the confidence strategies).
 */
export function usesKernels(spec: DiffusionSpec, options: ResolvedOptions): boolean {
  if (spec.graph !== 'absorb') return true;
  return options.strategy === 'random' && (spec.outputKind === 'log_score' || options.kernel === 'euler' || spec.schedule.type === 'genmd4');
}

/** Scores of a log-score row: s_y = e^{logit_y}; s at the current token x = 1; 0 at the mask otherwise. */
function scoresOf(logits: LogitRows, offset: number, x: number, maskId: number, out: Float64Array): void {
  for (let v = 0; v < out.length; v++) {
    out[v] = v === x ? 1 : v === maskId ? 0 : Math.exp(logits[offset + v]!);
    if (!Number.isFinite(out[v])) throw new InferenceError('the denoiser returned non-finite log scores');
  }
}

/**
 * Leaves `banned` out of a step's weights as the x0 path leaves it out of p (step/padRules.ts's pad
 * rules): the other real tokens take its share, so the chance to stay masked is the kernel's own.
 */
export function banFromStep(weights: Float64Array, banned: number, maskId: number): void {
  const total = realTotal(weights, maskId);
  const rest = total - weights[banned]!;
  weights[banned] = 0;
  if (!(rest > 0)) return;
  const scale = total / rest;
  for (let v = 0; v < weights.length; v++) if (v !== maskId) weights[v] = weights[v]! * scale;
}

/** One kernel step t → s of a position; a draw of the mask (stay masked) writes nothing. */
function kernelStep(ctx: StepContext, row: number, position: number, t: number, s: number): void {
  const { spec, options, scratch, logits } = ctx;
  const { maskId } = spec;
  const x = ctx.state.tokenAt(row, position);
  const offset = logits.offset(row, position);
  const out = scratch.weights;
  const pM = maskShare(spec);
  let stats: PositionStats | undefined;
  if (spec.outputKind === 'log_score') {
    scoresOf(logits.logits, offset, x, maskId, scratch.scores);
    if (options.kernel === 'euler') eulerScores(scratch.scores, x, maskId, pM, (t - s) * sigmaRate(spec, t), out);
    else tweedieScores(scratch.scores, x, maskId, sigma(spec, t) - sigma(spec, s), out);
    const banned = bannedAt(ctx, row, position);
    if (banned >= 0) banFromStep(out, banned, maskId);
  } else {
    stats = statsAt(ctx, row, position);
    ctx.tokenSampler.distribution(logits.logits, offset, stats, scratch.x0);
    if (options.kernel === 'euler') {
      x0Scores(scratch.x0, x, maskId, pM, sigma(spec, t), scratch.scores);
      eulerScores(scratch.scores, x, maskId, pM, (t - s) * sigmaRate(spec, t), out);
    } else if (spec.graph === 'absorb') {
      absorbX0Posterior(scratch.x0, maskId, (v) => revealProbability(spec, t, s, v), out);
    } else {
      x0Posterior(scratch.x0, x, maskId, pM, sigma(spec, t), sigma(spec, s), out);
    }
  }
  const token = pickInverseCdf(out, ctx.rng.nextUniform());
  if (token < 0) throw new InferenceError('a transition step has no probability mass');
  if (token === maskId) return;
  place(ctx, row, position, token, stats ? probabilityOf(logits.logits, offset, token, stats) : out[token]! / realTotal(out, maskId));
}

function realTotal(weights: Float64Array, maskId: number): number {
  let total = 0;
  for (let v = 0; v < weights.length; v++) if (v !== maskId) total += weights[v]!;
  return total;
}

/**
 * A non-final step of a row on the kernel path (see the top of this file); with a confidence strategy
 * the loop then reveals masked positions by rank (absorb/reveal.ts).
 */
export function kernelRow(ctx: StepContext, row: number, plan: RowPlan): void {
  const t = gridTime(plan.localStep - 1, plan.blockStepCount);
  const s = gridTime(plan.localStep, plan.blockStepCount);
  const ranked = ctx.options.strategy !== 'random';
  for (const position of plan.blockPositions) {
    const move = ctx.state.isMasked(row, position) ? !ranked : ctx.state.isPending(row, position);
    if (move) kernelStep(ctx, row, position, t, s);
  }
}

/**
 * The distribution of the final step at time t, the jump to t = 0, as log-weights over the real
 * tokens: the x0 logits themselves; for log scores SEDD's Tweedie step with the full σ(t) and the
 * mask entry dropped, which on absorb is ∝ s_y, i.e. the logits again.
 */
function finalDistribution(ctx: StepContext, row: number, position: number, t: number, banned: number): { rows: LogitRows; offset: number; stats: PositionStats } {
  const { spec, logits, scratch } = ctx;
  let rows: LogitRows = logits.logits;
  let offset = logits.offset(row, position);
  if (spec.outputKind === 'log_score' && spec.graph === 'uniform') {
    scoresOf(logits.logits, offset, ctx.state.tokenAt(row, position), spec.maskId, scratch.scores);
    tweedieScores(scratch.scores, ctx.state.tokenAt(row, position), spec.maskId, sigma(spec, t), scratch.weights);
    for (let v = 0; v < spec.vocabSize; v++) scratch.logWeights[v] = Math.log(scratch.weights[v]!);
    rows = scratch.logWeights;
    offset = 0;
  }
  // the call's own logits: the step may know their stats already
  const stats = rows === logits.logits ? statsAt(ctx, row, position, banned) : positionStats(rows, offset, spec.vocabSize, spec.maskId, banned);
  return { rows, offset, stats };
}

/**
 * The final step (noise removal, anytime stop) over the pending `positions` of a row, ascending,
 * with logits of time t: each takes the mode of the final distribution when `greedy` or at
 * temperature 0, else a draw from it at the temperature (one uniform). On the refining graphs
 * the positions then settle and, with `padPenalty` set, every position after the first pad of a
 * hole becomes a pad (confidence: the pad's probability under its final distribution).
 */
export function settlePositions(ctx: StepContext, row: number, positions: readonly number[], t: number, greedy: boolean): void {
  const { state, options, tokenSampler } = ctx;
  const refining = ctx.spec.graph !== 'absorb';
  for (const position of positions) {
    if (!state.isPending(row, position)) continue;
    const { rows, offset, stats } = finalDistribution(ctx, row, position, t, bannedAt(ctx, row, position));
    const token = greedy || options.temperature === 0 ? stats.best : tokenSampler.draw(rows, offset, stats, ctx.rng.nextUniform());
    place(ctx, row, position, token, probabilityOf(rows, offset, token, stats));
    if (refining) state.settle(row, position);
  }
  if (!refining || options.padPenalty === undefined) return;
  const pad = ctx.spec.padId;
  let paddedUntil = -1;
  for (const position of positions) {
    if (position > paddedUntil) {
      if (state.tokenAt(row, position) === pad) paddedUntil = state.holeEnd(row, position);
    } else if (state.tokenAt(row, position) !== pad) {
      const { rows, offset, stats } = finalDistribution(ctx, row, position, t, -1);
      state.reveal(row, position, pad, probabilityOf(rows, offset, pad, stats), ctx.step);
    }
  }
}
