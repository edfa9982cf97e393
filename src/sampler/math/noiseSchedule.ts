import type { DiffusionSpec } from '../types';

/**
 * The noise schedules of docs/model-contract.md (types.ts `Schedule`) on the sampling grid. MDLM
 * samples on t_i = linspace(1, SAMPLING_EPS, steps + 1) and removes the last noise at the end
 * (SEEDS.md §2.5); every family here uses that grid.
 *
 * Two views of one schedule: the absorb chance 1 - α_t that a token is masked at time t
 * (`moveChance`), and the total noise σ(t) that the uniform, roulette and SEDD kernels are written
 * in (`sigma`). For the MD4 schedules σ(t) := -log α_t; for geometric α_t := e^{-σ(t)}.
 */
export const SAMPLING_EPS = 1e-5;

/** t_i of the grid linspace(1, SAMPLING_EPS, steps + 1), i in [0, steps]. */
export function gridTime(i: number, steps: number): number {
  return 1 - (i * (1 - SAMPLING_EPS)) / steps;
}

/** 1 - α_t; genmd4 is per token (`token`, ignored by the other schedules). */
export function moveChance(spec: DiffusionSpec, t: number, token = -1): number {
  const schedule = spec.schedule;
  switch (schedule.type) {
    case 'loglinear':
      return (1 - schedule.eps) * t;
    case 'cosine':
      return (1 - schedule.eps) * (1 - Math.cos((Math.PI * t) / 2));
    case 'linear':
      return (1 - 2 * schedule.eps) * t + schedule.eps;
    case 'md4_cosine':
      return (1 - 2 * schedule.eps) * Math.cos((Math.PI / 2) * (1 - t)) + schedule.eps;
    case 'poly':
      return (1 - 2 * schedule.eps) * t ** schedule.exponent + schedule.eps;
    case 'genmd4':
      return (1 - schedule.eps) * t ** schedule.tokenExponents[token]!;
    case 'geometric':
      return -Math.expm1(-sigma(spec, t));
    case 'geometric_bridge':
      throw new Error('sampler bug: the sphere graph has no masking schedule');
  }
}

/** P(reveal) of a masked position between t > s: (α_s - α_t) / (1 - α_t) (per token for genmd4). */
export function revealProbability(spec: DiffusionSpec, t: number, s: number, token = -1): number {
  const mt = moveChance(spec, t, token);
  return (mt - moveChance(spec, s, token)) / mt;
}

/** σ(t), the total noise; genmd4 has none (one schedule per token), validate.ts keeps it away. */
export function sigma(spec: DiffusionSpec, t: number): number {
  const schedule = spec.schedule;
  switch (schedule.type) {
    case 'loglinear':
      return -Math.log1p(-(1 - schedule.eps) * t);
    case 'cosine':
      return -Math.log(schedule.eps + (1 - schedule.eps) * Math.cos((Math.PI * t) / 2));
    case 'geometric':
      return schedule.sigmaMin ** (1 - t) * schedule.sigmaMax ** t;
    case 'genmd4':
      throw new Error('sampler bug: the genmd4 schedule has no single σ(t)');
    default:
      return -Math.log1p(-moveChance(spec, t));
  }
}

/** dσ/dt at t (SEDD's Euler step); not for genmd4. */
export function sigmaRate(spec: DiffusionSpec, t: number): number {
  const schedule = spec.schedule;
  switch (schedule.type) {
    case 'loglinear':
      return (1 - schedule.eps) / (1 - (1 - schedule.eps) * t);
    case 'cosine':
      return ((1 - schedule.eps) * (Math.PI / 2) * Math.sin((Math.PI * t) / 2)) / (schedule.eps + (1 - schedule.eps) * Math.cos((Math.PI * t) / 2));
    case 'geometric':
      return sigma(spec, t) * (Math.log(schedule.sigmaMax) - Math.log(schedule.sigmaMin));
    case 'linear':
      return (1 - 2 * schedule.eps) / (1 - moveChance(spec, t));
    case 'md4_cosine':
      return ((1 - 2 * schedule.eps) * (Math.PI / 2) * Math.sin((Math.PI / 2) * (1 - t))) / (1 - moveChance(spec, t));
    case 'poly':
      return ((1 - 2 * schedule.eps) * schedule.exponent * t ** (schedule.exponent - 1)) / (1 - moveChance(spec, t));
    case 'genmd4':
    case 'geometric_bridge':
      throw new Error(`sampler bug: the ${schedule.type} schedule has no single σ(t)`);
  }
}

/** The scalar a time-conditioned model takes at time t (its `condKind`). */
export function condValue(spec: DiffusionSpec, t: number): number {
  switch (spec.condKind) {
    case 'sigma':
      return sigma(spec, t);
    case 't_x1000':
      return 1000 * t;
    case 't':
      return t;
    case 'none':
      return 0;
  }
}

type BridgeSchedule = Extract<DiffusionSpec['schedule'], { type: 'geometric_bridge' }>;

/** β(t) = beta0^{1-t} betaF^t, the sphere bridge's diffusion rate (types.ts `Schedule`). */
export function bridgeBeta(schedule: BridgeSchedule, t: number): number {
  return schedule.beta0 ** (1 - t) * schedule.betaF ** t;
}

/** γ(t) = β(t) / ∫_t^1 β = ln r / (r^{1-t} - 1), with expm1 so that 1 - t near 0 keeps its digits. */
export function bridgeGamma(schedule: BridgeSchedule, t: number): number {
  const logRatio = Math.log(schedule.betaF / schedule.beta0);
  return logRatio / Math.expm1((1 - t) * logRatio);
}
