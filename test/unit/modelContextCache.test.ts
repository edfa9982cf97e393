import * as assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { InferenceError, ModelLoadError } from '../../src/core/errors';
import { loadModel, type LoadedModel } from '../../src/model';
import type { DenoiseRequest } from '../../src/sampler';
import { contextRows } from '../../src/model/runtime/contextCacheFeeds';
import { inspectModelFolder, type InspectedModel } from '../../src/model/folder/modelFolder';
import { OnnxDenoiser } from '../../src/model/runtime/onnxDenoiser';
import { checkWarmUp } from '../../src/model/runtime/warmUp';
import { requestOf } from './helpers/denoiseRequests';
import { expectGoldenCases, maxAbsDiff, readLogitsGolden, type LogitsGolden } from './helpers/logitsGolden';
import { recordingHost, type HostCall } from './helpers/recordingHost';

// The context-cache fixture (training/diffuse/make_fixture.py --only=context-cache) and its PyTorch goldens.
const fixture = path.resolve(__dirname, '../../../test/fixtures/tiny-model-kv');

interface KvGolden extends LogitsGolden {
  cached_cases: Array<{ refresh_ids: number[][]; input_ids: number[][]; fresh: number[]; positions: number[][]; logits: number[][][]; full_logits: number[][][] }>;
}

const golden = readLogitsGolden<KvGolden>(fixture);

/** Whether process `pid` exists, a zombie not yet reaped included. */
function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

function request(ids: number[][], positions: number[][], cache?: DenoiseRequest['cache']): DenoiseRequest {
  return requestOf(ids, positions, cache ? { cache } : {});
}

/**
 * Every golden cached case through `model` (fills numbered from `fill`): a refresh, then the hole's
 * rows against its context, each within tolerance of PyTorch forward_cached(). Returns their logits.
 */
async function expectCachedCallsMatch(model: LoadedModel, fill: number): Promise<Float32Array[]> {
  const all: Float32Array[] = [];
  for (const [index, c] of golden.cached_cases.entries()) {
    const fresh = Int32Array.from(c.fresh);
    await model.denoiser.denoise(request(c.refresh_ids, c.positions, { fill: fill + index, refresh: true, fresh }));
    const logits = await model.denoiser.denoise(request(c.input_ids, c.positions, { fill: fill + index, refresh: false, fresh }));
    const worst = maxAbsDiff(logits, c.logits);
    assert.ok(worst <= golden.atol, `cached case ${index}: max |Δ| = ${worst}`);
    all.push(logits);
  }
  return all;
}

