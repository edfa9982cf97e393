import type { InfillOptions } from './types';

/**
 * Every tunable of the infill layer, in one place so the CLI, the extension's settings and the
 * benchmarks share them. Chosen for single-line code infill on a small model; to be re-tuned from
 * the infill evaluation's numbers.
 *
 * - `maxTokens` 32: a line of code is 8-15 tokens with a ~3.4 bytes/token BPE; 32 slots cover a
 *   ~100-character line, and the model is trained to pad the slack at the end of the hole.
 * - `steps` = `maxTokens`: at most one token per step, the quality ceiling; the threshold below is
 *   what makes it fast, and the caching sampler spends no network call on a step that reveals nothing.
 * - `strategy` 'confidence' + `threshold` 0.9: confidence-threshold parallel decoding (Fast-dLLM's
 *   setting), which reveals many padding slots and easy tokens at once.
 * - `temperature` 0: greedy, so a fill is reproducible and cacheable; raise it for several candidates.
 * - `contextTokens` 256: the first models train on 256-token canvases; it is clamped to the model's
 *   `maxLength` anyway.
 */
export const DEFAULT_INFILL_OPTIONS: Readonly<InfillOptions> = Object.freeze({
  maxTokens: 32,
  contextTokens: 256,
  steps: 32,
  strategy: 'confidence',
  threshold: 0.9,
  schedule: 'linear',
  temperature: 0,
  seed: 0,
  candidates: 1,
});

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
