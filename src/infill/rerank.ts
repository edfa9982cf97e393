import { positionStats, type DenoiseRequest, type Denoiser, type SampleResult } from '../sampler';

/**
 * Pseudo-likelihood reranking of finished candidates (decoding issue 10). The score a fill is
 * ranked by otherwise (score.ts) takes each token's probability when it was revealed, early tokens
 * against a mostly masked hole; here the model re-reads each finished candidate instead: in
 * `copies` copies of its row, copy g masks every `copies`-th of its scored slots (offset g), so
 * each slot is predicted once from the rest of the candidate, and the score is the mean
 * log-probability of the candidate's own tokens there. One copy masks every slot at once (the
 * first step's view); as many copies as slots is the full pseudo-log-likelihood. All copies of
 * all candidates are one network call; on a context-cached run it attends to the context the run
 * kept (SampleResult.context), so only the hole positions run.
 */

/** One hole of a candidate on the canvas: its row's slots, and how many of them its score counts (scoredSlots in score.ts). */
export interface ScoredHole {
  readonly start: number;
  readonly slots: number;
  readonly scored: number;
}

/** A candidate to rescore: the batch row it was sampled in, and its holes. */
export interface RerankTarget {
  readonly row: number;
  readonly holes: readonly ScoredHole[];
}

/** One row of the rerank call: a copy of a target's row with `masked` (canvas positions) masked. */
interface MaskedCopy {
  readonly target: number;
  readonly masked: readonly number[];
}

/**
 * The rerank call for `targets` (in ascending row order, so the call's cache rows ascend) of the
 * run `sampled`: each target's row with the slots after its scored ones set to padding (the
 * candidate as it would be inserted: a line cut at its line break), in min(copies, scored slots)
 * copies that each mask their share of the scored slots, querying exactly those.
 */
export function rerankRequest(
  sampled: Pick<SampleResult, 'tokens' | 'context'>, length: number, targets: readonly RerankTarget[], copies: number, maskId: number, padId: number,
): { request: DenoiseRequest; rows: MaskedCopy[] } {
  const rows: MaskedCopy[] = targets.flatMap(({ holes }, target) => {
    const scored = holes.flatMap(({ start, scored }) => Array.from({ length: scored }, (_, i) => start + i));
    const count = Math.min(copies, scored.length);
    return Array.from({ length: count }, (_, g) => ({ target, masked: scored.filter((_, i) => i % count === g) }));
  });
  const queries = Math.max(...rows.map((r) => r.masked.length));
  const tokens = new Int32Array(rows.length * length); // [copies of all targets, L]
  const positions = new Int32Array(rows.length * queries); // [copies of all targets, Q]
  rows.forEach(({ target, masked }, r) => {
    const { row, holes } = targets[target];
    const canvas = tokens.subarray(r * length, (r + 1) * length);
    canvas.set(sampled.tokens.subarray(row * length, (row + 1) * length));
    for (const { start, slots, scored } of holes) canvas.fill(padId, start + scored, start + slots);
    for (const p of masked) canvas[p] = maskId;
    // rows need equal query counts: a short row repeats its last position, never read
    for (let q = 0; q < queries; q++) positions[r * queries + q] = masked[Math.min(q, masked.length - 1)];
  });
  const { context } = sampled;
  const cache = context && { ...context, refresh: false, rows: Int32Array.from(rows, ({ target }) => targets[target].row) };
  return { request: { tokens, batch: rows.length, length, positions, queries, ...(cache ? { cache } : {}) }, rows };
}

/**
 * Each target's mean log-probability of its scored tokens, each with its share of the candidate
 * masked (the mask id left out of the distribution, as the sampler leaves it out).
 */
export async function pseudoLogLikelihoods(
  denoiser: Denoiser, sampled: Pick<SampleResult, 'tokens' | 'context'>, length: number, targets: readonly RerankTarget[], copies: number, signal?: AbortSignal,
): Promise<number[]> {
  const { vocabSize, maskId, padId } = denoiser.spec;
  const { request, rows } = rerankRequest(sampled, length, targets, copies, maskId, padId);
  const logits = await denoiser.denoise(request, signal); // [rows, Q, V]
  const sums = new Array<number>(targets.length).fill(0);
  const counts = new Array<number>(targets.length).fill(0);
  rows.forEach(({ target, masked }, r) => {
    const row = targets[target].row;
    masked.forEach((p, q) => {
      const offset = (r * request.queries + q) * vocabSize;
      const stats = positionStats(logits, offset, vocabSize, maskId);
      sums[target] += logits[offset + sampled.tokens[row * length + p]] - stats.maxLogit - Math.log(stats.sumExp);
      counts[target]++;
    });
  });
  return sums.map((sum, t) => sum / counts[t]);
}
