import type { DiffusionSpec } from './types';

/**
 * Time for the ancestral sampler and the conditioning input. MDLM samples on the grid
 * t_i = linspace(1, SAMPLING_EPS, steps + 1) and removes the last noise with an argmax (SEEDS.md §2.5).
 */
export const SAMPLING_EPS = 1e-5;

/** t_i of the grid linspace(1, SAMPLING_EPS, steps + 1), i in [0, steps]. */
export function gridTime(i: number, steps: number): number {
  return 1 - (i * (1 - SAMPLING_EPS)) / steps;
}

/** 1 - α_t: the chance that a token is masked at time t. */
function moveChance(spec: DiffusionSpec, t: number): number {
  const eps = spec.schedule.eps;
  if (spec.schedule.type === 'cosine') return (1 - eps) * (1 - Math.cos((Math.PI * t) / 2));
  return (1 - eps) * t; // loglinear: σ(t) = -log(1 - (1 - eps) t)
}

/** P(reveal) of a masked position between t > s: (α_s - α_t) / (1 - α_t). */
export function revealProbability(spec: DiffusionSpec, t: number, s: number): number {
  const mt = moveChance(spec, t);
  return (mt - moveChance(spec, s)) / mt;
}

/** The scalar a time-conditioned model takes at time t (its `condKind`). */
export function condValue(spec: DiffusionSpec, t: number): number {
  const eps = spec.schedule.eps;
  switch (spec.condKind) {
    case 'sigma':
      return spec.schedule.type === 'cosine'
        ? -Math.log(eps + (1 - eps) * Math.cos((Math.PI * t) / 2))
        : -Math.log1p(-(1 - eps) * t);
    case 't_x1000':
      return 1000 * t;
    case 't':
      return t;
    case 'none':
      return 0;
  }
}
