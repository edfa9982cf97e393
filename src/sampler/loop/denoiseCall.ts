import { InferenceError } from '../../core/errors';
import { positionStats, type PositionStats } from '../math/distribution';
import type { CanvasState } from './canvasState';
import type { ContextCacheRequest, Denoiser } from '../types';

/** Logits of one network call, addressable by canvas row and position. */
export class QueriedLogits {
  // stats: positionStats by (query row · (V + 1) + banned + 1) · 2 + (1 where the expand token is left out), filled as steps ask
  private readonly stats = new Map<number, PositionStats>();

  constructor(
    // logits: [B', Q, V], B' the rows the call ran
    readonly logits: Float32Array,
    private readonly queries: number,
    private readonly vocabSize: number,
    // queryIndex: [B, L], the query row of each position, -1 where not queried (or its row not run)
    private readonly queryIndex: Int32Array,
    private readonly length: number,
    // callRow: [B], each canvas row's row in `logits`, -1 where the call did not run it
    private readonly callRow: Int32Array,
  ) {}

  /** Offset of `[row, position, 0]` in `logits`; the row must have been run and the position queried. */
  offset(row: number, position: number): number {
    const q = this.queryIndex[row * this.length + position]!;
    if (q < 0) throw new Error(`position ${position} of row ${row} was not queried`);
    return (this.callRow[row]! * this.queries + q) * this.vocabSize;
  }

  /**
   * positionStats of `[row, position]` over ids [0, `ids`) with `banned` left out, computed once per
   * call: a step asks again for positions it has ranked (a revealed pad fills the rest of its hole,
   * pruning finishes the rows greedily): a fifth of a single-line fill's asks.
   */
  statsAt(row: number, position: number, maskId: number, banned: number, ids: number): PositionStats {
    const offset = this.offset(row, position);
    const key = ((offset / this.vocabSize) * (this.vocabSize + 1) + banned + 1) * 2 + (ids < this.vocabSize ? 1 : 0);
    let stats = this.stats.get(key);
    if (stats === undefined) {
      stats = positionStats(this.logits, offset, ids, maskId, banned);
      this.stats.set(key, stats);
    }
    return stats;
  }
}

/**
 * One forward pass over the canvas rows `run` (ascending; the rows not dropped by pruning),
 * querying exactly `state.queryPositions` (the masked positions on the absorb graph, every hole
 * position on the refining graphs). Rows need equal query counts, so a short row repeats its last
 * queried position (or, when it has none, position 0, or the first fresh position of a
 * context-cached call, which runs only those); the duplicates are never read. `cond` has one
 * value per run row.
 */
export async function denoiseQueried(
  denoiser: Denoiser,
  state: CanvasState,
  run: readonly number[],
  cond: Float32Array | undefined,
  signal: AbortSignal | undefined,
  cache?: ContextCacheRequest,
): Promise<QueriedLogits> {
  const { length } = state;
  const batch = run.length;
  const vocabSize = denoiser.spec.vocabSize;
  const rows = run.map((b) => state.queryPositions(b));
  const queries = Math.max(1, ...rows.map((r) => r.length));
  const tokens = new Int32Array(batch * length); // [B', L]
  const positions = new Int32Array(batch * queries); // [B', Q]
  const queryIndex = new Int32Array(state.batch * length).fill(-1); // [B, L]
  const callRow = new Int32Array(state.batch).fill(-1); // [B]
  const filler = cache?.fresh[0] ?? 0;
  rows.forEach((row, i) => {
    const b = run[i]!;
    callRow[b] = i;
    tokens.set(state.tokens.subarray(b * length, (b + 1) * length), i * length);
    for (let q = 0; q < queries; q++) positions[i * queries + q] = row[Math.min(q, row.length - 1)] ?? filler;
    row.forEach((p, q) => (queryIndex[b * length + p] = q));
  });
  const request = { tokens, batch, length, positions, queries, ...(cond ? { cond } : {}), ...(cache ? { cache } : {}) };
  const logits = await denoiser.denoise(request, signal);
  if (logits.length !== batch * queries * vocabSize) {
    throw new InferenceError(`the denoiser returned ${logits.length} logits; [${batch}, ${queries}, ${vocabSize}] needs ${batch * queries * vocabSize}`);
  }
  return new QueriedLogits(logits, queries, vocabSize, queryIndex, length, callRow);
}
