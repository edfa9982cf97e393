import { InferenceError } from '../../core/errors';
import type { CanvasState } from './canvasState';
import type { ContextCacheRequest, Denoiser } from '../types';

/** Logits of one network call, addressable by canvas position. */
export class QueriedLogits {
  constructor(
    // logits: [B, Q, V]
    readonly logits: Float32Array,
    private readonly queries: number,
    private readonly vocabSize: number,
    // queryIndex: [B, L], the query row of each position, -1 where not queried
    private readonly queryIndex: Int32Array,
    private readonly length: number,
  ) {}

  /** Offset of `[row, position, 0]` in `logits`; the position must have been queried. */
  offset(row: number, position: number): number {
    const q = this.queryIndex[row * this.length + position]!;
    if (q < 0) throw new Error(`position ${position} of row ${row} was not queried`);
    return (row * this.queries + q) * this.vocabSize;
  }
}

/**
 * One forward pass over every row, querying exactly `state.queryPositions` (the masked positions on
 * the absorb graph, every hole position on the refining graphs). Rows need equal query counts, so a
 * short row repeats its last queried position (or, when it has none, position 0, or the first
 * fresh position of a context-cached call, which runs only those); the duplicates are never read.
 */
export async function denoiseQueried(
  denoiser: Denoiser,
  state: CanvasState,
  cond: Float32Array | undefined,
  signal: AbortSignal | undefined,
  cache?: ContextCacheRequest,
): Promise<QueriedLogits> {
  const { batch, length } = state;
  const vocabSize = denoiser.spec.vocabSize;
  const rows = Array.from({ length: batch }, (_, b) => state.queryPositions(b));
  const queries = Math.max(1, ...rows.map((r) => r.length));
  const positions = new Int32Array(batch * queries); // [B, Q]
  const queryIndex = new Int32Array(batch * length).fill(-1); // [B, L]
  const filler = cache?.fresh[0] ?? 0;
  rows.forEach((row, b) => {
    for (let q = 0; q < queries; q++) positions[b * queries + q] = row[Math.min(q, row.length - 1)] ?? filler;
    row.forEach((p, q) => (queryIndex[b * length + p] = q));
  });
  const request = { tokens: state.tokens.slice(), batch, length, positions, queries, ...(cond ? { cond } : {}), ...(cache ? { cache } : {}) };
  const logits = await denoiser.denoise(request, signal);
  if (logits.length !== batch * queries * vocabSize) {
    throw new InferenceError(`the denoiser returned ${logits.length} logits; [${batch}, ${queries}, ${vocabSize}] needs ${batch * queries * vocabSize}`);
  }
  return new QueriedLogits(logits, queries, vocabSize, queryIndex, length);
}