describe('context cache on the tiny-model-kv fixture (onnxruntime against PyTorch)', function () {
  this.timeout(30000);
  let model: LoadedModel;
  before(async () => {
    model = await loadModel(fixture, { executionProvider: 'cpu' });
  });
  after(async () => model.dispose());

  it('declares the cache, and its denoiser offers it', () => {
    assert.equal(model.meta.contextCache?.layers, 2);
    assert.equal(model.denoiser.contextCache, true);
  });

  it('a full call (no past, C = 0) gives the graph-without-cache logits of PyTorch forward()', async () => {
    await expectGoldenCases(model, golden);
  });

  it('a cached call of the hole rows gives PyTorch forward_cached() on the refresh\'s context', async () => {
    const cached = await expectCachedCallsMatch(model, 1000);
    for (const [index, logits] of cached.entries()) {
      // the cache is approximate: the context saw the hole before its tokens changed
      assert.ok(maxAbsDiff(logits, golden.cached_cases[index].full_logits) > golden.atol, 'the golden case should change the hole after the refresh');
    }
  });

  it('a cached call on an unchanged canvas equals the full recompute (1e-4)', async () => {
    const c = golden.cached_cases[0];
    const fresh = Int32Array.from(c.fresh);
    const full = await model.denoiser.denoise(request(c.input_ids, c.positions, { fill: 2000, refresh: true, fresh }));
    const cached = await model.denoiser.denoise(request(c.input_ids, c.positions, { fill: 2000, refresh: false, fresh }));
    const worst = full.reduce((w, x, i) => Math.max(w, Math.abs(x - cached[i])), 0);
    assert.ok(worst <= 1e-4, `max |Δ| = ${worst}`);
  });

  it("runs a full call when the kept context is another fill's (fallback), and keeps this one's", async () => {
    const c = golden.cached_cases[0];
    const fresh = Int32Array.from(c.fresh);
    await model.denoiser.denoise(request(c.refresh_ids, c.positions, { fill: 3000, refresh: true, fresh }));
    await model.denoiser.denoise(request(c.input_ids, c.positions, { fill: 3001, refresh: true, fresh }));
    // fill 3000 asks for a cached call, but the worker keeps 3001's context: a full call on input_ids
    const fallback = await model.denoiser.denoise(request(c.input_ids, c.positions, { fill: 3000, refresh: false, fresh }));
    assert.ok(maxAbsDiff(fallback, c.full_logits) <= golden.atol, 'the fallback is the full recompute');
    const cached = await model.denoiser.denoise(request(c.input_ids, c.positions, { fill: 3000, refresh: false, fresh }));
    assert.ok(maxAbsDiff(cached, c.full_logits) <= golden.atol, 'then cached against the context it kept');
  });

  it("refreshes rows that share their context with the first row's context: the same as a cached call against it", async () => {
    const c = golden.cached_cases[0];
    const fresh = Int32Array.from(c.fresh);
    const first = c.input_ids[0];
    const second = first.map((id, p) => (c.fresh.includes(p) ? c.input_ids[1][p] : id));
    const shared = await model.denoiser.denoise(request([first, second], c.positions, { fill: 5000, refresh: true, fresh }));
    const width = shared.length / 2;
    const full = await model.denoiser.denoise(request([first], [c.positions[0]]));
    await model.denoiser.denoise(request([first], [c.positions[0]], { fill: 5001, refresh: true, fresh }));
    const againstFirst = await model.denoiser.denoise(request([second], [c.positions[1]], { fill: 5001, refresh: false, fresh }));
    const worst = (a: Float32Array, b: Float32Array): number => a.reduce((w, x, i) => Math.max(w, Math.abs(x - b[i])), 0);
    assert.ok(worst(shared.subarray(0, width), full) <= 1e-4, 'the first row: its own context, unchanged canvas');
    assert.ok(worst(shared.subarray(width), againstFirst) <= 1e-4, "the second row: against the first row's context");
  });

  it('after pruning, a cached call of the kept rows equals a full call of those rows alone (1e-4)', async () => {
    const c = golden.cached_cases[0];
    const fresh = Int32Array.from(c.fresh);
    // three rows whose contexts differ, so a wrong row's context would show
    const contextPosition = contextRows(fresh, c.input_ids[0].length)[1]!;
    const third = c.input_ids[0].map((id, p) => (p === contextPosition ? (id + 1) % model.denoiser.spec.vocabSize : id));
    const rows = [c.input_ids[0], c.input_ids[1], third];
    const positions = [c.positions[0], c.positions[1], c.positions[0]];
    await model.denoiser.denoise(request(rows, positions, { fill: 7000, refresh: true, fresh }));
    const worst = (a: Float32Array, b: Float32Array): number => a.reduce((w, x, i) => Math.max(w, Math.abs(x - b[i])), 0);
    const kept = [0, 2];
    const cached = await model.denoiser.denoise(request(kept.map((r) => rows[r]), kept.map((r) => positions[r]), { fill: 7000, refresh: false, fresh, rows: Int32Array.from(kept) }));
    const full = await model.denoiser.denoise(request(kept.map((r) => rows[r]), kept.map((r) => positions[r])));
    assert.ok(worst(cached, full) <= 1e-4, `rows 0 and 2: max |Δ| = ${worst(cached, full)}`);
    // narrowed again, to row 2 alone: the kept context follows the rows
    const last = await model.denoiser.denoise(request([third], [positions[2]], { fill: 7000, refresh: false, fresh, rows: Int32Array.of(2) }));
    const alone = await model.denoiser.denoise(request([third], [positions[2]]));
    assert.ok(worst(last, alone) <= 1e-4, `row 2: max |Δ| = ${worst(last, alone)}`);
    const firstRowAlone = await model.denoiser.denoise(request([c.input_ids[0]], [positions[0]]));
    assert.ok(worst(alone, firstRowAlone) > 1e-3, "the rows' contexts differ: a wrong slice would show");
  });

  it('refuses cache rows that do not name one canvas row per batch row, ascending', async () => {
    const c = golden.cached_cases[0];
    const fresh = Int32Array.from(c.fresh);
    for (const rows of [[0], [1, 0], [0, 0]]) {
      await assert.rejects(model.denoiser.denoise(request(c.input_ids, c.positions, { fill: 7100, refresh: true, fresh, rows: Int32Array.from(rows) })),
        /cache\.rows must name the canvas row of each of the 2 rows, ascending/);
    }
  });

  it('forgets the kept context when a run fails (here its worker dies): the next call of the fill refreshes', async () => {
    const c = golden.cached_cases[0];
    const fresh = Int32Array.from(c.fresh);
    await model.denoiser.denoise(request(c.refresh_ids, c.positions, { fill: 6000, refresh: true, fresh }));
    const workers = execFileSync('pgrep', ['-P', String(process.pid), '-f', 'sessionWorker'], { encoding: 'utf8' }).trim().split('\n').map(Number);
    assert.equal(workers.length, 1, 'one inference worker');
    process.kill(workers[0]!, 'SIGKILL');
    await assert.rejects(model.denoiser.denoise(request(c.input_ids, c.positions, { fill: 6000, refresh: false, fresh })), InferenceError);
    // a new worker keeps nothing: this cached request runs as a full call (and keeps the context again)
    const recovered = await model.denoiser.denoise(request(c.input_ids, c.positions, { fill: 6000, refresh: false, fresh }));
    assert.ok(maxAbsDiff(recovered, c.full_logits) <= golden.atol, 'the full recompute');
  });

  it('refreshes when the worker that kept the context died between two calls of a fill: its replacement keeps none', async () => {
    const c = golden.cached_cases[0];
    const fresh = Int32Array.from(c.fresh);
    await model.denoiser.denoise(request(c.refresh_ids, c.positions, { fill: 6100, refresh: true, fresh }));
    const [worker] = execFileSync('pgrep', ['-P', String(process.pid), '-f', 'sessionWorker'], { encoding: 'utf8' }).trim().split('\n').map(Number);
    process.kill(worker!, 'SIGKILL');
    // once the process is reaped, its exit has been reported: the next call goes to a replacement
    for (const end = Date.now() + 3000; isAlive(worker!) && Date.now() < end;) await new Promise((resolve) => setTimeout(resolve, 20));
    assert.ok(!isAlive(worker!), 'the worker is gone');
    const logits = await model.denoiser.denoise(request(c.input_ids, c.positions, { fill: 6100, refresh: false, fresh }));
    assert.ok(maxAbsDiff(logits, c.full_logits) <= golden.atol, 'the full recompute');
  });

  it("refuses a cached call planned against a context that a call queued before it replaced, instead of running on the other fill's", async () => {
    const c = golden.cached_cases[0];
    const fresh = Int32Array.from(c.fresh);
    await model.denoiser.denoise(request(c.refresh_ids, c.positions, { fill: 7000, refresh: true, fresh }));
    // not serialized (as SharedDenoiser does for the editor): fill 7001's refresh is queued before
    // fill 7000's cached call, which was planned against fill 7000's context
    const [other, stale] = await Promise.allSettled([
      model.denoiser.denoise(request(c.input_ids, c.positions, { fill: 7001, refresh: true, fresh })),
      model.denoiser.denoise(request(c.input_ids, c.positions, { fill: 7000, refresh: false, fresh })),
    ]);
    assert.ok(other.status === 'fulfilled' && maxAbsDiff(other.value, c.full_logits) <= golden.atol, 'the refresh ran');
    assert.ok(stale.status === 'rejected', "the cached call did not run on fill 7001's context");
    assert.ok(stale.reason instanceof InferenceError);
    assert.match((stale.reason as Error).message, /kept context is #\d+, but this cached call was planned against #\d+: a call queued between them replaced it/);
    // the failure forgets the kept context: the fill's next call refreshes
    const again = await model.denoiser.denoise(request(c.input_ids, c.positions, { fill: 7000, refresh: false, fresh }));
    assert.ok(maxAbsDiff(again, c.full_logits) <= golden.atol, 'the full recompute');
  });

  it('refuses a cached call that queries a position outside the fresh rows', async () => {
    const c = golden.cached_cases[0];
    const fresh = Int32Array.from(c.fresh);
    await model.denoiser.denoise(request(c.input_ids, c.positions, { fill: 4000, refresh: true, fresh }));
    const outside = c.positions.map(() => [0, ...c.positions[0].slice(1)]);
    await assert.rejects(model.denoiser.denoise(request(c.input_ids, outside, { fill: 4000, refresh: false, fresh })), /position 0 is queried but not among the cache's fresh positions/);
  });
});

describe('the fused context-cache graph in onnxruntime-node (tiny-model-kv-fused: the same weights)', function () {
  // exported with onnxruntime's RotaryEmbedding, MultiHeadAttention and FastGelu (export --fused,
  // the pipeline's form before --shared_past): checked against tiny-model-kv's PyTorch goldens
  this.timeout(30000);
  let model: LoadedModel;
  before(async () => {
    model = await loadModel(path.resolve(fixture, '../tiny-model-kv-fused'), { executionProvider: 'cpu' });
  });
  after(async () => model.dispose());

  it('a full call gives PyTorch forward(), a cached call forward_cached() on the refresh\'s context', async () => {
    assert.equal(model.denoiser.contextCache, true);
    await expectGoldenCases(model, golden);
    await expectCachedCallsMatch(model, 5000);
  });
});

describe('the shared-past graph in onnxruntime-node (tiny-model-kv-shared: the same weights, one context for every row)', function () {
  this.timeout(30000);
  let shared: LoadedModel;
  let copied: LoadedModel;
  before(async () => {
    shared = await loadModel(path.resolve(fixture, '../tiny-model-kv-shared'), { executionProvider: 'cpu' });
    copied = await loadModel(path.resolve(fixture, '../tiny-model-kv-fused'), { executionProvider: 'cpu' });
  });
  after(async () => Promise.all([shared.dispose(), copied.dispose()]));

  it('a full call gives PyTorch forward(), a cached call forward_cached() on the refresh\'s context', async () => {
    assert.equal(shared.meta.contextCache?.sharedPast, true);
    await expectGoldenCases(shared, golden);
    await expectCachedCallsMatch(shared, 5100);
  });

  it('rows that share their context get from its one copy what the fused graph gives from one copy a row, before and after a prune', async () => {
    const c = golden.cached_cases[0];
    const fresh = Int32Array.from(c.fresh);
    const first = c.input_ids[0];
    const rows = [first, first.map((id, p) => (c.fresh.includes(p) ? c.input_ids[1][p] : id)), first.map((id, p) => (p === c.fresh[0] ? 43 : id))];
    const positions = rows.map(() => c.positions[0]);
    const fill = async (model: LoadedModel): Promise<Float32Array[]> => [
      await model.denoiser.denoise(request(rows, positions, { fill: 5200, refresh: true, fresh })),
      await model.denoiser.denoise(request(rows, positions, { fill: 5200, refresh: false, fresh })),
      await model.denoiser.denoise(request([rows[2]], [positions[2]], { fill: 5200, refresh: false, fresh, rows: Int32Array.of(2) })),
    ];
    const [fromShared, fromCopies] = [await fill(shared), await fill(copied)];
    fromShared.forEach((logits, call) => assert.ok(maxAbsDiff(logits, fromCopies[call]!) <= 1e-4, `call ${call}: max |Δ| ${maxAbsDiff(logits, fromCopies[call]!)}`));
    assert.ok(maxAbsDiff(fromShared[1]!.subarray(0, fromShared[2]!.length), fromShared[1]!.subarray(2 * fromShared[2]!.length)) > 1e-3, 'the rows\' holes differ');
  });
});

describe('a context_cache declaration and the graph must agree (loadModel)', function () {
  this.timeout(30000);
  let root: string;
  before(() => {
    root = mkdtempSync(path.join(tmpdir(), 'diffuse-kv-'));
  });
  after(() => rmSync(root, { recursive: true, force: true }));

  /** A copy of `source` whose meta.json is changed by `edit`. */
  const copyWithMeta = (source: string, name: string, edit: (meta: Record<string, unknown>) => void): string => {
    const dir = path.join(root, name);
    cpSync(source, dir, { recursive: true });
    const meta = JSON.parse(readFileSync(path.join(dir, 'meta.json'), 'utf8')) as Record<string, unknown>;
    edit(meta);
    writeFileSync(path.join(dir, 'meta.json'), JSON.stringify(meta));
    return dir;
  };

  it('refuses a cache graph whose meta.json does not declare it, naming the input nothing would feed', async () => {
    const dir = copyWithMeta(fixture, 'undeclared', (meta) => delete meta.context_cache);
    await assert.rejects(loadModel(dir, { executionProvider: 'cpu' }), (e: unknown) =>
      e instanceof ModelLoadError && e.file === path.join(dir, 'model.onnx') && /graph input 'row_positions' is not named in meta\.json/.test(e.reason));
  });

  it('refuses a declaration on a graph without the cache inputs, naming the missing input', async () => {
    const kv = JSON.parse(readFileSync(path.join(fixture, 'meta.json'), 'utf8')) as Record<string, unknown>;
    const dir = copyWithMeta(path.resolve(fixture, '../tiny-model'), 'declared', (meta) => (meta.context_cache = kv.context_cache));
    await assert.rejects(loadModel(dir, { executionProvider: 'cpu' }), (e: unknown) =>
      e instanceof ModelLoadError && /the graph has no input 'row_positions' named in meta\.json/.test(e.reason));
  });

  it('refuses shared_past on a graph that wants the past in the rows\' batch, naming the field', async () => {
    const dir = copyWithMeta(path.resolve(fixture, '../tiny-model-kv-fused'), 'not-shared', (meta) => ((meta.context_cache as Record<string, unknown>).shared_past = true));
    await assert.rejects(loadModel(dir, { executionProvider: 'cpu' }), (e: unknown) =>
      e instanceof ModelLoadError && e.file === path.join(dir, 'model.onnx') && /meta\.json's context_cache\.shared_past \(true\) promises/.test(e.reason));
  });

  it("refuses layers, heads or head_dim that differ from the graph's past, naming meta.json and the field", async () => {
    for (const [field, size, message] of [
      ['layers', 3, /^context_cache\.layers is 3, but the graph's input 'past_key' has 2 \(model\.onnx: \[2, B, 2, C, 16\]\)$/],
      ['heads', 4, /^context_cache\.heads is 4, but the graph's input 'past_key' has 2 \(model\.onnx: \[2, B, 2, C, 16\]\)$/],
      ['head_dim', 8, /^context_cache\.head_dim is 8, but the graph's input 'past_key' has 16 \(model\.onnx: \[2, B, 2, C, 16\]\)$/],
    ] as const) {
      const dir = copyWithMeta(fixture, `wrong-${field}`, (meta) => ((meta.context_cache as Record<string, unknown>)[field] = size));
      await assert.rejects(loadModel(dir, { executionProvider: 'cpu' }), (e: unknown) => {
        assert.ok(e instanceof ModelLoadError, `${field}: ${String(e)}`);
        assert.equal(e.file, path.join(dir, 'meta.json'));
        assert.match(e.reason, message);
        return true;
      });
    }
  });

  it('leaves a model without the declaration as it was: no cache offered', async () => {
    const model = await loadModel(path.resolve(fixture, '../tiny-model'), { executionProvider: 'cpu' });
    try {
      assert.equal(model.meta.contextCache, undefined);
      assert.equal(model.denoiser.contextCache, false);
    } finally {
      await model.dispose();
    }
  });
});

describe('the context cache is used on the CPU provider only (bench/README.md §5: on WebGPU full calls were faster)', function () {
  this.timeout(30000);
  let inspected: InspectedModel;
  before(async () => {
    inspected = await inspectModelFolder(fixture);
  });

  const denoiserOn = (provider: string): { denoiser: OnnxDenoiser; calls: HostCall[] } => {
    const { host, calls } = recordingHost(inspected);
    return { denoiser: new OnnxDenoiser(inspected.spec, inspected.meta, host, provider), calls };
  };

  /** A refresh of two rows that share their context, then a call of the same fill that asks for no refresh. */
  const refreshThenCached = async (denoiser: OnnxDenoiser): Promise<void> => {
    const c = golden.cached_cases[0];
    const fresh = Int32Array.from(c.fresh);
    const first = c.input_ids[0];
    const second = first.map((id, p) => (c.fresh.includes(p) ? c.input_ids[1][p] : id));
    await denoiser.denoise(request([first, second], c.positions, { fill: 1, refresh: true, fresh }));
    await denoiser.denoise(request([first, second], c.positions, { fill: 1, refresh: false, fresh }));
  };

  it('on the CPU provider a cache graph is offered as a cache: a refresh keeps the context, the next call runs the holes against it', async () => {
    const { denoiser, calls } = denoiserOn('cpu');
    assert.equal(denoiser.contextCache, true);
    await refreshThenCached(denoiser);
    // the shared refresh: the first row's canvas keeping its context, then every row's holes against it; then the cached call
    assert.deepEqual(calls.map((call) => (call.cache?.keep ? 'keep' : call.cache?.past ? 'past' : 'full')), ['keep', 'past', 'past']);
  });

  for (const provider of ['webgpu', 'cuda', 'dml', 'coreml']) {
    it(`on ${provider} a cache graph is not offered, and every call is a full call of the whole canvas that keeps nothing`, async () => {
      const { denoiser, calls } = denoiserOn(provider);
      assert.equal(denoiser.contextCache, false);
      await refreshThenCached(denoiser);
      const cache = inspected.meta.contextCache!;
      const length = golden.cached_cases[0].input_ids[0].length;
      assert.equal(calls.length, 2, 'one run a call');
      for (const call of calls) {
        assert.equal(call.cache, undefined, 'the worker neither keeps nor feeds a context');
        assert.deepEqual(call.feeds[inspected.meta.inputs.inputIds!]!.dims, [2, length], 'the whole canvas of each row');
        assert.deepEqual(call.feeds[cache.pastKey]!.dims, [cache.layers, 2, cache.heads, 0, cache.headDim], 'an empty past');
        assert.deepEqual(Array.from(call.feeds[cache.rowPositions]!.data as ArrayLike<number>).slice(0, length), Array.from({ length }, (_, p) => p));
      }
    });
  }

  it("warms up the cache only where it is used (the CPU provider's three runs more: a shared refresh, then a cached call)", async () => {
    const onCpu = denoiserOn('cpu');
    await checkWarmUp(onCpu.denoiser, inspected.meta, inspected.files.model, 'cpu');
    assert.equal(onCpu.calls.filter((call) => call.cache?.past).length, 2, "the refresh's rows and the next call, cached, on the CPU provider");
    const onGpu = denoiserOn('webgpu');
    await checkWarmUp(onGpu.denoiser, inspected.meta, inspected.files.model, 'webgpu');
    assert.equal(onGpu.calls.length, onCpu.calls.length - 3);
    assert.ok(onGpu.calls.every((call) => call.cache === undefined), 'no refresh and no cached call on webgpu');
  });

  describe('loadModel, with a worker whose webgpu provider is a stand-in', () => {
    let root: string;
    before(() => {
      root = mkdtempSync(path.join(tmpdir(), 'diffuse-kv-provider-'));
    });
    after(() => rmSync(root, { recursive: true, force: true }));

    /**
     * The real inference worker, but a session asked for on 'webgpu' fails to open (`fails`) or
     * runs on onnxruntime's CPU provider while the engine believes it is on webgpu.
     */
    const standInWorker = (fails: boolean): string => {
      const file = path.join(root, `webgpu-${fails ? 'fails' : 'on-cpu'}-worker.js`);
      const answer = fails
        ? "return Promise.reject(new Error('no WebGPU adapter (the test worker)'));"
        : "return create.call(this, modelPath, { ...options, executionProviders: ['cpu'] });";
      writeFileSync(file, `const ort = require(${JSON.stringify(require.resolve('onnxruntime-node'))});
const create = ort.InferenceSession.create;
ort.InferenceSession.create = function (modelPath, options) {
  if (options.executionProviders[0] !== 'webgpu') return create.call(this, modelPath, options);
  ${answer}
};
require(${JSON.stringify(path.resolve(__dirname, '../../src/model/runtime/sessionWorker.js'))});
`);
      return file;
    };

    it('a session on webgpu makes full calls: a call that asks for no refresh gives the full recompute', async () => {
      const model = await loadModel(fixture, { providers: ['webgpu', 'cpu'], workerFile: standInWorker(false) });
      try {
        assert.equal(model.provider, 'webgpu');
        assert.equal(model.denoiser.contextCache, false);
        const c = golden.cached_cases[0];
        const fresh = Int32Array.from(c.fresh);
        await model.denoiser.denoise(request(c.refresh_ids, c.positions, { fill: 1, refresh: true, fresh }));
        const logits = await model.denoiser.denoise(request(c.input_ids, c.positions, { fill: 1, refresh: false, fresh }));
        // the cached call's answer (c.logits) differs from this by more than atol (the test of cached calls above)
        assert.ok(maxAbsDiff(logits, c.full_logits) <= golden.atol, 'the full recompute, not a cached call');
      } finally {
        await model.dispose();
      }
    });

    it('a load whose webgpu provider fails falls back to the CPU provider, and there uses the cache', async () => {
      const model = await loadModel(fixture, { providers: ['webgpu', 'cpu'], workerFile: standInWorker(true) });
      try {
        assert.equal(model.provider, 'cpu');
        assert.equal(model.denoiser.contextCache, true);
        await expectCachedCallsMatch(model, 1);
      } finally {
        await model.dispose();
      }
    });
  });
});

describe("a graph with shared_past is fed a shared context once, not once a row (meta.json context_cache.shared_past)", function () {
  this.timeout(30000);
  let inspected: InspectedModel;
  before(async () => {
    inspected = await inspectModelFolder(fixture);
  });

  /** The three-row refresh that shares its context, a cached call of the three, then of row 1 alone (a pruned fill). */
  const sharedFill = async (sharedPast: boolean): Promise<HostCall[]> => {
    const { host, calls } = recordingHost(inspected);
    const meta = { ...inspected.meta, contextCache: { ...inspected.meta.contextCache!, sharedPast } };
    const denoiser = new OnnxDenoiser(inspected.spec, meta, host, 'cpu');
    const c = golden.cached_cases[0];
    const fresh = Int32Array.from(c.fresh);
    const first = c.input_ids[0];
    const rows = [first, first.map((id, p) => (c.fresh.includes(p) ? c.input_ids[1][p] : id)), first];
    const positions = [c.positions[0], c.positions[0], c.positions[0]];
    await denoiser.denoise(request(rows, positions, { fill: 1, refresh: true, fresh }));
    await denoiser.denoise(request(rows, positions, { fill: 1, refresh: false, fresh }));
    await denoiser.denoise(request([rows[1]], [positions[1]], { fill: 1, refresh: false, fresh, rows: Int32Array.of(1) }));
    return calls;
  };

  it('keeps one copy of the first row\'s context, and feeds it as it is to three rows and then to the pruned one', async () => {
    const calls = await sharedFill(true);
    assert.equal(calls.length, 4, 'the first row\'s canvas, the two later rows\' holes, the next call, the pruned call');
    assert.equal(calls[0]!.cache?.keep?.copies, 1);
    const rowsOf = (call: HostCall) => call.feeds[inspected.meta.inputs.inputIds!]!.dims[0];
    assert.deepEqual(calls.map(rowsOf), [1, 2, 3, 1], "the refresh answers the first row from its full call, the others cached");
    for (const call of calls.slice(1)) assert.deepEqual(call.cache?.past && { ...call.cache.past }, { key: inspected.meta.contextCache!.pastKey, value: inspected.meta.contextCache!.pastValue });
  });

  it('without it keeps the context once a row, and narrows it to the pruned row', async () => {
    const calls = await sharedFill(false);
    assert.equal(calls[0]!.cache?.keep?.copies, 3);
    assert.equal(calls[2]!.cache?.past?.batchRows, undefined);
    assert.deepEqual(calls[3]!.cache?.past?.batchRows, [1]);
  });
});
