/**
 * The contract between the sampler (pure math) and whatever runs the network. `src/model`
 * implements `Denoiser` with onnxruntime-node; tests implement it with deterministic fakes.
 */

export type Family = 'mdlm' | 'md4' | 'sedd' | 'cedd' | 'rdlm';
export type Graph = 'absorb' | 'uniform' | 'roulette' | 'sphere';
export type OutputKind = 'x0_logits' | 'log_score';
export type CondKind = 'none' | 'sigma' | 't_x1000' | 't';
export type ScheduleType = 'loglinear' | 'cosine' | 'linear' | 'geometric';

/** What the sampler must know about a model's diffusion process (from meta.json). */
export interface DiffusionSpec {
  readonly family: Family;
  readonly graph: Graph;
  readonly outputKind: OutputKind;
  readonly condKind: CondKind;
  readonly schedule: { readonly type: ScheduleType; readonly eps: number };
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
