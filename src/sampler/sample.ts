import { throwIfAborted } from '../core/errors';
import { Rng } from '../core/rng';
import type { Canvas, SampleOptions, SampleResult } from './api';
import { RowPlan } from './blockPlan';
import { CanvasState } from './canvasState';
import { denoiseMasked, type QueriedLogits } from './denoiseCall';
import { condValue, gridTime, SAMPLING_EPS } from './noiseSchedule';
import { revealAncestral, revealArgmax, revealRanked, type RevealContext } from './reveal';
import { TokenSampler } from './tokenSampler';
import type { Denoiser } from './types';
import { resolveOptions, validateCanvas } from './validate';

/**
 * Fills every masked slot of `canvas` by masked (absorbing) diffusion with SUBS: context tokens never
 * change and the mask is never predicted.
 *
 * Step k (1-based): if the canvas changed since the last network call (or the model is
 * time-conditioned), call the denoiser on the still-masked positions; otherwise reuse the cached
 * logits, which is exact because an MDLM denoiser is time-free. Then every unfinished row reveals
 * tokens in its current block (see reveal.ts). A block that reaches its last step with masks left
 * (only possible for 'random') gets the final noise-removal argmax from fresh logits. Then onStep.
 *
 * RNG order: one stream for the whole batch; per step, rows in order; within a row, as reveal.ts
 * documents. Argmax fills draw nothing. With `padPenalty` set, the pad rules of reveal.ts hold on
 * every path (a revealed pad pads the rest of its hole at once, which may finish later blocks).
 */
export async function sample(denoiser: Denoiser, canvas: Canvas, options: SampleOptions): Promise<SampleResult> {
  const spec = denoiser.spec;
  validateCanvas(spec, canvas);
  const resolved = resolveOptions(spec, options);
  const { signal, onStep } = options;
  const state = new CanvasState(canvas, spec.maskId);
  if (state.masked === 0) return state.result(0, 0);

  const plans = Array.from({ length: state.batch }, (_, b) =>
    RowPlan.create(state.maskedPositions(b), resolved.blockSize, resolved.steps),
  );
  const totalSteps = Math.max(...plans.map((plan) => plan.budget));
  const timeConditioned = spec.condKind !== 'none';
  const rng = new Rng(resolved.seed);
  const tokenSampler = new TokenSampler(spec.vocabSize, spec.maskId, resolved);
  let cached: QueriedLogits | undefined;
  let maskedAtCall = -1;
  let nfe = 0;

  const refresh = async (times: number[]): Promise<QueriedLogits> => {
    const cond = timeConditioned ? Float32Array.from(times, (t) => condValue(spec, t)) : undefined;
    cached = await denoiseMasked(denoiser, state, cond, signal);
    throwIfAborted(signal);
    maskedAtCall = state.masked;
    nfe++;
    return cached;
  };
  const isFresh = (): boolean => cached !== undefined && !timeConditioned && maskedAtCall === state.masked;

  for (let step = 1; step <= totalSteps; step++) {
    throwIfAborted(signal);
    const logits = isFresh()
      ? cached!
      : await refresh(plans.map((p) => (p.done ? SAMPLING_EPS : gridTime(p.localStep - 1, p.blockStepCount))));
    const ctx: RevealContext = { spec, options: resolved, state, logits, rng, tokenSampler, step };
    plans.forEach((plan, row) => {
      if (plan.done) return;
      if (resolved.strategy === 'random') revealAncestral(ctx, row, plan);
      else revealRanked(ctx, row, plan);
    });

    const unfinished = plans
      .map((plan, row) => ({ plan, row }))
      .filter(({ plan, row }) => !plan.done && plan.isLastLocalStep && plan.blockPositions.some((p) => state.isMasked(row, p)));
    if (unfinished.length > 0) {
      const fresh = isFresh() ? logits : await refresh(plans.map(() => SAMPLING_EPS));
      const removalCtx = { ...ctx, logits: fresh };
      for (const { plan, row } of unfinished) {
        for (const p of plan.blockPositions) if (state.isMasked(row, p)) revealArgmax(removalCtx, row, p);
      }
    }
    plans.forEach((plan, row) => {
      if (!plan.done) plan.advance(state, row);
    });

    const verdict = onStep?.(state.stepInfo(step, totalSteps, nfe));
    if (verdict === 'stop') fillGreedily({ ...ctx, logits: cached! });
    if (state.masked === 0) return state.result(nfe, step);
  }
  throw new Error(`sampler bug: masks left after the full budget of ${totalSteps} steps`);
}

/**
 * Anytime stop: every mask left, ascending, takes the argmax of the cached logits, with no network
 * call (a pad there pads the rest of its hole, with `padPenalty` set).
 */
function fillGreedily(ctx: RevealContext): void {
  for (let row = 0; row < ctx.state.batch; row++) {
    for (const p of ctx.state.maskedPositions(row)) if (ctx.state.isMasked(row, p)) revealArgmax(ctx, row, p);
  }
}
