import { InvalidRequestError, throwIfAborted } from '../../core/errors';
import { Rng } from '../../core/rng';
import type { Canvas, SampleOptions, SampleResult } from '../api';
import { RowPlan } from './blockPlan';
import { CanvasState } from './canvasState';
import { denoiseQueried, type QueriedLogits } from './denoiseCall';
import { HoleGrowth } from './holeGrowth';
import { condValue, gridTime, SAMPLING_EPS } from '../math/noiseSchedule';
import { revealAncestral, revealRanked } from '../absorb/reveal';
import { sampleSphere } from '../sphere/sphereSample';
import { TokenSampler } from '../math/tokenSampler';
import { kernelRow, settlePositions, usesKernels } from '../kernels/transition';
import { Scratch, type StepContext } from '../step/stepContext';
import type { ContextCacheRequest, Denoiser } from '../types';
import { resolveOptions, validateCanvas, validateSpec } from '../validate';

/**
 * Fills every hole (the slots holding `spec.maskId` in `canvas`) by discrete diffusion on the
 * model's graph. Context tokens never change: only hole positions are ever written, and the
 * padding right after a hole where the hole grows into it (below).
 *
 * Two paths. The absorb path (MDLM ancestral on a scalar schedule with x0 logits, and every
 * confidence strategy on the absorb graph) reveals masked positions as absorb/reveal.ts documents; a
 * revealed token is final. The kernel path (every other combination: uniform and roulette graphs,
 * log-score models, genmd4 schedules, kernel 'euler') moves positions by the graph's transition
 * kernel and ends each row with the final step, the jump to t = 0 (kernels/transition.ts). The
 * uniform graph has no mask: its holes start as uniform random real tokens (CanvasState.fillHolesWithNoise) and
 * every hole token may change at every step; on roulette masked positions reveal and revealed ones
 * may be revised. Those tokens are final only after the row's last step.
 *
 * Step k (1-based): if the canvas changed since the last network call (or the model is
 * time-conditioned), call the denoiser on the queried positions (the masked ones on absorb, every
 * hole position on the refining graphs) with each row's step time t; otherwise reuse the cached
 * logits, which is exact because such a denoiser is time-free. Then every unfinished row takes its
 * step in its current block. On the absorb path a block that reaches its last step with masks left
 * (only possible for 'random') gets the final noise-removal argmax from fresh logits (MDLM, MD4:
 * argmax); the kernel path's final step draws (SEDD, PBRC: a draw; argmax at temperature 0).
 * Then onStep; 'stop' settles every pending position greedily from the cached logits.
 *
 * RNG order: one stream for the whole batch; the uniform graph's prior first (rows, positions
 * ascending); per step, rows in order; within a row, as absorb/reveal.ts / kernels/transition.ts document. Argmax
 * fills draw nothing. With `padPenalty` set, the pad rules of step/padRules.ts hold on every absorb path
 * (a revealed pad pads the rest of its hole at once, which may finish later blocks); the refining
 * graphs pad every hole after its first pad once its tokens are final.
 *
 * Context caching (`cacheRefresh` > 1 on a denoiser with `contextCache`): network call n of the fill
 * (0-based) is a refresh, which runs the whole canvas and keeps its context's keys and values, when
 * n is a multiple of `cacheRefresh`; the others run only the hole positions (those of any row)
 * against that context. Which calls happen, and the RNG order, are the same as without it.
 *
 * Growing holes (a model with an expand token, `spec.expandId`; the absorb path): after a row's
 * reveals of a step, each slot revealed as the expand token splits into two masked slots, its hole's
 * later slots moving one right into the padding after the hole (loop/holeGrowth.ts); the new slot
 * joins the same block and step budget, and the context-cached calls run that padding with the holes.
 *
 * Pruning (`pruneAfter` k with `onPrune`): after step k, `onPrune` sees every row finished greedily
 * from step k's logits (on a copy) and answers the rows that go on. The others are finished the
 * same way in the run itself (greedy: no RNG draw), take no further step and leave the network
 * calls, which from then on run only the kept rows (a context-cached call names them, so the
 * denoiser attends to their part of the kept context). A kept row's steps are what they would have
 * been without pruning wherever a row's logits depend on its own tokens only.
 *
 * The sphere graph (RDLM) is continuous and has its own sampler, the geodesic random walk of
 * sphere/sphereSample.ts.
 */
/** Names each fill's kept context (ContextCacheRequest.fill). */
let fillsStarted = 0;

