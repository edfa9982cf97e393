import type { DiffusionSpec } from '../sampler/types';
import type { InfillOptions } from './types';

/**
 * Network calls of a time-conditioned model at one step per hole slot. The infill defaults
 * (defaults.ts) are made for a time-free absorbing model, where a step that reveals nothing costs
 * no network call. A model fed σ(t) or 1000·t sees new inputs at every step, so every step is a
 * network call: its budget scales with the caller's steps per slot (the default 1/8 gives 4) and
 * not with the hole's length.
 */
export const TIME_CONDITIONED_STEPS = 32;

/**
 * The options a fill runs with on `spec`'s model: the caller's, except where the model needs
 * others. This is the one place where the model's family shapes the decoding.
 *
 * - Time-free absorbing models (MDLM): the caller's options as given.
 * - Time-conditioned models (`cond_kind` sigma or t_x1000: MD4, GenMD4, SEDD, CEDD and MDLM with
 *   σ-conditioning) have a step budget: `TIME_CONDITIONED_STEPS` scaled by the caller's steps per
 *   hole slot, round(32 · steps / maxTokens), at least 1. The default 4 steps for 32 slots are 4
 *   network calls, 32 steps are 32, and a longer hole costs no more calls.
 * - Absorbing and roulette graphs keep the caller's strategy, threshold and padPenalty
 *   (confidence decoding reveals masked slots there as on MDLM) and take the fewer of the caller's
 *   steps and the budget: steps beyond the slot count reveal nothing but still call the network.
 * - Uniform graph (SEDD / CEDD uniform): no slot is ever masked and every step moves every hole
 *   slot by the ancestral kernel, so there is no reveal order to choose: the strategy is 'random'
 *   (ancestral), the confidence threshold is off, whatever the caller asked, and the steps are the
 *   budget (more steps are a finer time grid, not more slots).
 * - Sphere graph (RDLM): every step moves every hole digit by the geodesic random walk, so, as on
 *   the uniform graph, the strategy is 'random' with no threshold and the steps are the budget (the
 *   walk's Euler–Maruyama steps); no `padPenalty` (the walk has no reveal order to shape) and no
 *   `pruneAfter` (its tokens are not final before the last step, so rows cannot be scored early).
 * - Uniform, roulette and sphere graphs revise tokens already drawn, so they run without `blockSize`
 *   (semi-autoregressive blocks).
 */
export function optionsForModel(spec: DiffusionSpec, options: InfillOptions): InfillOptions {
  if (spec.condKind === 'none') return options;
  const budget = Math.max(1, Math.round((TIME_CONDITIONED_STEPS * options.steps) / options.maxTokens));
  // Semi-autoregressive blocks need tokens that are final once revealed: the absorbing graph only.
  const blocks = spec.graph === 'absorb' ? {} : { blockSize: undefined };
  if (spec.graph === 'uniform') return { ...options, ...blocks, steps: budget, strategy: 'random', threshold: undefined };
  if (spec.graph === 'sphere') return { ...options, ...blocks, steps: budget, strategy: 'random', threshold: undefined, padPenalty: undefined, pruneAfter: undefined };
  return { ...options, ...blocks, steps: Math.min(options.steps, budget) };
}
