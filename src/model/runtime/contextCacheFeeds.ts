import { InvalidRequestError } from '../../core/errors';
import type { DenoiseRequest } from '../../sampler/types';
import type { ContextCacheMeta } from '../folder/contextCacheMeta';
import type { ContextCarry } from './contextCarry';
import type { ModelMeta } from '../folder/meta';
import type { RunCache, WireTensor } from './workerProtocol';

/** One call of a context-cache graph: what the graph reads and what the worker does with its cache. */
export interface CachePlan {
  readonly inputIds: WireTensor;
  readonly positions: WireTensor;
  /** The cache inputs fed from this side (row positions; a full call's empty past). */
  readonly extra: Record<string, WireTensor>;
  /** What the worker does with its cache; the caller adds which kept context that is (`RunCache.context`). */
  readonly runCache?: Omit<RunCache, 'context'>;
}

/** A full call's own input ids and positions: the request's. */
export type BaseFeeds = Pick<CachePlan, 'inputIds' | 'positions'>;

type Canvas = Pick<DenoiseRequest, 'tokens' | 'batch' | 'length' | 'positions' | 'queries'>;

/** The request's input ids and positions as a full call feeds them. */
export function baseFeeds({ tokens, batch, length, positions, queries }: Canvas): BaseFeeds {
  return {
    inputIds: { type: 'int64', data: tokens, dims: [batch, length] },
    positions: { type: 'int64', data: positions, dims: [batch, queries] },
  };
}

/** The request's first batch row alone: what a refresh of rows that share their context runs. */
export function firstRow<R extends Canvas & Pick<DenoiseRequest, 'cond'>>(request: R): R {
  return batchRows(request, 0, 1);
}

/** The request's batch rows after the first: those a shared context's refresh runs cached. */
export function laterRows<R extends Canvas & Pick<DenoiseRequest, 'cond'>>(request: R): R {
  return batchRows(request, 1, request.batch);
}

/** Batch rows [from, to) of the request. */
function batchRows<R extends Canvas & Pick<DenoiseRequest, 'cond'>>(request: R, from: number, to: number): R {
  const { tokens, length, positions, queries, cond } = request;
  return {
    ...request,
    batch: to - from,
    tokens: tokens.subarray(from * length, to * length),
    positions: positions.subarray(from * queries, to * queries),
    ...(cond ? { cond: cond.subarray(from, to) } : {}),
  };
}

/**
 * A full call: every canvas row at its own position, no past (C = 0). With `fresh`, the worker keeps
 * the keys and values of the other rows (the context) for the cached calls that follow, its batch
 * repeated `copies` times.
 */
export function fullCall(cache: ContextCacheMeta, request: Pick<DenoiseRequest, 'batch' | 'length'>, base: BaseFeeds, fresh?: Int32Array, copies = 1): CachePlan {
  const { batch, length } = request;
  const rowPositions = new Int32Array(batch * length).map((_, i) => i % length);
  const empty: WireTensor = { type: 'float32', data: new Float32Array(0), dims: [cache.layers, batch, cache.heads, 0, cache.headDim] };
  return {
    ...base,
    extra: { [cache.rowPositions]: { type: 'int64', data: rowPositions, dims: [batch, length] }, [cache.pastKey]: empty, [cache.pastValue]: empty },
    ...(fresh ? { runCache: { keep: { key: cache.presentKey, value: cache.presentValue, rows: contextRows(fresh, length), copies } } } : {}),
  };
}

/**
 * How many copies a refresh keeps of the context its first row shares with `rows` rows: one on a
 * graph with `shared_past`, which every row reads as it is; else one a row.
 */
export function keptCopies(cache: ContextCacheMeta, rows: number): number {
  return cache.sharedPast ? 1 : rows;
}

/**
 * A cached call: only the `fresh` rows run, at their canvas positions, attending to the context
 * kept in the worker; the queried positions become indices into the fresh rows. With `batchRows`,
 * the worker first narrows its kept context to those of its batch rows (a pruned fill's).
 */