export async function sample(denoiser: Denoiser, canvas: Canvas, options: SampleOptions): Promise<SampleResult> {
  const spec = denoiser.spec;
  validateSpec(spec);
  validateCanvas(spec, canvas);
  const resolved = resolveOptions(spec, options);
  const { signal, onStep } = options;
  if (spec.graph === 'sphere') return sampleSphere(denoiser, canvas, { ...resolved, signal, onStep });
  const state = new CanvasState(canvas, spec.maskId, spec.graph !== 'absorb');
  if (state.pending === 0) return state.result(0, 0);

  const plans = Array.from({ length: state.batch }, (_, b) =>
    RowPlan.create(state.pendingPositions(b), resolved.blockSize, resolved.steps),
  );
  const totalSteps = Math.max(...plans.map((plan) => plan.budget));
  const timeConditioned = spec.condKind !== 'none';
  const kernels = usesKernels(spec, resolved);
  // a model with an expand token grows its holes on the absorb path (the kernel path never takes the token)
  const growth = kernels ? undefined : HoleGrowth.create(spec, state);
  const rng = new Rng(resolved.seed);
  if (spec.graph === 'uniform') state.fillHolesWithNoise(rng, spec.vocabSize);
  const tokenSampler = new TokenSampler(spec.vocabSize, spec.maskId, resolved);
  const scratch = new Scratch(spec.vocabSize);
  let cached: QueriedLogits | undefined;
  let cachedTimes: number[] = [];
  let versionAtCall = -1;
  // a slot split since the last call (holeGrowth.ts) has no logits yet
  let splitSinceCall = false;
  let nfe = 0;
  // The rows the network calls run, ascending: every row until pruning drops some.
  let running = Array.from({ length: state.batch }, (_, b) => b);
  let dropped: number[] = [];
  const fresh = denoiser.contextCache === true && resolved.cacheRefresh > 1 ? (growth?.freshPositions() ?? state.holePositions()) : undefined;
  const fill = fillsStarted++;
  const cacheRequest = (): ContextCacheRequest | undefined =>
    fresh && {
      fill,
      refresh: nfe % resolved.cacheRefresh === 0,
      fresh,
      ...(resolved.cacheCarry && nfe === 0 ? { carry: true } : {}),
      ...(dropped.length > 0 ? { rows: Int32Array.from(running) } : {}),
    };

  const refresh = async (times: number[]): Promise<QueriedLogits> => {
    const cond = timeConditioned ? Float32Array.from(running, (row) => condValue(spec, times[row]!)) : undefined;
    const previous = cached;
    cached = await denoiseQueried(denoiser, state, running, cond, signal, cacheRequest());
    // only `cached` reads a call's logits, so the call before is done with
    if (previous) denoiser.recycle?.(previous.logits);
    throwIfAborted(signal);
    cachedTimes = times;
    versionAtCall = state.version;
    splitSinceCall = false;
    nfe++;
    return cached;
  };
  const isFresh = (): boolean => cached !== undefined && !timeConditioned && versionAtCall === state.version;
  const rowTime = (plan: RowPlan): number => (plan.done ? SAMPLING_EPS : gridTime(plan.localStep - 1, plan.blockStepCount));
  /**
   * Settles every pending position of `rows` of `target` greedily from the last call's logits (the
   * anytime finish), or from a new call's where a slot split since that one.
   */
  const finishGreedily = async (ctx: StepContext, target: CanvasState, rows: readonly number[]): Promise<void> => {
    if (splitSinceCall) await refresh(plans.map(rowTime));
    const finishCtx = { ...ctx, state: target, logits: cached!, growth: undefined };
    for (const row of rows) settlePositions(finishCtx, row, target.pendingPositions(row), cachedTimes[row]!, true);
  };
  const prune = async (ctx: StepContext, step: number): Promise<void> => {
    const preview = state.clone();
    await finishGreedily(ctx, preview, running);
    const keep = keptRows(await options.onPrune!(preview.stepInfo(step, totalSteps, nfe)), running);
    dropped = running.filter((row) => !keep.includes(row));
    await finishGreedily(ctx, state, dropped);
    // an empty plan is done: a dropped row takes no further step
    for (const row of dropped) plans[row] = RowPlan.create([], undefined, 1);
    running = keep;
  };
  const result = (steps: number): SampleResult => ({ ...state.result(nfe, steps), ...(dropped.length > 0 ? { dropped } : {}) });

  for (let step = 1; step <= totalSteps; step++) {
    throwIfAborted(signal);
    const logits = isFresh() ? cached! : await refresh(plans.map(rowTime));
    const ctx: StepContext = { spec, options: resolved, state, logits, rng, tokenSampler, step, scratch, ...(growth ? { growth } : {}) };
    plans.forEach((plan, row) => {
      if (plan.done) return;
      if (!kernels) {
        growth?.setOpen(row, !plan.isLastLocalStep);
        if (resolved.strategy === 'random') revealAncestral(ctx, row, plan);
        else revealRanked(ctx, row, plan);
        if (growth?.grow(row, plan)) splitSinceCall = true;
      } else if (plan.isLastLocalStep) {
        settlePositions(ctx, row, plan.blockPositions, rowTime(plan), false);
      } else {
        kernelRow(ctx, row, plan);
        if (resolved.strategy !== 'random') revealRanked(ctx, row, plan);
      }
    });

    const unfinished = plans
      .map((plan, row) => ({ plan, row }))
      .filter(({ plan, row }) => !plan.done && plan.isLastLocalStep && plan.blockPositions.some((p) => state.isPending(row, p)));
    if (unfinished.length > 0) {
      const fresh = isFresh() ? logits : await refresh(plans.map(() => SAMPLING_EPS));
      const removalCtx = { ...ctx, logits: fresh };
      for (const { plan, row } of unfinished) settlePositions(removalCtx, row, plan.blockPositions, SAMPLING_EPS, true);
    }
    plans.forEach((plan, row) => {
      if (!plan.done) plan.advance(state, row);
    });

    const verdict = onStep?.(state.stepInfo(step, totalSteps, nfe));
    if (verdict === 'stop') await finishGreedily(ctx, state, running);
    if (state.pending > 0 && step === resolved.pruneAfter && running.length > 1) await prune(ctx, step);
    if (state.pending === 0) {
      // the last call's logits are read no more (a fill that throws leaves them to the collector)
      denoiser.recycle?.(cached!.logits);
      return result(step);
    }
  }
  throw new Error(`sampler bug: positions left pending after the full budget of ${totalSteps} steps`);
}

/** `onPrune`'s answer as ascending rows, each one of `running`, at least one. */
function keptRows(answer: readonly number[], running: readonly number[]): number[] {
  const keep = [...new Set(answer)].sort((a, b) => a - b);
  if (keep.length === 0 || keep.some((row) => !running.includes(row))) {
    throw new InvalidRequestError(`onPrune must answer one or more of the running rows [${running.join(', ')}] (got [${answer.join(', ')}])`);
  }
  return keep;
}
