import * as assert from 'node:assert/strict';
import { InvalidRequestError } from '../../src/core/errors';
import { DEFAULT_INFILL_OPTIONS, InfillEngine, type InfillOptions, type InfillRequest } from '../../src/infill';
import { pseudoLogLikelihoods, rerankRequest, type RerankTarget } from '../../src/infill/rerank';
import type { DenoiseRequest } from '../../src/sampler';
import { FakeDenoiser, fakeSpec, type Predict } from './helpers/fakeDenoiser';
import { FAKE_SPECIAL, FakeTokenizer } from './helpers/fakeTokenizer';

const { mask: MASK, pad: PAD } = FAKE_SPECIAL;
const VOCAB = fakeSpec().vocabSize;

/** log p of the id a `FakeDenoiser` puts `margin` on (every other id but the mask at logit 0). */
const logPredicted = (margin: number) => margin - Math.log(Math.exp(margin) + VOCAB - 2);
/** log p of any other id. */
const logOther = (margin: number) => -Math.log(Math.exp(margin) + VOCAB - 2);

describe('rerank: the pseudo-likelihood call (rerankRequest)', () => {
  // two rows of 8 positions; the hole is positions 2..5 (4 slots)
  const length = 8;
  const tokens = Int32Array.from([9, 9, 10, 11, 12, PAD, 9, 9, /* row 1 */ 9, 9, 20, 21, PAD, PAD, 9, 9]);
  // row 0 keeps 3 tokens and its first pad (4 scored); row 1 keeps 2 and its pad (3 scored), one slot after them
  const targets: RerankTarget[] = [
    { row: 0, holes: [{ start: 2, slots: 4, scored: 4 }] },
    { row: 1, holes: [{ start: 2, slots: 4, scored: 3 }] },
  ];
  const rowsOf = (request: DenoiseRequest) => Array.from({ length: request.batch }, (_, r) => Array.from(request.tokens.subarray(r * length, (r + 1) * length)));
  const positionsOf = (request: DenoiseRequest) => Array.from({ length: request.batch }, (_, r) => Array.from(request.positions.subarray(r * request.queries, (r + 1) * request.queries)));

  it('masks every copies-th scored slot per copy, offset by the copy, querying exactly those', () => {
    const { request, rows } = rerankRequest({ tokens }, length, targets, 2, MASK, PAD);
    assert.deepEqual(rows.map((r) => [r.target, r.masked]), [[0, [2, 4]], [0, [3, 5]], [1, [2, 4]], [1, [3]]]);
    assert.deepEqual([request.batch, request.length, request.queries], [4, length, 2]);
    assert.deepEqual(rowsOf(request), [
      [9, 9, MASK, 11, MASK, PAD, 9, 9],
      [9, 9, 10, MASK, 12, MASK, 9, 9],
      [9, 9, MASK, 21, MASK, PAD, 9, 9],
      [9, 9, 20, MASK, PAD, PAD, 9, 9],
    ]);
    assert.deepEqual(positionsOf(request), [[2, 4], [3, 5], [2, 4], [3, 3]], 'a short row repeats its last position');
    assert.equal(request.cache, undefined, 'no context kept: a full call');
  });

  it('masks every scored slot at once with one copy, one per copy with as many copies as slots', () => {
    const once = rerankRequest({ tokens }, length, targets, 1, MASK, PAD);
    assert.deepEqual(once.rows.map((r) => r.masked), [[2, 3, 4, 5], [2, 3, 4]]);
    for (const copies of [4, 100]) {
      const full = rerankRequest({ tokens }, length, targets, copies, MASK, PAD);
      assert.deepEqual(full.rows.map((r) => r.masked), [[2], [3], [4], [5], [2], [3], [4]]);
      assert.equal(full.request.queries, 1);
    }
  });

  it('sets the slots after the scored ones to padding: a line cut at its line break is scored as inserted', () => {
    const cut: RerankTarget[] = [{ row: 0, holes: [{ start: 2, slots: 4, scored: 2 }] }];
    const { request } = rerankRequest({ tokens }, length, cut, 2, MASK, PAD);
    assert.deepEqual(rowsOf(request), [[9, 9, MASK, 11, PAD, PAD, 9, 9], [9, 9, 10, MASK, PAD, PAD, 9, 9]]);
  });

  it("attends to the run's kept context: a cached call naming its fill, fresh positions and each copy's row", () => {
    const fresh = Int32Array.from([2, 3, 4, 5]);
    const { request } = rerankRequest({ tokens, context: { fill: 7, fresh } }, length, targets, 2, MASK, PAD);
    assert.deepEqual(request.cache, { fill: 7, fresh, refresh: false, rows: Int32Array.from([0, 0, 1, 1]) });
  });

  it('scores each target by the mean log-probability of its own tokens where masked', async () => {
    // sure (margin 30) of the true token at position 2, unsure (margin 1) of it elsewhere, and of a wrong id at 4
    const predict: Predict = (_row, position) => (position === 4 ? [99, 1] : [tokens[position], position === 2 ? 30 : 1]);
    const denoiser = new FakeDenoiser(fakeSpec(), predict);
    const [first, second] = await pseudoLogLikelihoods(denoiser, { tokens }, length, targets, 2);
    assert.equal(denoiser.requests.length, 1, 'one network call for every copy of every candidate');
    assert.ok(Math.abs(first - (logPredicted(30) + logPredicted(1) + logOther(1) + logPredicted(1)) / 4) < 1e-9);
    // the fake predicts row 0's tokens (and 99 at 4), none of row 1's
    assert.ok(Math.abs(second - (logOther(30) + logOther(1) + logOther(1)) / 3) < 1e-9);
  });
});

