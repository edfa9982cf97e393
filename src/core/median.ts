/**
 * The upper median of `values`: the middle one of an odd count, the upper of the two middle ones
 * of an even count; undefined for none. Always one of the values (never the mean of the middle
 * two), and, unlike the mean, not dragged by a few outliers: the typing rhythm
 * (adaptiveDebounce.ts) and the typical forward pass (sharedDenoiser.ts) read their recent times
 * through it.
 */
export function upperMedian(values: readonly number[]): number | undefined {
  if (values.length === 0) return undefined;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)];
}
