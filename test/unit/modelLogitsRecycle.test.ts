import * as assert from 'node:assert/strict';
import * as path from 'node:path';
import { loadModel, type LoadedModel } from '../../src/model';
import type { SessionHost } from '../../src/model/runtime/sessionHost';
import { sample, type Canvas, type Denoiser, type SampleOptions } from '../../src/sampler';

/** A test fixture model loaded on the CPU, one thread, for the enclosing suite (disposed after it). */
function fixtureModel(name: string): () => LoadedModel {
  let model: LoadedModel | undefined;
  before(async () => {
    model = await loadModel(path.resolve(__dirname, '../../../test/fixtures', name), { executionProvider: 'cpu', threads: 1 });
  });
  after(async () => model?.dispose());
  return () => model!;
}

/**
 * The logits arrays handed back (`Denoiser.recycle`) on the real path: the worker's answers read
 * into the session host's handed-back buffers (views of their start) and a refresh's two answers
 * joined into one (OnnxDenoiser.withLaterRows, the shared-past graph). The sampler goldens hold the
 * sampler to reading no array it handed back (fake denoisers); this holds the host to writing every
 * float of an answer it reads into a used buffer: each array handed back is poisoned with NaN
 * first, and the fills must be those of a run that hands nothing back.
 */
describe('logits arrays handed back to the model (tiny-model-kv-shared)', function () {
  this.timeout(30000);
  const loaded = fixtureModel('tiny-model-kv-shared');
  let model: LoadedModel;
  beforeEach(() => (model = loaded()));

  /** Three rows of one canvas as the engine's length search lays them out: 8, 5 and 3 of 8 hole slots open, the rest padding. */
  const canvas = (): Canvas => {
    const { maskId, padId } = model.denoiser.spec;
    const length = 40;
    const rows = [8, 5, 3].map((open) =>
      Array.from({ length }, (_, p) => (p < 20 || p >= 28 ? 2 + ((p * 37) % 1000) : p < 20 + open ? maskId : padId)));
    return { tokens: Int32Array.from(rows.flat()), batch: rows.length, length };
  };

  for (const [name, extra] of [
    ['a refresh every third call', { cacheRefresh: 3 }],
    ['a refresh every other call, two rows kept at step 2', { cacheRefresh: 2, pruneAfter: 2, onPrune: () => [0, 2] }],
  ] as const) {
    it(`fills as without handing back, each handed-back array poisoned: ${name}`, async () => {
      const options: SampleOptions = { steps: 8, strategy: 'confidence', temperature: 0, seed: 0, ...extra };
      const real = model.denoiser;
      const plain: Denoiser = { spec: real.spec, contextCache: real.contextCache, denoise: (r, s) => real.denoise(r, s) };
      const expected = await sample(plain, canvas(), options);

      const host = (real as unknown as { host: SessionHost }).host;
      const floats = host.floats.bind(host);
      let joined = 0;
      host.floats = (length) => (joined++, floats(length));
      const handedBack = new Set<ArrayBufferLike>();
      let views = 0;
      let reused = 0;
      const recycling: Denoiser = {
        spec: real.spec,
        contextCache: real.contextCache,
        denoise: async (r, s) => {
          const logits = await real.denoise(r, s);
          if (handedBack.has(logits.buffer)) reused++;
          if (logits.byteLength < logits.buffer.byteLength) views++;
          return logits;
        },
        recycle: (logits) => {
          handedBack.add(logits.buffer);
          logits.fill(NaN);
          real.recycle!(logits);
        },
      };
      try {
        const result = await sample(recycling, canvas(), options);
        assert.deepEqual(Array.from(result.tokens), Array.from(expected.tokens));
        result.confidence.forEach((c, i) => assert.ok(Number.isNaN(c) ? Number.isNaN(expected.confidence[i]!) : Math.abs(c - expected.confidence[i]!) <= 1e-6, `confidence[${i}]: ${c} vs ${expected.confidence[i]}`));
        assert.equal(result.nfe, expected.nfe);
      } finally {
        delete (host as { floats?: unknown }).floats;
      }
      assert.ok(joined > 0, 'no refresh joined its rows');
      assert.ok(reused > 0, 'no answer went into a handed-back buffer');
      assert.ok(views > 0, 'no answer was a view of a larger buffer');
    });
  }
});

/**
 * A graph that keeps a context per row (tiny-model-kv, no shared past): a refresh runs its first
 * row's call for the context, then every row cached against it, and the first answer, read by
 * nothing, goes back to the host's pool at once rather than to the collector.
 */
describe('logits arrays handed back to the model (tiny-model-kv, a context per row)', function () {
  this.timeout(30000);
  const loaded = fixtureModel('tiny-model-kv');

  it("hands a refresh's unread first answer back to the pool", async () => {
    const model = loaded();
    const { maskId } = model.denoiser.spec;
    const length = 32;
    const row = Array.from({ length }, (_, p) => (p >= 12 && p < 20 ? maskId : 2 + ((p * 37) % 1000)));
    const canvas: Canvas = { tokens: Int32Array.from([...row, ...row]), batch: 2, length };
    const real = model.denoiser;
    const host = (real as unknown as { host: SessionHost }).host;
    const recycle = host.recycle.bind(host);
    const seenBySampler = new Set<ArrayBufferLike>();
    const unread: Float32Array[] = [];
    host.recycle = (logits) => {
      if (!seenBySampler.has(logits.buffer)) unread.push(logits);
      recycle(logits);
    };
    const recycling: Denoiser = {
      spec: real.spec,
      contextCache: real.contextCache,
      denoise: async (r, s) => {
        const logits = await real.denoise(r, s);
        seenBySampler.add(logits.buffer);
        return logits;
      },
      recycle: (logits) => real.recycle!(logits),
    };
    try {
      await sample(recycling, canvas, { steps: 4, strategy: 'confidence', temperature: 0, seed: 0, cacheRefresh: 2 });
    } finally {
      delete (host as { recycle?: unknown }).recycle;
    }
    assert.ok(unread.length > 0, "no refresh's first answer was handed back");
  });
});