describe('InfillEngine with rerank', () => {
  // Lengths 2 and 4 at 'x = |': the 2-slot row writes 'a+', each token unsure (margin 1) while the
  // other is masked and sure (30) once it shows; the 4-slot row writes 'foo(1)' at margin 10
  // whatever it sees. Revealed one at a time, 'a+' scores mean(log p at 1, at 30) < 'foo(1)';
  // re-read with the rest of it showing, 'a+' is the surer fill.
  const OPTIONS: InfillOptions = { ...DEFAULT_INFILL_OPTIONS, lengths: [2, 4], lineTokens: undefined, nonEmpty: undefined, pruneAfter: undefined, maxTokens: 8, steps: 8, contextTokens: 64 };
  const request: InfillRequest = { text: 'x = \n', holes: [{ start: 4, end: 4 }] };

  async function setup(caching = false) {
    const tokenizer = new FakeTokenizer();
    const start = 1 + (await tokenizer.ids('x = ')).length;
    const ab = await tokenizer.ids('a+');
    const foo = await tokenizer.ids('foo(1)');
    const predict: Predict = (row, position) => {
      const slot = position - start;
      if (slot < 0 || slot >= 4) return row[position];
      if (row[start + 2] !== PAD) return [foo[slot], 10];
      if (slot >= 2) return PAD;
      return [ab[slot], row[start + 1 - slot] === MASK ? 1 : 30];
    };
    const denoiser = new FakeDenoiser(fakeSpec(), predict);
    if (caching) Object.assign(denoiser, { contextCache: true });
    return { start, denoiser, engine: new InfillEngine({ denoiser, tokenizer }) };
  }

  it('without it, ranks by the score at reveal: foo(1)', async () => {
    const { engine } = await setup();
    const result = await engine.fill(request, { ...OPTIONS, candidates: 2 });
    assert.deepEqual(result.candidates.map((c) => c.fills[0].text), ['foo(1)', 'a+']);
  });

  it('ranks by the pseudo-likelihood: the candidate the model prefers when re-reading it wins', async () => {
    const { engine, denoiser } = await setup();
    const result = await engine.fill(request, { ...OPTIONS, candidates: 2, rerank: 2 });
    assert.deepEqual(result.candidates.map((c) => c.fills[0].text), ['a+', 'foo(1)']);
    assert.ok(Math.abs(result.candidates[0].score - logPredicted(30)) < 1e-9, "'a+' with one token masked at a time");
    assert.ok(Math.abs(result.candidates[1].score - logPredicted(10)) < 1e-9);
    const call = denoiser.requests.at(-1)!;
    assert.deepEqual([call.batch, call.queries], [4, 2], "two copies of each candidate; 'foo(1)' masks two slots per copy");
    assert.equal(result.nfe, denoiser.requests.length, 'the rerank call counts');
  });

  it('with one copy masks the whole candidate, where the model is as unsure of a+ as at its first reveal', async () => {
    const { engine } = await setup();
    const result = await engine.fill(request, { ...OPTIONS, candidates: 2, rerank: 1 });
    assert.deepEqual(result.candidates.map((c) => c.fills[0].text), ['foo(1)', 'a+']);
    assert.ok(Math.abs(result.candidates[1].score - logPredicted(1)) < 1e-9);
  });

  it("on a context-cached run, attends to the run's kept context: only the hole positions run", async () => {
    const { start, denoiser, engine } = await setup(true);
    await engine.fill(request, { ...OPTIONS, rerank: 2, cacheRefresh: 16 });
    const sampled = denoiser.requests.slice(0, -1);
    const rerank = denoiser.requests.at(-1)!;
    assert.ok(sampled.every((r) => r.cache?.fill === sampled[0].cache!.fill));
    assert.deepEqual({ ...rerank.cache }, { fill: sampled[0].cache!.fill, refresh: false, fresh: Int32Array.from([0, 1, 2, 3], (s) => start + s), rows: Int32Array.from([0, 0, 1, 1]) });
  });

  it('serves a repeated fill from the cache, rerank scores and all', async () => {
    const { engine, denoiser } = await setup();
    const first = await engine.fill(request, { ...OPTIONS, rerank: 2 });
    const calls = denoiser.requests.length;
    const again = await engine.fill(request, { ...OPTIONS, rerank: 2 });
    assert.deepEqual([again.cached, again.nfe, denoiser.requests.length], [true, 0, calls]);
    assert.deepEqual(again.candidates, first.candidates);
    assert.equal((await engine.fill(request, { ...OPTIONS, rerank: 4 })).cached, false, 'other copies, other scores');
  });

  it('rescores only the rows still running: after pruning to one row, no rerank call', async () => {
    const { engine, denoiser } = await setup();
    const result = await engine.fill(request, { ...OPTIONS, rerank: 2, pruneAfter: 1 });
    assert.equal(result.nfe, denoiser.requests.length);
    assert.ok(denoiser.requests.slice(1).every((r) => r.batch === 1), 'no call beyond the kept row');
  });

  for (const bad of [0, -1, 2.5]) {
    it(`refuses rerank ${bad}`, async () => {
      const { engine } = await setup();
      await assert.rejects(engine.fill(request, { ...OPTIONS, rerank: bad }), (e: unknown) =>
        e instanceof InvalidRequestError && new RegExp(`rerank must be a positive integer, got ${bad}`).test(e.message));
    });
  }
});
