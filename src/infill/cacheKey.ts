import type { SampleOptions } from '../sampler';

/** The sampler options that change what a canvas is filled with (`onStep`/`signal` do not). */
export type ResultShapingOptions = Omit<SampleOptions, 'onStep' | 'signal'>;

/** Just the result-shaping options of `options`, always in the same key order. */
export function resultShaping(options: ResultShapingOptions): ResultShapingOptions {
  const { steps, strategy, threshold, schedule, temperature, topK, topP, seed, blockSize, padPenalty } = options;
  return { steps, strategy, threshold, schedule, temperature, topK, topP, seed, blockSize, padPenalty };
}

/**
 * Identifies one sampling run: the canvas ids (which also say where the holes are), the batch,
 * and the options that change the result (from `resultShaping`, so the caller's key order and
 * its extra fields never matter).
 */
export function cacheKey(ids: Int32Array, batch: number, shaping: ResultShapingOptions): string {
  return `${ids.join(',')}|${batch}|${JSON.stringify(shaping)}`;
}
