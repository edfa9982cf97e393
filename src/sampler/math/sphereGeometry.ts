import type { Rng } from '../../core/rng';

/*
 * The unit sphere of the RDLM state (SEEDS.md §5.4), float64, on one digit's coordinates
 * `x[o .. o + n)` in place. training/diffuse/sphere.py is the training side's twin and
 * training/reference_sampler/sphere.py the golden reference (same operations, same order).
 * Float pitfalls (§7.4): sin|v|/|v| and θ/sin θ take their Taylor series below SMALL (0/0 at 0),
 * cos θ is clipped into [-1 + CLIP, 1 - CLIP] before acos, and the exp map renormalises, so a
 * thousand steps of rounding never walk a point off the sphere.
 */
const SMALL = 1e-4;
const CLIP = 1e-6;

function dot(a: Float64Array, ao: number, b: Float64Array, bo: number, n: number): number {
  let sum = 0;
  for (let i = 0; i < n; i++) sum += a[ao + i]! * b[bo + i]!;
  return sum;
}

/** v ← v - <x, v> x, the projection onto the tangent space at x. */
export function toTangent(x: Float64Array, xo: number, v: Float64Array, n: number): void {
  const along = dot(x, xo, v, 0, n);
  for (let i = 0; i < n; i++) v[i] = v[i]! - along * x[xo + i]!;
}

/** x ← exp_x(v) = cos|v| x + (sin|v| / |v|) v, renormalised; v tangent at x. */
export function expMap(x: Float64Array, xo: number, v: Float64Array, n: number): void {
  const norm = Math.sqrt(dot(v, 0, v, 0, n));
  const sinc = norm < SMALL ? 1 - (norm * norm) / 6 : Math.sin(norm) / norm;
  const cos = Math.cos(norm);
  for (let i = 0; i < n; i++) x[xo + i] = cos * x[xo + i]! + sinc * v[i]!;
  const length = Math.sqrt(dot(x, xo, x, xo, n));
  for (let i = 0; i < n; i++) x[xo + i] = x[xo + i]! / length;
}

/**
 * out ← Σ_j p_j log_x(e_j) over the first `probs.length` vertices (the mask vertex, last, gets
 * p = 0), with log_x(e_j) = (θ_j / sin θ_j)(e_j - cos θ_j x) and cos θ_j = x_j: the posterior mean
 * of the log map, which the generative drift is γ(t) times (the reference's `weighted_sum`).
 */
export function vertexPull(x: Float64Array, xo: number, probs: Float64Array, n: number, out: Float64Array): void {
  let along = 0;
  out.fill(0, 0, n);
  for (let j = 0; j < probs.length; j++) {
    const cos = Math.min(1 - CLIP, Math.max(-1 + CLIP, x[xo + j]!));
    const theta = Math.acos(cos);
    const weight = probs[j]! * (theta < SMALL ? 1 + (theta * theta) / 6 : theta / Math.sin(theta));
    out[j] = weight;
    along += weight * cos;
  }
  for (let i = 0; i < n; i++) out[i] = out[i]! - along * x[xo + i]!;
}

/** A standard normal by Box–Muller from two uniforms in (0, 1) (the cosine branch only). */
export function nextNormal(rng: Rng): number {
  const u1 = rng.nextUniform();
  const u2 = rng.nextUniform();
  return Math.sqrt(-2 * Math.log(u1)) * Math.cos(2 * Math.PI * u2);
}
