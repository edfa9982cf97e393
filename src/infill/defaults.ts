import type { InfillOptions } from './types';

/**
 * `padPenalty` for infill: a hole's slots whose most probable token is padding rank this much
 * below content, and a revealed pad ends its hole (src/sampler/reveal.ts). The bundled model pads
 * the slack of an over-allocated hole after the content, as trained, but those trailing pads are
 * its most confident slots: revealed first, they spread leftwards and about half of single-line
 * holes came back empty. Chosen (0.6) on 40 held-out tasks in a Python experiment; measured
 * through this engine (bench/README.md §6): empty single-line fills 31% -> 8%, edit similarity up
 * in every setting but one (equal there), exact match 1-2 tasks of 50 lower (a longer fill misses
 * a short exact line).
 */
export const PAD_PENALTY = 0.6;

/**
 * Every tunable of the infill layer, in one place so the CLI, the extension's settings and the
 * benchmarks share them. Chosen for single-line code infill on a small model; to be re-tuned from
 * the infill evaluation's numbers.
 *
 * - `maxTokens` 32: a line of code is 8-15 tokens with a ~3.4 bytes/token BPE; 32 slots cover a
 *   ~100-character line, and the model is trained to pad the slack at the end of the hole.
 * - `steps` 4 = `maxTokens` / 8: eight slots revealed per network call. Measured with the bundled
 *   model on held-out holes (bench/README.md §3 and §6): one slot per step is the slowest setting
 *   and not the best (single-line edit similarity 0.284 at 28 calls vs 0.303 at 4, multi-line 0.189
 *   vs 0.250); 8 steps (4 slots per call) measured 0.325 single-line at twice the calls. The slider
 *   goes both ways from here.
 * - `strategy` 'confidence' + `threshold` 0.9: confidence-threshold parallel decoding (Fast-dLLM's
 *   setting), which reveals many easy tokens at once (padding only by rank: see `padPenalty`).
 * - `padPenalty` `PAD_PENALTY`: content before padding (above).
 * - `temperature` 0: greedy, so a fill is reproducible and cacheable; raise it for several candidates.
 * - `contextTokens` 256: the first models train on 256-token canvases; it is clamped to the model's
 *   `maxLength` anyway.
 */
export const DEFAULT_INFILL_OPTIONS: Readonly<InfillOptions> = Object.freeze({
  maxTokens: 32,
  contextTokens: 256,
  steps: 4,
  strategy: 'confidence',
  threshold: 0.9,
  schedule: 'linear',
  temperature: 0,
  seed: 0,
  padPenalty: PAD_PENALTY,
  candidates: 1,
});

/** The default step budget of a `maxTokens`-slot hole: the defaults' slots per step, at least 1. */
export function defaultSteps(maxTokens: number): number {
  return Math.max(1, Math.round((maxTokens * DEFAULT_INFILL_OPTIONS.steps) / DEFAULT_INFILL_OPTIONS.maxTokens));
}

/** Share of the context budget (after holes and the text between them) given to the prefix. */
export const PREFIX_SHARE = 0.75;

/**
 * A replaced selection's own length is a hint for its replacement's: slots =
 * min(maxTokens, max(SELECTION_MIN_SLOTS, ceil(SELECTION_SLACK_FACTOR * selectionTokens) + SELECTION_SLACK_TOKENS)).
 * Room for a somewhat longer rewrite, and fewer padding slots than a blind `maxTokens` hole.
 */
export const SELECTION_SLACK_FACTOR = 1.5;
export const SELECTION_SLACK_TOKENS = 4;
export const SELECTION_MIN_SLOTS = 8;

/** Filled canvases remembered, keyed on the canvas and the options that change the result. */
export const CACHE_ENTRIES = 64;
