import type { InfillOptions } from './types';

/**
 * `padPenalty` for infill: a hole's slots whose most probable token is padding rank this much
 * below content, and a revealed pad ends its hole (src/sampler/step/padRules.ts). The bundled model pads
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
 * benchmarks share them. Chosen by execution: pass@1 on MBPP-Infill's validation split through
 * this engine (bench/mbpp.ts; bench/README.md, "Execution quality (MBPP-Infill)"), with the
 * reference 42 M model, under a single-line budget of 1.5 s (CPU p50, 2 cores, one thread).
 * On 80 single-line validation holes: the previous defaults (32 slots, 4 steps, threshold 0.9)
 * passed 0.013; these pass 0.175 at 1.2 s.
 *
 * - `lengths` [6, 10, 16] + `lineTokens` 16: the hole's length is unknown and the biggest lever
 *   (told the true length, the same model passes 0.20 instead of 0.11 at one 16-slot row). Each
 *   size is a batch row of one run, its slots past the size fixed to padding so the row is told
 *   its length; the best-scoring fill wins (src/infill/rows.ts, score.ts). Single-line MBPP holes
 *   are 9 tokens at the median, 17 at p90. A line-shaped hole keeps one line in all three rows.
 *   Measured: 0.175 vs 0.113 for one 16-slot row; six sizes (6..16 by 2) gained 0.01 at twice
 *   the cost; adding a 32-slot multi-line row cost 30 % more and gained nothing.
 * - `inlineLengths` [3, 6, 10, 16]: a hole inside a line in front of text (MBPP's random spans are
 *   mostly such) is often shorter than a line: a quarter of the spans are 3 tokens or fewer; a
 *   cursor at the end of a line's text, where one types, keeps `lengths`. Measured side by side
 *   on v5 (bench/README.md, Validation, table 20): random-span pass@1 pooled over validation and
 *   train 54 -> 62 of 457 (4 lost, 12 gained) at the same CPU; the same rows cost line-shaped holes
 *   (single lines 0.263 -> 0.238 of 800), which keep `lengths`. At the end of a line's text they
 *   gained 2 more spans but left the keystroke test's `for` with only whitespace to show.
 * - `inlineBreaks` on: a cursor inside a line in front of text keeps the line breaks the model
 *   writes (read as a block; the text after the cursor follows the fill's last line). Half of
 *   MBPP's random spans cross a line break, and with the fill cut to its first line 4 of 237
 *   such spans passed (v6, validation and train). Measured side by side on v6 (bench/README.md,
 *   Validation, table 24): random-span pass@1 pooled over validation and train 71 -> 84 of 457
 *   (4 lost, 17 gained; edit similarity 0.35 -> 0.44) at the same CPU; single lines and
 *   multi-line holes are line-shaped and unchanged. The ghost text as one types keeps one line
 *   inside a line (providers/inlineProvider.ts: users of inline completion expect several lines
 *   only where the rest of the line is empty or a block opens); "Diffuse fill" and the CLI take
 *   the model's breaks.
 * - `steps` 12 network calls, each over all the rows (~3 slots per call for the 16-slot row):
 *   fits the budget with three rows; 16 steps with threshold 0.9 passed the same at 1.5 s.
 * - `threshold` 0.8: each step also reveals every slot at least this probable (never a padding
 *   one). Measured side by side with it off (bench/README.md, Validation, table 18; v5): fewer
 *   calls (NFE 5.7 vs 7.0) for 13 % less CPU a fill, and pooled over validation and train
 *   single-line 238 vs 226 of 900 holes passed (9 lost, 21 gained); 0.9 passed 235, and lower
 *   thresholds fewer (of 500: 0.7 135, 0.5 130, off 126); 0.9 with 16 steps passed 100 of 400
 *   against 109 with 12. The gain came mostly from the first 400 train holes, where it was found
 *   (+10; the next 400: +1): count it as even on quality, with the calls saved.
 * - `nonEmpty`: a hole's first slot is never padding (an empty fill shows nothing and fails):
 *   0.175 vs 0.138 without it; nor, in a line-shaped hole, a token that ends the line
 *   (lineStarts.ts: a blank line shows nothing either; bench/README.md §16).
 * - `strategy` 'confidence', `temperature` 0: greedy and reproducible (cacheable); sampling four
 *   candidates at 0.7 and reranking them passed 0.05 against 0.10 greedy.
 * - `padPenalty` `PAD_PENALTY`: content before padding (above).
 * - `maxTokens` 32: the largest hole size tried (a selection's own length sizes it, up to this).
 * - `contextTokens` 256: the models train on 256-token canvases; it is clamped to the model's
 *   `maxLength` anyway.
 * - `cacheRefresh` 16 (a context-cache graph on the CPU provider; ignored elsewhere): the context's keys
 *   and values are computed by the fill's first call and reused by the next 15, which run only the
 *   hole's rows. At 12 steps (at most 12 calls) that is one refresh per fill, as measured: on 50
 *   validation holes of each kind no task lost (single-line pass@1 0.18 -> 0.22, multi-line 0 -> 0,
 *   random-span 0.04 -> 0.04) at 3.0x / 1.8x / 2.5x less CPU per fill (single-line p50 2605 -> 862
 *   ms); refreshing every 4 calls cost more and passed no more (bench/README.md, "Context caching").
 * - `cacheCarry` off: each fill is its document's first (the CLI's tasks, the benchmarks' holes);
 *   the extension turns it on for the editor's fills, which follow one another in one document
 *   (providers/filler.ts).
 * - `pruneAfter` 4: after 4 steps only the best-ranked length row (as many as `candidates`) runs
 *   on, so the later calls run one row instead of three. Measured (bench/README.md, Validation,
 *   table 8) on 489 holes pooled over validation single-line and random-span and train
 *   single-line: with the bundled v3 model 74 vs 75 passed at 35-46 % less CPU per fill
 *   (single-line p50 775 -> 486 ms on validation); with v2 62 vs 63. After 2 steps was cheaper
 *   still and even on v2 (62) but lost 7 holes on v3 (68); after 1 step lost 13 on v2. After 3
 *   (table 11) was even with v4 on validation and train but lost 6 of 400 train single-line holes
 *   with calib-42m, for 7-12 % less CPU.
 */
export const DEFAULT_INFILL_OPTIONS: Readonly<InfillOptions> = Object.freeze({
  maxTokens: 32,
  contextTokens: 256,
  lineTokens: 16,
  lengths: Object.freeze([6, 10, 16]) as number[],
  inlineLengths: Object.freeze([3, 6, 10, 16]) as number[],
  inlineBreaks: true,
  steps: 12,
  strategy: 'confidence',
  threshold: 0.8,
  schedule: 'linear',
  temperature: 0,
  seed: 0,
  padPenalty: PAD_PENALTY,
  nonEmpty: true,
  candidates: 1,
  cacheRefresh: 16,
  cacheCarry: false,
  pruneAfter: 4,
});

/**
 * The sampling temperatures the CLI and the settings accept: 0 is greedy; above 2 the tempered
 * distribution of a trained model is close to uniform over thousands of ids, which fills noise.
 */
export const TEMPERATURE_RANGE = { min: 0, max: 2 } as const;

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
