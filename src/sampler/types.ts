/**
 * The contract between the sampler (pure math) and whatever runs the network. `src/model`
 * implements `Denoiser` with onnxruntime-node; tests implement it with deterministic fakes.
 */

export type Family = 'mdlm' | 'md4' | 'sedd' | 'cedd' | 'rdlm';
export type Graph = 'absorb' | 'uniform' | 'roulette' | 'sphere';
export type OutputKind = 'x0_logits' | 'log_score';
export type CondKind = 'none' | 'sigma' | 't_x1000' | 't';

/**
 * The noise schedule (meta.json `schedule`, docs/model-contract.md). Absorb keep probability α_t,
 * or the total noise σ(t) of the uniform / roulette / SEDD graphs; noiseSchedule.ts computes both.
 * - loglinear: σ(t) = -log(1 - (1-eps) t), α_t = e^{-σ(t)} (MDLM, SEDD, CEDD).
 * - cosine: 1 - α_t = (1-eps)(1 - cos(πt/2)) (MDLM).
 * - linear: α_t = (1-2eps)(1-t) + eps (MD4).
 * - md4_cosine: α_t = (1-2eps)(1 - cos(π/2 (1-t))) + eps (MD4).
 * - poly: α_t = (1-2eps)(1 - t^exponent) + eps, exponent > 0 (MD4 polyK).
 * - genmd4: per token, α_t(v) = 1 - (1-eps) t^{tokenExponents[v]}, one exponent > 0 per vocab id
 *   (the mask's entry is ignored) (GenMD4).
 * - geometric: σ(t) = sigmaMin^{1-t} sigmaMax^t (SEDD uniform).
 * For md4 schedules σ(t) := -log α_t where one is needed.
 */
export type Schedule =
  | { readonly type: 'loglinear' | 'cosine' | 'linear' | 'md4_cosine'; readonly eps: number }
  | { readonly type: 'poly'; readonly eps: number; readonly exponent: number }
  | { readonly type: 'genmd4'; readonly eps: number; readonly tokenExponents: readonly number[] }
  | { readonly type: 'geometric'; readonly sigmaMin: number; readonly sigmaMax: number };
export type ScheduleType = Schedule['type'];

/** What the sampler must know about a model's diffusion process (from meta.json). */
export interface DiffusionSpec {
  readonly family: Family;
  readonly graph: Graph;
  readonly outputKind: OutputKind;
  readonly condKind: CondKind;
  readonly schedule: Schedule;
  /** Roulette graph only (meta.json `p_m`, in (0, 1)): the mask's share of the noise; undefined otherwise. */
  readonly pM?: number;
  readonly vocabSize: number;
  readonly maskId: number;
  readonly padId: number;
  readonly eosId: number;
  readonly bosId: number | null;
  /** Longest canvas (tokens) the model was trained on. */
  readonly maxLength: number;
}

/** One forward pass over a batch of canvases. */
export interface DenoiseRequest {
  /** Token ids, row-major `[batch, length]`. */
  readonly tokens: Int32Array;
  readonly batch: number;
  readonly length: number;
  /**
   * Canvas positions whose logits are wanted, row-major `[batch, queries]`; every row has the
   * same count (pad a short row by repeating a position). The model gathers these rows before
   * its vocabulary projection, so only hole positions pay for it.
   */
  readonly positions: Int32Array;
  readonly queries: number;
  /** Per-row conditioning scalar `[batch]`, only when the spec's `condKind` is not `none`. */
  readonly cond?: Float32Array;
}

export interface Denoiser {
  readonly spec: DiffusionSpec;
  /**
   * Raw logits `[batch, queries, vocabSize]` (no softmax, mask logit not yet suppressed).
   * Rejects with an `AbortedError` if `signal` aborts before the run starts.
   */
  denoise(request: DenoiseRequest, signal?: AbortSignal): Promise<Float32Array>;
}
