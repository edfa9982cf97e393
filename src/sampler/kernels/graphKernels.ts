/**
 * Per-position transition kernels of the discrete diffusion graphs (SEEDS.md §4.5, §6.1, §6.3,
 * §8.3), pure float64 math on vectors indexed by token id. `maskId`'s entry is the mask state;
 * every other id is one of the N = V - 1 real tokens. Each kernel writes the probabilities of the
 * next state x_s of one position, given its current state x (= x_t) and the network's output, into
 * `out` (length V). Sums run over ids in ascending order (the Python reference does the same).
 *
 * The graphs are one family by `pM`, the mask's share of the forward rate: absorb = 1 (every token
 * jumps to the mask), uniform = 0 (a jump lands uniformly on the N real tokens, itself included),
 * roulette = pM in (0, 1) (Haxholli et al.: to the mask with chance pM, else uniformly).
 */

/**
 * q_σ(· | x0) from a real x0 at total noise σ: mask with chance m, x0 with chance c, each other
 * real token with chance b; m = 1 - e^{-pM σ}, b = e^{-pM σ}(1 - e^{-(1-pM) σ}) / N,
 * c = e^{-pM σ} e^{-(1-pM) σ} + b.
 */
export interface Marginal {
  readonly m: number;
  readonly b: number;
  readonly c: number;
}

export function marginal(pM: number, n: number, sigma: number): Marginal {
  const keep = Math.exp(-pM * sigma);
  const b = (keep * -Math.expm1(-(1 - pM) * sigma)) / n;
  return { m: -Math.expm1(-pM * sigma), b, c: keep * Math.exp(-(1 - pM) * sigma) + b };
}

/**
 * The exact x0-posterior step of the uniform (pM = 0) and roulette graphs from σt to σs < σt,
 * out[y] = Σ_{x0} p(x0) q(x_s = y | x_t = x, x0), with p the x0 distribution (p[maskId] = 0):
 * - x = mask: out[y] = m_Δ / m_t (b_s + (c_s - b_s) p_y), out[mask] = m_s / m_t;
 * - x real: with w_x = p_x / c_t, w_y = p_y / b_t (y ≠ x), W = Σ w:
 *   out[y] = q_Δ(x | y) (b_s W + (c_s - b_s) w_y), q_Δ(x | x) = c_Δ, q_Δ(x | y) = b_Δ; out[mask] = 0.
 * Both sum to 1 analytically (no PBRC σ < 0.5 hack).
 */
export function x0Posterior(p: Float64Array, x: number, maskId: number, pM: number, sigmaT: number, sigmaS: number, out: Float64Array): void {
  const n = p.length - 1;
  const at = marginal(pM, n, sigmaT);
  const before = marginal(pM, n, sigmaS);
  if (x === maskId) {
    const scale = -Math.expm1(-pM * (sigmaT - sigmaS)) / at.m;
    for (let y = 0; y < p.length; y++) out[y] = y === maskId ? before.m / at.m : scale * (before.b + (before.c - before.b) * p[y]!);
    return;
  }
  const step = marginal(pM, n, sigmaT - sigmaS);
  let total = 0;
  for (let v = 0; v < p.length; v++) if (v !== maskId) total += p[v]! / (v === x ? at.c : at.b);
  for (let y = 0; y < p.length; y++) {
    out[y] = y === maskId ? 0 : (y === x ? step.c : step.b) * (before.b * total + (before.c - before.b) * (p[y]! / (y === x ? at.c : at.b)));
  }
}

/**
 * The absorb x0-posterior at a masked position with per-token reveal probabilities (GenMD4):
 * out[v] = p_v reveal(v), out[mask] = 1 - Σ_v out[v] (clamped at 0 against rounding).
 */
export function absorbX0Posterior(p: Float64Array, maskId: number, reveal: (token: number) => number, out: Float64Array): void {
  let total = 0;
  for (let v = 0; v < p.length; v++) {
    if (v === maskId) continue;
    out[v] = p[v]! * reveal(v);
    total += out[v]!;
  }
  out[maskId] = Math.max(0, 1 - total);
}

