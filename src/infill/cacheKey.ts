import type { SampleOptions } from '../sampler';

/** The sampler options that change what a canvas is filled with (`onStep`/`signal` do not). */
export type ResultShapingOptions = Omit<SampleOptions, 'onStep' | 'signal'>;

/**
 * Identifies one sampling run: the canvas ids (which also say where the holes are), the batch,
 * and every option that changes the result. Options are listed by name, so a key never depends on
 * the order the caller built its options object in.
 */
export function cacheKey(ids: Int32Array, batch: number, options: ResultShapingOptions): string {
  const { steps, strategy, threshold, schedule, temperature, topK, topP, seed, blockSize } = options;
  const shaping = [steps, strategy, threshold, schedule, temperature, topK, topP, seed, blockSize];
  return `${ids.join(',')}|${batch}|${JSON.stringify(shaping)}`;
}
