import * as assert from 'node:assert/strict';
import { InvalidRequestError } from '../../src/core/errors';
import { sample, type SampleOptions, type StepInfo } from '../../src/sampler';
import { canvasOf, ContextCacheFake, FAKE_SPEC, RecordingDenoiser, row } from './helpers/samplerFakes';

const { maskId: MASK, padId: PAD } = FAKE_SPEC;

describe('sampler: pruning rows (pruneAfter, onPrune)', () => {
  // Three rows of one canvas, as the engine's length search lays them out: one hole of 6 slots
  // with 2, 4 and 6 of them open (the rest fixed to padding).
  const canvas = canvasOf(
    row([5, 6], 2, [PAD, PAD, PAD, PAD], [7, 8]),
    row([5, 6], 4, [PAD, PAD], [7, 8]),
    row([5, 6], 6, [7, 8]),
  );
  const { length } = canvas;
  const options: SampleOptions = { steps: 6, strategy: 'confidence', temperature: 0, seed: 3, padPenalty: 0.6 };
  const rowOf = (tokens: Int32Array, r: number): number[] => Array.from(tokens.subarray(r * length, (r + 1) * length));

  it('runs only the kept rows after step k, and they come out as without pruning', async () => {
    const whole = await sample(new RecordingDenoiser(), canvas, options);
    const denoiser = new RecordingDenoiser();
    const previews: StepInfo[] = [];
    const result = await sample(denoiser, canvas, { ...options, pruneAfter: 2, onPrune: (preview) => (previews.push(preview), [1]) });
    assert.equal(previews.length, 1, 'asked once');
    assert.equal(previews[0].step, 2);
    assert.equal(previews[0].masked, 0, 'the preview is every row finished');
    assert.deepEqual(result.dropped, [0, 2]);
    assert.deepEqual(rowOf(result.tokens, 1), rowOf(whole.tokens, 1), "the kept row's tokens");
    assert.deepEqual(Array.from(result.confidence.subarray(length, 2 * length)), Array.from(whole.confidence.subarray(length, 2 * length)));
    const after = denoiser.requests.slice(2);
    assert.ok(after.length > 0 && after.every((r) => r.batch === 1), 'the calls after the prune run one row');
    assert.ok(denoiser.requests.slice(0, 2).every((r) => r.batch === 3));
    for (const r of [0, 2]) assert.deepEqual(rowOf(result.tokens, r), rowOf(previews[0].tokens, r), `dropped row ${r}: its greedy finish`);
    assert.ok(!result.tokens.includes(MASK), 'no mask left in any row');
  });

  it('keeps several rows in canvas order, whatever order onPrune names them in', async () => {
    const denoiser = new RecordingDenoiser();
    const result = await sample(denoiser, canvas, { ...options, pruneAfter: 1, onPrune: () => [2, 0, 2] });
    assert.deepEqual(result.dropped, [1]);
    assert.ok(denoiser.requests.slice(1).every((r) => r.batch === 2));
    const whole = await sample(new RecordingDenoiser(), canvas, options);
    for (const r of [0, 2]) assert.deepEqual(rowOf(result.tokens, r), rowOf(whole.tokens, r));
  });

  it('with the context cache, names the kept rows in every later call: the same fills as a cached run without pruning', async () => {
    const whole = await sample(new ContextCacheFake(), canvas, { ...options, cacheRefresh: 4 });
    const denoiser = new ContextCacheFake();
    const result = await sample(denoiser, canvas, { ...options, cacheRefresh: 4, pruneAfter: 2, onPrune: () => [2] });
    assert.deepEqual(rowOf(result.tokens, 2), rowOf(whole.tokens, 2));
    const [before, after] = [denoiser.requests.slice(0, 2), denoiser.requests.slice(2)];
    assert.ok(before.every((r) => r.cache!.rows === undefined));
    assert.ok(after.length > 0 && after.every((r) => r.batch === 1 && Array.from(r.cache!.rows!).join() === '2'));
    assert.ok(after.some((r) => r.cache!.refresh) && after.some((r) => !r.cache!.refresh), 'a refresh and cached calls after the prune');
  });

  it('without pruneAfter, or with it past the last step, runs as before: the same calls and fills', async () => {
    const plain = new RecordingDenoiser();
    const expected = await sample(plain, canvas, options);
    for (const extra of [{}, { pruneAfter: 50 }]) {
      const denoiser = new RecordingDenoiser();
      let asked = 0;
      const result = await sample(denoiser, canvas, { ...options, ...extra, onPrune: () => (asked++, [0]) });
      assert.equal(asked, 0);
      assert.deepEqual(result, expected);
      assert.deepEqual(denoiser.requests, plain.requests);
    }
  });

  for (const bad of [0, -1, 1.5, Number.NaN]) {
    it(`refuses pruneAfter ${bad}`, async () => {
      await assert.rejects(sample(new RecordingDenoiser(), canvas, { ...options, pruneAfter: bad, onPrune: () => [0] }), (e: unknown) =>
        e instanceof InvalidRequestError && /pruneAfter must be an integer >= 1/.test(e.message));
    });
  }

  it('refuses pruneAfter without onPrune, and an answer that keeps no running row', async () => {
    await assert.rejects(sample(new RecordingDenoiser(), canvas, { ...options, pruneAfter: 1 }), /pruneAfter needs an onPrune hook/);
    for (const answer of [[], [3], [-1]]) {
      await assert.rejects(sample(new RecordingDenoiser(), canvas, { ...options, pruneAfter: 1, onPrune: () => answer }), (e: unknown) =>
        e instanceof InvalidRequestError && /onPrune must answer one or more of the running rows \[0, 1, 2\]/.test(e.message));
    }
  });
});