/**
 * The concrete scores s_y = p_σ(position = y) / p_σ(position = x) implied by an x0 distribution
 * p at noise σ (SEEDS.md §6.3, without PBRC's numerical hacks), for any pM; out[x] = 1:
 * - x = mask: s_y = b / m + p_y (c - b) / m (absorb: p_y / (e^σ - 1));
 * - x real: s_y = 1 + p_y (c / b - 1) + p_x (b / c - 1), out[mask] = 0.
 */
export function x0Scores(p: Float64Array, x: number, maskId: number, pM: number, sigma: number, out: Float64Array): void {
  const q = marginal(pM, p.length - 1, sigma);
  for (let y = 0; y < p.length; y++) {
    if (y === x) out[y] = 1;
    else if (y === maskId) out[y] = 0;
    else if (x === maskId) out[y] = q.b / q.m + p[y]! * ((q.c - q.b) / q.m);
    else out[y] = 1 + p[y]! * (q.c / q.b - 1) + p[x]! * (q.b / q.c - 1);
  }
}

/**
 * SEDD's Euler step over dt from x on scores s (s[x] = 1): onehot(x) + dt σ'(t) R with the reverse
 * rate R(x → y) = Q(y → x) s_y; the forward rate into the mask is pM from every real token, between
 * real tokens (1 - pM) / N. `rateStep` = dt σ'(t). The stay entry is clamped at 0 (SEEDS.md §7.5),
 * so the vector sums to 1 unless dt is too large for it.
 */
export function eulerScores(s: Float64Array, x: number, maskId: number, pM: number, rateStep: number, out: Float64Array): void {
  const k = rateStep * (x === maskId ? pM : (1 - pM) / (s.length - 1));
  let moved = 0;
  for (let y = 0; y < s.length; y++) {
    if (y === x || y === maskId) continue;
    out[y] = k * s[y]!;
    moved += out[y]!;
  }
  if (x !== maskId) out[maskId] = 0;
  out[x] = Math.max(0, 1 - moved);
}

/**
 * SEDD's Tweedie τ-leaping step ("analytic") over Δσ = `delta` on scores s (s[x] = 1),
 * probs_y = staggered(s)_y · exp(Δσ Q)[x, y], negative entries clamped at 0:
 * - absorb, x = mask: out[y] = (e^Δσ - 1) s_y, out[mask] = 1 - (e^Δσ - 1) Σ_y s_y;
 * - uniform, x real: staggered_y = ((e^{-Δσ} - 1) / (N e^{-Δσ})) Σ_z s_z + s_y / e^{-Δσ},
 *   exp(Δσ Q)[x, y] = (1 - e^{-Δσ}) / N for y ≠ x, 1 - (N - 1)(1 - e^{-Δσ}) / N for y = x.
 * With Δσ = σ(t) (the jump to t = 0) this is SEDD's final denoising step once the mask entry is dropped.
 */
export function tweedieScores(s: Float64Array, x: number, maskId: number, delta: number, out: Float64Array): void {
  if (x === maskId) {
    const k = Math.expm1(delta);
    let total = 0;
    for (let y = 0; y < s.length; y++) {
      if (y === maskId) continue;
      out[y] = k * s[y]!;
      total += s[y]!;
    }
    out[maskId] = Math.max(0, 1 - k * total);
    return;
  }
  const n = s.length - 1;
  const keep = Math.exp(-delta);
  const move = -Math.expm1(-delta) / n;
  let total = 0;
  for (let y = 0; y < s.length; y++) if (y !== maskId) total += s[y]!;
  const shift = ((keep - 1) / (n * keep)) * total;
  for (let y = 0; y < s.length; y++) {
    out[y] = y === maskId ? 0 : Math.max(0, (shift + s[y]! / keep) * (y === x ? 1 - (n - 1) * move : move));
  }
}