export function cachedCall(
  cache: ContextCacheMeta,
  request: Pick<DenoiseRequest, 'tokens' | 'batch' | 'length' | 'positions' | 'queries'>,
  fresh: Int32Array,
  batchRows?: readonly number[],
): CachePlan {
  const { tokens, batch, length, positions, queries } = request;
  const rowOf = new Int32Array(length).fill(-1);
  fresh.forEach((position, row) => (rowOf[position] = row));
  const ids = new Int32Array(batch * fresh.length);
  const rowPositions = new Int32Array(batch * fresh.length);
  for (let b = 0; b < batch; b++) {
    fresh.forEach((position, row) => {
      ids[b * fresh.length + row] = tokens[b * length + position]!;
      rowPositions[b * fresh.length + row] = position;
    });
  }
  const within = positions.map((position) => {
    const row = rowOf[position]!;
    if (row < 0) throw new InvalidRequestError(`denoise request: position ${position} is queried but not among the cache's fresh positions`);
    return row;
  });
  const dims = [batch, fresh.length];
  return {
    inputIds: { type: 'int64', data: ids, dims },
    positions: { type: 'int64', data: within, dims: [batch, queries] },
    extra: { [cache.rowPositions]: { type: 'int64', data: rowPositions, dims } },
    runCache: { past: { key: cache.pastKey, value: cache.pastValue, ...(batchRows ? { batchRows } : {}) } },
  };
}

/**
 * The first call of a fill that carries an earlier fill's shared context (contextCarry.ts): the
 * worker first carries the kept rows to this canvas, then the call runs the `fresh` rows and the
 * context positions the carry lacks, and the worker appends those positions' keys and values to
 * the kept context, which then serves the fill's later calls as a refresh's would.
 */
export function carriedCall(
  cache: ContextCacheMeta,
  rotaryBase: number,
  request: Pick<DenoiseRequest, 'tokens' | 'batch' | 'length' | 'positions' | 'queries'>,
  fresh: Int32Array,
  carry: ContextCarry,
): CachePlan {
  // the recomputed positions are context, never fresh: the two sets are disjoint
  const rows = Int32Array.from([...fresh, ...carry.recompute]).sort();
  const plan = cachedCall(cache, request, rows);
  const rowOf = new Map(Array.from(rows, (position, row) => [position, row]));
  return {
    ...plan,
    runCache: {
      past: { key: cache.pastKey, value: cache.pastValue, carry: { rows: carry.rows, shifts: carry.shifts, base: rotaryBase } },
      extend: { key: cache.presentKey, value: cache.presentValue, rows: carry.recompute.map((position) => rowOf.get(position)!) },
    },
  };
}

/** A full call of either kind of graph, keeping nothing: a plain graph reads the base feeds alone. */
export function uncachedCall(meta: Pick<ModelMeta, 'contextCache'>, request: Pick<DenoiseRequest, 'batch' | 'length'>, base: BaseFeeds): CachePlan {
  return meta.contextCache ? fullCall(meta.contextCache, request, base) : { ...base, extra: {} };
}

/** A call's feeds by the graph's input names (the ids, the positions, the cache's inputs fed from this side). */
export function planFeeds(inputs: ModelMeta['inputs'], plan: CachePlan): Record<string, WireTensor> {
  return { ...(inputs.inputIds ? { [inputs.inputIds]: plan.inputIds } : {}), [inputs.positions]: plan.positions, ...plan.extra };
}

/** Canvas positions outside `fresh` (ascending), the rows a refresh keeps. */
export function contextRows(fresh: Int32Array, length: number): number[] {
  const isFresh = new Uint8Array(length);
  fresh.forEach((position) => (isFresh[position] = 1));
  return Array.from({ length }, (_, position) => position).filter((position) => isFresh[position] === 0);
}
