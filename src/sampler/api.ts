/** The public shapes of `sample` (docs/engine-api.md, "sampler"). */

/**
 * Each option vocabulary has one list, here; the types, the validation, the CLI's flags, the
 * settings and the webview read it (test/unit/optionVocabulary.test.ts holds package.json to it).
 */
export const STRATEGIES = ['confidence', 'margin', 'entropy', 'random'] as const;
export type Strategy = (typeof STRATEGIES)[number];
/**
 * A confidence threshold as `strategy` can use it: none under 'random', which does not rank by
 * confidence (`sample` refuses the pair); what the settings and the CLI's default run with.
 */
export function thresholdUnder(strategy: Strategy, threshold: number | undefined): number | undefined {
  return strategy === 'random' ? undefined : threshold;
}
export const REVEAL_SCHEDULES = ['linear', 'cosine'] as const;
export type RevealSchedule = (typeof REVEAL_SCHEDULES)[number];
export const KERNELS = ['analytic', 'euler'] as const;
export type Kernel = (typeof KERNELS)[number];

export interface SampleOptions {
  /** Step budget (the slider); an integer >= 1. */
  steps: number;
  /**
   * Which masked positions to reveal first; 'random' = plain ancestral order (the graph's kernel
   * moves every position). The confidence strategies need a mask: absorb or roulette graphs only.
   */
  strategy: Strategy;
  /**
   * The ancestral step's transition kernel (default 'analytic'): 'analytic' = the exact
   * x0-posterior (x0 logits) or SEDD's Tweedie τ-leaping (log scores); 'euler' = SEDD's Euler step
   * onehot + dt·σ'·R on the scores (x0 logits are turned into scores first). Used by 'random' and by
   * the roulette revisions of revealed tokens; genmd4 schedules take 'analytic' only. See loop/sample.ts.
   */
  kernel?: Kernel;
  /**
   * Confidence-threshold parallel decoding: besides the schedule's count, reveal every eligible
   * position whose confidence (max probability) is >= threshold. In (0, 1]; undefined = off.
   */
  threshold?: number;
  /** How many tokens are revealed by step k (default 'linear'). */
  schedule?: RevealSchedule;
  /** Default 1; 0 = greedy. */
  temperature?: number;
  seed: number;
  /** Semi-autoregressive blocks (masked tokens per block) for long holes; undefined = one block. */
  blockSize?: number;
  /**
   * Padding handling for over-allocated holes, a finite number >= 0; undefined = off (the sampler
   * as without it, RNG stream included). When set: confidence strategies rank a position whose
   * most probable token is `spec.padId` `padPenalty` below its score and never reveal it by the
   * threshold; and in every strategy a revealed pad ends its hole (the rest of the hole becomes
   * padding at once) while a pad never goes before content already in its hole. See step/padRules.ts.
   */
  padPenalty?: number;
  /**
   * Context caching, on a denoiser that offers it (`Denoiser.contextCache`; ignored otherwise and
   * on the sphere graph): the fill's network calls number 0, 1, ...; call n recomputes the whole
   * canvas when n is a multiple of `cacheRefresh`, and the calls between run only the hole
   * positions against the context's keys and values of the last such call (an approximation:
   * the context does not see the hole's newer tokens). An integer >= 1; undefined or 1 = every
   * call recomputes the canvas (exact).
   */
  cacheRefresh?: number;
  /**
   * With context caching: the fill's first call may carry the context an earlier fill kept (the
   * same document a keystroke ago) instead of recomputing the whole canvas, when the denoiser finds
   * the two canvases close enough (model/runtime/contextCarry.ts): a further approximation, for
   * the fills of a typist. Default false (every fill's first call recomputes the canvas).
   */
  cacheCarry?: boolean;
  /**
   * With `padPenalty` set (absorb graph): a hole's first slot never takes the pad, so every hole
   * gets at least one token. For a fill the user asked for, where an empty hole shows nothing.
   */
  nonEmpty?: boolean;
  /**
   * Drop losing rows early (the infill engine's length search, where rows are candidate hole
   * lengths and only the best one is kept): after step `pruneAfter`, when rows are still being
   * filled, `onPrune` chooses the rows that go on; the others are finished greedily from that
   * step's logits, as 'stop' would, and leave the network calls, so each later call runs only the
   * kept rows. An integer >= 1, with `onPrune`; undefined = every row runs every step. Not on the
   * sphere graph, whose tokens are not final before its last step.
   */
  pruneAfter?: number;
  /**
   * Told every row as it would be if finished greedily now (a preview; the run's own rows are
   * unchanged), answers the rows to keep running: batch row indices, at least one.
   */
  onPrune?: (preview: StepInfo) => readonly number[] | Promise<readonly number[]>;
  /** 'stop' = finish now (anytime): fill what is left greedily from the cached logits. */
  onStep?: (step: StepInfo) => void | 'stop';
  /** Checked between steps; abort rejects with AbortedError. */
  signal?: AbortSignal;
}

/** Masked slots hold `spec.maskId`. */
export interface Canvas {
  tokens: Int32Array;
  batch: number;
  length: number;
}

export interface StepInfo {
  step: number;
  totalSteps: number;
  nfe: number;
  /** The canvas after this step `[batch * length]` (a copy the callee may keep). */
  tokens: Int32Array;
  /** Per position: probability of the revealed token when revealed; NaN while masked; 1 for context. */
  confidence: Float64Array;
  /** Per position: the step its token was last written at; -1 for context and for a slot not revealed yet. */
  revealStep: Int32Array;
  /** Masked slots left (all rows). */
  masked: number;
  /**
   * Hole positions whose token is not final yet (all rows): what 'stop' would settle. The masked
   * ones on the absorb graph; on the refining graphs every hole position until its row's last step.
   */
  pending: number;
}

export interface SampleResult {
  /** `[batch * length]`, no mask left. */
  tokens: Int32Array;
  /** As in StepInfo. */
  confidence: Float64Array;
  /** As in StepInfo: no hole slot is left at -1. */
  revealStep: Int32Array;
  /** Network calls made. */
  nfe: number;
  /** Steps taken. */
  steps: number;
  /** Rows `onPrune` dropped (ascending), finished greedily at step `pruneAfter`; absent when none was. */
  dropped?: readonly number[];
}
