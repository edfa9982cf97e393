import type { Graph } from '../../sampler/types';
import type { MetaFields } from './metaFields';

/**
 * meta.json `context_cache` (docs/model-contract.md): the graph serves the context-cached call
 * as well as the full one. Its input rows sit at `rowPositions`; it attends to `pastKey` /
 * `pastValue` [layers, B, heads, C, headDim] besides its own rows (C = 0 on a full call) and
 * returns its rows' keys and values as `presentKey` / `presentValue` [layers, B, heads, L, headDim].
 */
export interface ContextCacheMeta {
  readonly rowPositions: string;
  readonly pastKey: string;
  readonly pastValue: string;
  readonly presentKey: string;
  readonly presentValue: string;
  readonly layers: number;
  readonly heads: number;
  readonly headDim: number;
  /**
   * `shared_past`: the past's batch may be 1, one context every row attends to (broadcast), as well
   * as B; without it a shared context is fed once per row.
   */
  readonly sharedPast: boolean;
  /**
   * `rotary_base`: the base of the rotary positions the kept keys carry (rotate-half pairs), so a
   * kept shared context can move to the next fill's canvas (docs/model-contract.md); absent = it
   * cannot, and every fill refreshes.
   */
  readonly rotaryBase?: number;
}

/**
 * `context_cache`: absent or null (no cache), else every field, on a token-id graph only; its
 * input and output names may not repeat the graph's other ones (`inputNames`, `outputNames`).
 */
export function parseContextCache(
  fields: MetaFields,
  graph: Graph,
  inputNames: readonly string[],
  outputNames: readonly string[],
): ContextCacheMeta | undefined {
  if (fields.isUnset('context_cache')) return undefined;
  if (graph === 'sphere') fields.reject('context_cache', 'the context cache takes token ids; the sphere graph reads a continuous state');
  const cache = fields.object('context_cache');
  const names = {
    rowPositions: cache.string('row_positions'),
    pastKey: cache.string('past_key'),
    pastValue: cache.string('past_value'),
    presentKey: cache.string('present_key'),
    presentValue: cache.string('present_value'),
  };
  const distinct = (taken: readonly string[], own: Record<string, string>, role: string): void => {
    const seen = new Set(taken);
    for (const [key, name] of Object.entries(own)) {
      if (seen.has(name)) cache.reject(key, `another ${role} of the graph already has this name`);
      seen.add(name);
    }
  };
  distinct(inputNames, { row_positions: names.rowPositions, past_key: names.pastKey, past_value: names.pastValue }, 'input');
  distinct(outputNames, { present_key: names.presentKey, present_value: names.presentValue }, 'output');
  const parsed = {
    ...names,
    layers: cache.integer('layers', 1),
    heads: cache.integer('heads', 1),
    headDim: cache.integer('head_dim', 1),
    sharedPast: cache.optionalBoolean('shared_past', false),
  };
  if (cache.isUnset('rotary_base')) return parsed;
  // only a shared context is carried, and rotate-half pairs need an even head_dim
  if (!parsed.sharedPast) cache.reject('rotary_base', 'a kept context is carried only when it is shared: set shared_past too');
  if (parsed.headDim % 2 !== 0) cache.reject('rotary_base', `rotary keys pair their halves, and head_dim ${parsed.headDim} is odd`);
  return { ...parsed, rotaryBase: cache.numberBetween('rotary_base', 1) };
}
