import { InferenceError, throwIfAborted } from '../../core/errors';
import { Rng } from '../../core/rng';
import type { Canvas, SampleResult, StepInfo } from '../api';
import { bridgeBeta, bridgeGamma } from '../math/noiseSchedule';
import { expMap, nextNormal, toTangent, vertexPull } from '../math/sphereGeometry';
import { logitsWidth, type Denoiser, type DiffusionSpec, type SphereLayout } from '../types';
import type { ResolvedOptions } from '../validate';

/**
 * RDLM's geodesic random walk (SEEDS.md §5.4), the sampler of the sphere graph. The state holds one
 * point of S^k per digit of every canvas token (types.ts `SphereLayout`): context tokens sit at
 * their digits' vertices and are never moved (the infill clamp, by construction); every hole digit
 * starts at the uniform point (mixture path, stepThr > 0) or the mask vertex, and walks
 *
 *   t_i = i (1 - endEps) / steps, dt = (1 - endEps) / steps,  i = 0 .. steps - 1
 *   p = softmax of the digit's logits (float64), from one network call on the state at t_i
 *   v = √(β(t_i) dt) P_x z + γ(t_i) dt P_x Σ_j p_j log_x(e_j),   z ~ N(0, I) in R^{k+1}
 *   x ← exp_x(v)
 *
 * Euler–Maruyama on the sphere; γ diverges at t = 1, so the walk stops at 1 - endEps, where each
 * digit is next to a vertex. Decoding (no final denoiser jump, as the reference): each digit's
 * argmax over its k vertex coordinates; a pattern that spells no real token (an id >= vocabSize, or
 * the mask id) is replaced by the real token with the largest Σ_d log p_d, p_d = the digit's point
 * mapped to the simplex (max(x, 0)² over the k vertices, renormalised; uniform when none is
 * positive). Every step decodes every
 * hole this way after its move, so each StepInfo shows the walk's current guess (revealStep: the
 * last step a hole's token changed; confidence: the product of that step's digit probabilities of
 * the token); the last step's decode is the result, and 'stop' ends the walk there.
 *
 * RNG order: per step, rows ascending, hole positions ascending, digits, then the k + 1 normals of
 * a digit (two uniforms each). The network's `tokens` stay the input canvas (holes as the mask id).
 */
export async function sampleSphere(denoiser: Denoiser, canvas: Canvas, options: ResolvedOptions & SphereRunOptions): Promise<SampleResult> {
  const { spec } = denoiser;
  const layout = spec.sphere!;
  const schedule = spec.schedule;
  if (schedule.type !== 'geometric_bridge') throw new Error('sampler bug: the sphere graph needs the geometric_bridge schedule');
  const { batch, length } = canvas;
  const coords = layout.base + 1;
  const stride = layout.digits * coords;
  const holes = Array.from({ length: batch }, (_, b) => holePositions(canvas, b, spec.maskId));
  const tokens = Int32Array.from(canvas.tokens);
  const confidence = new Float64Array(tokens.length).map((_, i) => (tokens[i] === spec.maskId ? NaN : 1));
  const revealStep = new Int32Array(tokens.length).fill(-1);
  if (holes.every((row) => row.length === 0)) return { tokens, confidence, revealStep, nfe: 0, steps: 0 };

  const state = initialState(spec, canvas, schedule.stepThr > 0);
  const queries = Math.max(...holes.map((row) => row.length));
  const holeCount = holes.reduce((sum, row) => sum + row.length, 0);
  const positions = new Int32Array(batch * queries); // [B, Q]
  holes.forEach((row, b) => {
    for (let q = 0; q < queries; q++) positions[b * queries + q] = row[Math.min(q, row.length - 1)] ?? 0;
  });
  const rng = new Rng(options.seed);
  const width = logitsWidth(spec);
  const probs = new Float64Array(layout.base);
  const pull = new Float64Array(coords);
  const noise = new Float64Array(coords);
  const dt = (1 - schedule.endEps) / options.steps;
  let step = 0;
  while (step < options.steps) {
    throwIfAborted(options.signal);
    const t = (step * (1 - schedule.endEps)) / options.steps;
    const request = { tokens: canvas.tokens, batch, length, positions, queries, cond: new Float32Array(batch).fill(t), state: Float32Array.from(state) };
    const logits = await denoiser.denoise(request, options.signal);
    throwIfAborted(options.signal);
    if (logits.length !== batch * queries * width) {
      throw new InferenceError(`the denoiser returned ${logits.length} logits; [${batch}, ${queries}, ${width}] needs ${batch * queries * width}`);
    }
    const noiseScale = Math.sqrt(bridgeBeta(schedule, t) * dt);
    const driftScale = bridgeGamma(schedule, t) * dt;
    holes.forEach((row, b) => {
      row.forEach((position, q) => {
        for (let d = 0; d < layout.digits; d++) {
          const xo = (b * length + position) * stride + d * coords;
          digitProbs(logits, (b * queries + q) * width + d * layout.base, probs);
          vertexPull(state, xo, probs, coords, pull);
          toTangent(state, xo, pull, coords);
          for (let i = 0; i < coords; i++) noise[i] = nextNormal(rng);
          toTangent(state, xo, noise, coords);
          for (let i = 0; i < coords; i++) noise[i] = noiseScale * noise[i]! + driftScale * pull[i]!;
          expMap(state, xo, noise, coords);
        }
      });
    });
    step++;
    holes.forEach((row, b) => {
      row.forEach((position, q) => {
        const i = b * length + position;
        const token = decodeToken(spec, layout, state, i * stride);
        if (token !== tokens[i]) [tokens[i], revealStep[i]] = [token, step];
        confidence[i] = tokenProbability(layout, logits, (b * queries + q) * width, token, probs);
      });
    });
    // every hole's token may change until the walk's last step
    const pending = step < options.steps ? holeCount : 0;
    const verdict = options.onStep?.({
      step, totalSteps: options.steps, nfe: step, tokens: tokens.slice(), confidence: confidence.slice(), revealStep: revealStep.slice(), masked: 0, pending,
    });
    if (verdict === 'stop') break;
  }
  return { tokens, confidence, revealStep, nfe: step, steps: step };
}

