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
 * or the total noise σ(t) of the uniform / roulette / SEDD graphs; math/noiseSchedule.ts computes both.
 * - loglinear: σ(t) = -log(1 - (1-eps) t), α_t = e^{-σ(t)} (MDLM, SEDD, CEDD).
 * - cosine: 1 - α_t = (1-eps)(1 - cos(πt/2)) (MDLM).
 * - linear: α_t = (1-2eps)(1-t) + eps (MD4).
 * - md4_cosine: α_t = (1-2eps)(1 - cos(π/2 (1-t))) + eps (MD4).
 * - poly: α_t = (1-2eps)(1 - t^exponent) + eps, exponent > 0 (MD4 polyK).
 * - genmd4: per token, α_t(v) = 1 - (1-eps) t^{tokenExponents[v]}, one exponent > 0 per vocab id
 *   (the mask's entry is ignored) (GenMD4).
 * - geometric: σ(t) = sigmaMin^{1-t} sigmaMax^t (SEDD uniform).
 * - geometric_bridge (RDLM, graph sphere): the logarithm bridge dX = γ(t) log_X(e) dt + √β(t) dW
 *   with β(t) = beta0^{1-t} betaF^t and γ(t) = ln r / (r^{1-t} - 1), r = betaF / beta0; t runs from
 *   the prior (0) to the data (1), sampling stops at 1 - endEps; the walk starts at the uniform
 *   point when stepThr > 0 (the mixture path), at the mask vertex otherwise (SEEDS.md §5.1).
 * For md4 schedules σ(t) := -log α_t where one is needed.
 */
export type Schedule =
  | { readonly type: 'loglinear' | 'cosine' | 'linear' | 'md4_cosine'; readonly eps: number }
  | { readonly type: 'poly'; readonly eps: number; readonly exponent: number }
  | { readonly type: 'genmd4'; readonly eps: number; readonly tokenExponents: readonly number[] }
  | { readonly type: 'geometric'; readonly sigmaMin: number; readonly sigmaMax: number }
  | { readonly type: 'geometric_bridge'; readonly beta0: number; readonly betaF: number; readonly stepThr: number; readonly endEps: number };
export type ScheduleType = Schedule['type'];

/**
 * The sphere graph's state layout (RDLM dimension splitting, SEEDS.md §5.1): a token id is `digits`
 * base-`base` digits, most significant first; each digit is a point of the unit sphere in
 * R^{base+1}, digit j at the vertex e_j and the mask vertex last.
 */
export interface SphereLayout {
  readonly base: number;
  readonly digits: number;
}

/** What the sampler must know about a model's diffusion process (from meta.json). */
export interface DiffusionSpec {
  readonly family: Family;
  readonly graph: Graph;
  readonly outputKind: OutputKind;
  readonly condKind: CondKind;
  readonly schedule: Schedule;
  /** Roulette graph only (meta.json `p_m`, in (0, 1)): the mask's share of the noise; undefined otherwise. */
  readonly pM?: number;
  /** Sphere graph only (meta.json `sphere`); undefined otherwise. */
  readonly sphere?: SphereLayout;
  readonly vocabSize: number;
  readonly maskId: number;
  readonly padId: number;
  readonly eosId: number;
  readonly bosId: number | null;
  /** Longest canvas (tokens) the model was trained on. */
  readonly maxLength: number;
  /**
   * The expand token (meta.json `expand_id`; absorb graph, x0 logits): the last id. Revealed in a
   * hole, its slot stands for two tokens or more and the hole grows (loop/holeGrowth.ts).
   */
  readonly expandId?: number;
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
  /**
   * Sphere graph only: the continuous state `[batch, length, digits, base + 1]` the network reads
   * (its `input_vec`); `tokens` then still holds the canvas (holes as the mask id).
   */
  readonly state?: Float32Array;
  /**
   * Context caching (a denoiser with `contextCache`; others ignore it): which call of which fill
   * this is. A denoiser without it, or a request without it, runs the full canvas.
   */
  readonly cache?: ContextCacheRequest;
}

/**
 * Fast-dLLM's dual cache, approximate for a bidirectional denoiser: the keys and values of the
 * context (every position outside `fresh`) are computed by a refresh call and kept by the
 * denoiser; the calls between refreshes run only the `fresh` rows, attending to the kept context.
 */
export interface ContextCacheRequest {
  /** Names the fill; the kept context belongs to one fill at a time. */
  readonly fill: number;
  /** Run the full canvas and keep its context (the fill's first call, then every k-th). */
  readonly refresh: boolean;
  /** Canvas positions run at every call (the holes), ascending; every queried position is one. */
  readonly fresh: Int32Array;
  /**
   * On the fill's first call (a refresh): the denoiser may carry the context an earlier fill kept
   * to this canvas instead of running it whole (SampleOptions.cacheCarry).
   */
  readonly carry?: boolean;
  /**
   * Which rows of the fill's canvas (the sampler's batch) the request's rows are, ascending; absent
   * = all of them. Fewer once the sampler drops rows (`pruneAfter`): a cached call then attends to
   * the kept context of these rows only.
   */
  readonly rows?: Int32Array;
}

/** Logits per queried position: the vocabulary, or one group of `base` per digit on the sphere graph. */
export function logitsWidth(spec: DiffusionSpec): number {
  return spec.sphere ? spec.sphere.digits * spec.sphere.base : spec.vocabSize;
}

export interface Denoiser {
  readonly spec: DiffusionSpec;
  /**
   * Raw logits `[batch, queries, logitsWidth(spec)]` (no softmax, mask logit not yet suppressed).
   * Rejects with an `AbortedError` if `signal` aborts before the run starts.
   */
  denoise(request: DenoiseRequest, signal?: AbortSignal): Promise<Float32Array>;
  /**
   * Whether the denoiser honours `DenoiseRequest.cache` (its model declares a context cache, and
   * the cache pays where the model runs: the ONNX denoiser's on the CPU provider only). A refresh
   * call, or any call when the kept context is not this fill's, runs the full canvas.
   */
  readonly contextCache?: boolean;
  /**
   * Hands back an array `denoise` answered, which its caller reads no more: a later answer may be
   * written into it instead of a fresh array (the ONNX denoiser's 1.5 MB a call, bench/README.md
   * §70). A caller need not; a denoiser may ignore it.
   */
  recycle?(logits: Float32Array): void;
}
