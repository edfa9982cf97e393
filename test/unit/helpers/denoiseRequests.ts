import type { DenoiseRequest } from '../../../src/sampler';

/** A denoise request from nested rows of ids and of queried positions, plus any other fields. */
export function requestOf(rows: number[][], positions: number[][], extra: Partial<DenoiseRequest> = {}): DenoiseRequest {
  return {
    tokens: Int32Array.from(rows.flat()),
    batch: rows.length,
    length: rows[0]!.length,
    positions: Int32Array.from(positions.flat()),
    queries: positions[0]!.length,
    ...extra,
  };
}