/** The parts of SampleOptions the walk reads besides the resolved ones. */
export interface SphereRunOptions {
  readonly signal?: AbortSignal;
  readonly onStep?: (info: StepInfo) => void | 'stop';
}

function holePositions(canvas: Canvas, row: number, maskId: number): number[] {
  const out: number[] = [];
  for (let p = 0; p < canvas.length; p++) if (canvas.tokens[row * canvas.length + p] === maskId) out.push(p);
  return out;
}

/** Context at its digits' vertices, holes at the start point. // state: [B, L, digits, base + 1] */
function initialState(spec: DiffusionSpec, canvas: Canvas, uniformStart: boolean): Float64Array {
  const { base, digits } = spec.sphere!;
  const coords = base + 1;
  const state = new Float64Array(canvas.tokens.length * digits * coords);
  canvas.tokens.forEach((id, i) => {
    for (let d = 0; d < digits; d++) {
      const o = (i * digits + d) * coords;
      if (id !== spec.maskId) state[o + digitOf(id, d, spec.sphere!)] = 1;
      else if (uniformStart) state.fill(1 / Math.sqrt(coords), o, o + coords);
      else state[o + base] = 1;
    }
  });
  return state;
}

/** Digit d (most significant first) of `id` in the layout's base. */
function digitOf(id: number, d: number, layout: SphereLayout): number {
  return Math.floor(id / layout.base ** (layout.digits - 1 - d)) % layout.base;
}

/** Softmax of one digit's `base` logits in float64. */
function digitProbs(logits: Float32Array, offset: number, out: Float64Array): void {
  let max = -Infinity;
  for (let j = 0; j < out.length; j++) max = Math.max(max, logits[offset + j]!);
  let sum = 0;
  for (let j = 0; j < out.length; j++) {
    out[j] = Math.exp(logits[offset + j]! - max);
    sum += out[j]!;
  }
  for (let j = 0; j < out.length; j++) out[j] = out[j]! / sum;
}

function tokenProbability(layout: SphereLayout, logits: Float32Array, offset: number, token: number, probs: Float64Array): number {
  let product = 1;
  for (let d = 0; d < layout.digits; d++) {
    digitProbs(logits, offset + d * layout.base, probs);
    product *= probs[digitOf(token, d, layout)]!;
  }
  return product;
}

/** The token a hole's state spells (see the top of this file). */
function decodeToken(spec: DiffusionSpec, layout: SphereLayout, state: Float64Array, offset: number): number {
  const coords = layout.base + 1;
  let id = 0;
  for (let d = 0; d < layout.digits; d++) {
    let best = 0;
    for (let j = 1; j < layout.base; j++) if (state[offset + d * coords + j]! > state[offset + d * coords + best]!) best = j;
    id = id * layout.base + best;
  }
  if (id < spec.vocabSize && id !== spec.maskId) return id;
  let bestId = -1;
  let bestScore = -Infinity;
  for (let v = 0; v < spec.vocabSize; v++) {
    if (v === spec.maskId) continue;
    let score = 0;
    for (let d = 0; d < layout.digits; d++) {
      const o = offset + d * coords;
      let total = 0;
      for (let j = 0; j < layout.base; j++) total += Math.max(state[o + j]!, 0) ** 2;
      // a digit with no positive vertex coordinate (still by the mask vertex) says nothing
      score += Math.log(total > 0 ? Math.max(state[o + digitOf(v, d, layout)]!, 0) ** 2 / total : 1 / layout.base);
    }
    if (bestId < 0 || score > bestScore) [bestId, bestScore] = [v, score];
  }
  return bestId;
}
