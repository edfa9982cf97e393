/** Summary of a latency sample, in the sample's unit. */
export interface Distribution {
  readonly p50: number;
  readonly p95: number;
  readonly mean: number;
  readonly min: number;
  readonly max: number;
}

/** Percentiles by the nearest-rank method: p95 of 20 values is the 19th smallest. */
export function distribution(values: readonly number[]): Distribution {
  if (values.length === 0) return { p50: NaN, p95: NaN, mean: NaN, min: NaN, max: NaN };
  const sorted = [...values].sort((a, b) => a - b);
  const rank = (p: number) => sorted[Math.max(0, Math.ceil(p * sorted.length) - 1)];
  return {
    p50: rank(0.5),
    p95: rank(0.95),
    mean: sorted.reduce((a, b) => a + b, 0) / sorted.length,
    min: sorted[0],
    max: sorted[sorted.length - 1],
  };
}
