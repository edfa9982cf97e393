import * as assert from 'node:assert/strict';
import { InvalidRequestError } from '../../src/core/errors';
import { sample } from '../../src/sampler';
import { canvasOf, ContextCacheFake, RecordingDenoiser, row } from './helpers/samplerFakes';

describe('sampler: context caching (cacheRefresh)', () => {
  const canvas = canvasOf(row([5, 6], 4, [7], 3, [8]), row([5, 6], 2, [0, 0, 7], 3, [8]));
  const options = { steps: 7, strategy: 'confidence' as const, temperature: 0, seed: 1 };

  it('refreshes at call 0 and every cacheRefresh-th call; the calls between run the hole positions of any row', async () => {
    const denoiser = new ContextCacheFake();
    const result = await sample(denoiser, canvas, { ...options, cacheRefresh: 3 });
    assert.equal(denoiser.calls, result.nfe);
    assert.deepEqual(denoiser.requests.map((r) => r.cache?.refresh), denoiser.requests.map((_, n) => n % 3 === 0));
    for (const request of denoiser.requests) assert.deepEqual(Array.from(request.cache!.fresh), [2, 3, 4, 5, 7, 8, 9]);
    assert.equal(new Set(denoiser.requests.map((r) => r.cache!.fill)).size, 1, 'one fill, one kept context');
  });

  it('asks nothing of a denoiser that does not offer the cache, nor with cacheRefresh 1', async () => {
    const plain = new RecordingDenoiser();
    await sample(plain, canvas, { ...options, cacheRefresh: 3 });
    assert.ok(plain.requests.every((r) => r.cache === undefined));
    const offering = new ContextCacheFake();
    await sample(offering, canvas, { ...options, cacheRefresh: 1 });
    assert.ok(offering.requests.every((r) => r.cache === undefined));
  });

  it("with cacheCarry, lets the fill's first call carry an earlier fill's context, and no other call", async () => {
    const denoiser = new ContextCacheFake();
    await sample(denoiser, canvas, { ...options, cacheRefresh: 3, cacheCarry: true });
    assert.deepEqual(denoiser.requests.map((r) => r.cache?.carry === true), denoiser.requests.map((_, n) => n === 0));
    const plain = new ContextCacheFake();
    await sample(plain, canvas, { ...options, cacheRefresh: 3 });
    assert.ok(plain.requests.every((r) => r.cache?.carry === undefined), 'off by default');
  });

  it('gives each fill its own cache name', async () => {
    const denoiser = new ContextCacheFake();
    await sample(denoiser, canvas, { ...options, cacheRefresh: 2 });
    const first = denoiser.requests[0]!.cache!.fill;
    await sample(denoiser, canvas, { ...options, cacheRefresh: 2 });
    assert.notEqual(denoiser.requests.at(-1)!.cache!.fill, first);
  });

  for (const bad of [0, 1.5, -2]) {
    it(`refuses cacheRefresh ${bad}`, async () => {
      await assert.rejects(sample(new ContextCacheFake(), canvas, { ...options, cacheRefresh: bad }), (e: unknown) =>
        e instanceof InvalidRequestError && /cacheRefresh must be an integer >= 1/.test(e.message));
    });
  }
});
