import { createHash } from 'node:crypto';
import type { SampleOptions } from '../sampler';
import type { HoleKind } from './holeShape';
import type { IndentStyle } from './indentation';

/** The sampler options that change what a canvas is filled with (the hooks and `signal` do not). */
export type ResultShapingOptions = Omit<SampleOptions, 'onStep' | 'signal' | 'onPrune'>;

/**
 * Every result-shaping option, in key order. `satisfies` turns an option the sampler adds and this
 * list lacks into a compile error, so a new option can never be left out of the cache key.
 */
const SHAPING_KEYS = Object.keys({
  steps: 0, strategy: 0, kernel: 0, threshold: 0, schedule: 0, temperature: 0, seed: 0, blockSize: 0, padPenalty: 0, nonEmpty: 0, cacheRefresh: 0, cacheCarry: 0, pruneAfter: 0,
} satisfies Record<keyof ResultShapingOptions, 0>) as Array<keyof ResultShapingOptions>;

/** Just the result-shaping options of `options`, always in the same key order. */
export function resultShaping(options: ResultShapingOptions): ResultShapingOptions {
  return Object.fromEntries(SHAPING_KEYS.map((key) => [key, options[key]])) as unknown as ResultShapingOptions;
}

/**
 * Identifies one sampling run: the canvas ids (which also say where the holes are), the batch,
 * the options that change the result (from `resultShaping`, so the caller's key order and its
 * extra fields never matter), how many rows a prune keeps (`pruneKeeps`: the candidates asked
 * for, undefined without `pruneAfter`; the rows it drops are no candidates, so a run that kept one
 * row cannot serve a request for three), and each row's hole kinds: they decide how a row's fills
 * are read, so which rows `pruneAfter` keeps, and where no line may end at once (a line-shaped
 * hole's first slot, lineStarts.ts): the same ids in holes of another shape sample otherwise.
 * `checked` is what the syntax check reads (`syntaxInput`) and `style` the indentation the fills
 * are spelled in before it reads them: both rank the rows a prune keeps.
 */
export function cacheKey(
  ids: Int32Array, batch: number, shaping: ResultShapingOptions, pruneKeeps: number | undefined, rowKinds: readonly (readonly HoleKind[])[],
  checked: string | undefined, style: IndentStyle | undefined,
): string {
  return `${ids.join(',')}|${batch}|${JSON.stringify(shaping)}|${pruneKeeps ?? ''}|${JSON.stringify(rowKinds)}|${checked ?? ''}|${JSON.stringify(style ?? null)}`;
}

/**
 * The syntax check's own input, for the cache key: its language and the text of its window, which
 * reaches past the canvas (an import line above it binds a name the fill uses). Hashed: the window
 * is thousands of characters, the key one of a few dozen kept.
 */
export function syntaxInput(languageId: string, window: string): string {
  return `${languageId}:${createHash('sha256').update(window).digest('hex')}`;
}
