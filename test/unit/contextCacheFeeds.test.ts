import * as assert from 'node:assert/strict';
import type { ContextCacheMeta } from '../../src/model/folder/contextCacheMeta';
import { cachedCall, planFeeds, uncachedCall, type BaseFeeds } from '../../src/model/runtime/contextCacheFeeds';

const cache: ContextCacheMeta = {
  rowPositions: 'rows', pastKey: 'pk', pastValue: 'pv', presentKey: 'k', presentValue: 'v', layers: 2, heads: 3, headDim: 4, sharedPast: false,
};
const inputs = { inputIds: 'ids', inputVec: null, positions: 'pos', cond: null };
// two rows of a 4-token canvas, each querying its positions 1 and 2
const request = { tokens: Int32Array.from([5, 1, 1, 6, 5, 1, 7, 6]), batch: 2, length: 4, positions: Int32Array.from([1, 2, 1, 2]), queries: 2 };
const base: BaseFeeds = {
  inputIds: { type: 'int64', data: request.tokens, dims: [2, 4] },
  positions: { type: 'int64', data: request.positions, dims: [2, 2] },
};

describe('context-cache call plans as named feeds', () => {
  it('feeds a plain graph its ids and positions alone', () => {
    const feeds = planFeeds(inputs, uncachedCall({}, request, base));
    assert.deepEqual(Object.keys(feeds).sort(), ['ids', 'pos']);
    assert.equal(feeds.ids, base.inputIds);
  });

  it("feeds a context-cache graph's full call every row at its own position and an empty past", () => {
    const feeds = planFeeds(inputs, uncachedCall({ contextCache: cache }, request, base));
    assert.deepEqual(Object.keys(feeds).sort(), ['ids', 'pk', 'pos', 'pv', 'rows']);
    assert.deepEqual(Array.from(feeds.rows.data), [0, 1, 2, 3, 0, 1, 2, 3]);
    assert.deepEqual(feeds.pk.dims, [2, 2, 3, 0, 4]);
  });

  it('feeds a cached call the fresh rows and their positions, the past left to the worker', () => {
    const plan = cachedCall(cache, request, Int32Array.from([1, 2]));
    const feeds = planFeeds(inputs, plan);
    assert.deepEqual(Object.keys(feeds).sort(), ['ids', 'pos', 'rows']);
    assert.deepEqual(Array.from(feeds.ids.data), [1, 1, 1, 7]);
    assert.deepEqual(Array.from(feeds.pos.data), [0, 1, 0, 1], 'queried positions become indices into the fresh rows');
    assert.deepEqual(plan.runCache?.past, { key: 'pk', value: 'pv' });
  });

  it("asks the worker to narrow its kept context to a pruned fill's rows", () => {
    const plan = cachedCall(cache, { ...request, batch: 1, tokens: request.tokens.subarray(4), positions: request.positions.subarray(2) }, Int32Array.from([1, 2]), [1]);
    assert.deepEqual(plan.runCache?.past, { key: 'pk', value: 'pv', batchRows: [1] });
    assert.deepEqual(Array.from(plan.inputIds.data), [1, 7]);
  });

  it('feeds a graph without token ids (the sphere state is fed by its caller) no ids', () => {
    const feeds = planFeeds({ ...inputs, inputIds: null, inputVec: 'vec' }, uncachedCall({}, request, base));
    assert.deepEqual(Object.keys(feeds), ['pos']);
  });
});
