import * as assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { AbortedError, InferenceError, InvalidRequestError, ModelLoadError } from '../../src/core/errors';
import { loadModel, type LoadedModel } from '../../src/model';
import { SessionHost } from '../../src/model/runtime/sessionHost';
import type { DenoiseRequest } from '../../src/sampler/types';
import { encodeOnnxModel } from './helpers/onnxGraph';
import { testVocabSize, testWeight, writeTestModelFolder } from './helpers/onnxTestModel';
import { requestOf } from './helpers/denoiseRequests';
import { linesLogger } from './helpers/linesLogger';

/** What the test graph computes: logits[b, q, v] = W[tokens[b, positions[b, q]], v] × cond[b]. */
function expectedLogits(request: DenoiseRequest): Float32Array {
  const { tokens, batch, length, positions, queries, cond } = request;
  const out = new Float32Array(batch * queries * testVocabSize);
  for (let b = 0; b < batch; b++) {
    for (let q = 0; q < queries; q++) {
      const token = tokens[b * length + positions[b * queries + q]];
      for (let v = 0; v < testVocabSize; v++) {
        out[(b * queries + q) * testVocabSize + v] = Math.fround(Math.fround(testWeight(token, v)) * (cond?.[b] ?? 1));
      }
    }
  }
  return out;
}

function request(rows: number[][], positions: number[][], cond?: number[]): DenoiseRequest {
  return requestOf(rows, positions, { cond: cond && Float32Array.from(cond) });
}

describe('loadModel and the inference worker', function () {
  this.timeout(30000);
  let root: string;
  let count = 0;
  const folder = (options?: Parameters<typeof writeTestModelFolder>[1]): string =>
    writeTestModelFolder(path.join(root, `model-${count++}`), options);

  before(() => {
    root = mkdtempSync(path.join(tmpdir(), 'diffuse-load-'));
  });
  after(() => rmSync(root, { recursive: true, force: true }));

  describe('a loaded model', () => {
    let model: LoadedModel;
    const lines: string[] = [];
    before(async () => {
      model = await loadModel(folder(), { executionProvider: 'cpu', threads: 1, logger: linesLogger(lines) });
    });
    after(() => model.dispose());

    it('reports its name, folder, spec, tokenizer and live provider, and logs the load', () => {
      assert.equal(model.name, 'test-model');
      assert.equal(model.provider, 'cpu');
      assert.equal(model.spec.vocabSize, testVocabSize);
      assert.equal(model.denoiser.spec, model.spec);
      assert.equal(model.tokenizer.vocabSize, testVocabSize);
      assert.ok(path.isAbsolute(model.dir));
      assert.ok(lines.some((l) => /^\[model\] loaded test-model in \d+ ms \(cpu\)$/.test(l)), lines.join('\n'));
    });

    it('computes logits [B, Q, V] for a batch', async () => {
      const req = request([[5, 1, 1, 70, 2, 0, 0, 0], [100, 200, 1, 1, 1, 9, 8, 7]], [[0, 3, 4], [1, 0, 7]]);
      assert.deepEqual(await model.denoiser.denoise(req), expectedLogits(req));
    });

    it('serializes concurrent calls and answers each with its own logits', async () => {
      const requests = Array.from({ length: 6 }, (_, i) => request([[i + 3, 1, 1, 1, 1, 1, 1, 40 + i]], [[0, 7]]));
      const order: number[] = [];
      const results = await Promise.all(requests.map((r, i) => model.denoiser.denoise(r).then((logits) => {
        order.push(i);
        return logits;
      })));
      results.forEach((logits, i) => assert.deepEqual(logits, expectedLogits(requests[i])));
      assert.deepEqual(order, [0, 1, 2, 3, 4, 5]);
    });

    it('rejects with AbortedError when aborted before its turn, and keeps serving', async () => {
      const controller = new AbortController();
      const running = model.denoiser.denoise(request([[3, 1, 1, 1, 1, 1, 1, 1]], [[0]]));
      const waiting = model.denoiser.denoise(request([[4, 1, 1, 1, 1, 1, 1, 1]], [[0]]), controller.signal);
      controller.abort();
      await assert.rejects(waiting, AbortedError);
      await running;
      await assert.rejects(model.denoiser.denoise(request([[4, 1, 1, 1, 1, 1, 1, 1]], [[0]]), AbortSignal.abort()), AbortedError);
      const req = request([[6, 1, 1, 1, 1, 1, 1, 1]], [[0]]);
      assert.deepEqual(await model.denoiser.denoise(req), expectedLogits(req));
    });

    it('refuses malformed requests with InvalidRequestError', async () => {
      const ok = request([[5, 1, 1, 1, 1, 1, 1, 1]], [[0]]);
      const bad: Array<[Partial<DenoiseRequest>, RegExp]> = [
        [{ batch: 2 }, /tokens has 8 ids, expected batch × length = 16/],
        [{ queries: 0 }, /queries must be a positive integer/],
        [{ tokens: Int32Array.of(5, 1, 1, 1, 1, 1, 1, testVocabSize) }, /token ids must lie in \[0, /],
        [{ positions: Int32Array.of(8) }, /positions must lie in \[0, 8\)/],
        [{ tokens: new Int32Array(65), length: 65 }, /length 65 exceeds the model's max_length 64/],
        [{ cond: Float32Array.of(0.5) }, /takes no cond input/],
      ];
      for (const [patch, message] of bad) {
        await assert.rejects(model.denoiser.denoise({ ...ok, ...patch }), (e: unknown) => e instanceof InvalidRequestError && message.test(e.message));
      }
    });
  });

  it('feeds cond to a conditioned model', async () => {
    const dir = folder({
      meta: { cond_kind: 'sigma', inputs: { input_ids: 'input_ids', positions: 'positions', cond: 'cond' } },
      graph: { cond: true },
    });
    const model = await loadModel(dir, { executionProvider: 'cpu' });
    try {
      const req = request([[7, 1, 1, 1, 1, 1, 1, 1], [9, 1, 1, 1, 1, 1, 1, 1]], [[0], [0]], [0.5, -2]);
      assert.deepEqual(await model.denoiser.denoise(req), expectedLogits(req));
      await assert.rejects(model.denoiser.denoise({ ...req, cond: undefined }), InvalidRequestError);
    } finally {
      await model.dispose();
    }
  });

  describe('execution providers', () => {
    it('falls back to CPU from a provider that cannot create a session, logging why', async () => {
      const lines: string[] = [];
      const model = await loadModel(folder(), { providers: ['no-such-provider', 'cpu'], logger: linesLogger(lines) });
      try {
        assert.equal(model.provider, 'cpu');
        assert.ok(lines.some((l) => /^\[model\] no-such-provider execution provider failed \(.*\); falling back to cpu$/.test(l)), lines.join('\n'));
      } finally {
        await model.dispose();
      }
    });

    it('fails with InferenceError, listing each reason, when no provider works', async () => {
      await assert.rejects(loadModel(folder(), { providers: ['no-such-provider', 'another-one'] }), (e: unknown) =>
        e instanceof InferenceError && /no-such-provider: .*; another-one: /.test(e.message));
    });

    it("uses 'auto' on this machine and reports the provider that is live", async () => {
      const model = await loadModel(folder(), { executionProvider: 'auto' });
      try {
        assert.ok(['webgpu', 'cuda', 'dml', 'coreml', 'cpu'].includes(model.provider), model.provider);
      } finally {
        await model.dispose();
      }
    });
  });

  describe('graphs that do not match meta.json', () => {
    const expectModelError = async (dir: string, reason: RegExp): Promise<void> => {
      await assert.rejects(loadModel(dir, { executionProvider: 'cpu' }), (e: unknown) => {
        assert.ok(e instanceof ModelLoadError, String(e));
        assert.equal(e.file, path.join(dir, 'model.onnx'));
        assert.match(e.reason, reason);
        return true;
      });
    };

    it('names an input missing from the graph', async () => {
      await expectModelError(folder({ graph: { names: { inputIds: 'tokens' } } }), /the graph has no input 'input_ids' named in meta\.json \(graph inputs: tokens: int64, positions: int64/);
    });

    it('names an output missing from the graph', async () => {
      await expectModelError(folder({ graph: { names: { logits: 'scores' } } }), /the graph has no output 'logits'/);
    });

    it('names a cond input meta.json does not know about', async () => {
      await expectModelError(folder({ graph: { cond: true } }), /graph input 'cond' is not named in meta\.json/);
    });

    it('names a cond input the graph lacks', async () => {
      const dir = folder({ meta: { cond_kind: 'sigma', inputs: { input_ids: 'input_ids', positions: 'positions', cond: 'cond' } } });
      await expectModelError(dir, /the graph has no input 'cond'/);
    });

    it('names a logits width that differs from vocab_size', async () => {
      await expectModelError(folder({ graph: { width: testVocabSize + 1 } }), new RegExp(`logits of shape \\[1, 2, ${testVocabSize + 1}\\], which do not end in meta\\.json's vocab_size ${testVocabSize}`));
    });

    it('names a well-formed file onnxruntime cannot load, with the runtime message', async () => {
      const dir = folder();
      writeFileSync(path.join(dir, 'model.onnx'), encodeOnnxModel({
        nodes: [{ op: 'NoSuchOperator', inputs: ['input_ids'], outputs: ['logits'] }],
        initializers: [],
        inputs: [{ name: 'input_ids', type: 7, dims: ['B', 'L'] }],
        outputs: [{ name: 'logits', type: 1, dims: ['B', 'Q', testVocabSize] }],
      }));
      await expectModelError(dir, /onnxruntime cannot load it: .*NoSuchOperator/);
    });
  });

  describe('dispose', () => {
    it('ends the worker: a run under way and later runs are cancelled, a second dispose is harmless', async () => {
      const model = await loadModel(folder(), { executionProvider: 'cpu' });
      const req = request([[5, 1, 1, 1, 1, 1, 1, 1]], [[0]]);
      const inFlight = assert.rejects(model.denoiser.denoise(req), (e: unknown) => e instanceof AbortedError && /released/.test(e.message));
      await model.dispose();
      await inFlight;
      await assert.rejects(model.denoiser.denoise(req), (e: unknown) => e instanceof AbortedError && /released/.test(e.message));
      await model.dispose();
    });
  });

  describe('a worker that dies', () => {
    const host = (script: string, onFailure?: (error: Error) => void): SessionHost => {
      const workerFile = path.join(root, 'worker.js');
      writeFileSync(workerFile, script);
      return new SessionHost({ timeoutMs: 5000, logger: linesLogger([]), onFailure, workerFile });
    };

    it('turns the death into an InferenceError naming the model, and gives up after three in a row', async () => {
      const failures: Error[] = [];
      const dying = host("process.stdin.once('data', () => process.exit(3));", (e) => failures.push(e));
      const open = () => dying.open({ modelPath: '/models/x/model.onnx', provider: 'cpu', threads: 1 });
      for (let i = 0; i < 3; i++) {
        await assert.rejects(open(), (e: unknown) =>
          e instanceof InferenceError && /^\/models\/x\/model\.onnx: the inference worker process exited unexpectedly \(code 3\)/.test(e.message));
      }
      assert.equal(failures.length, 1);
      assert.match(failures[0].message, /died 3 times in a row.*load the model again/);
      await assert.rejects(open(), (e: unknown) => e === failures[0]);
      await dying.dispose();
    });

    it('reports what the worker printed to stderr as it died', async () => {
      const dying = host("process.stdin.once('data', () => { process.stderr.write('Segmentation fault in libfoo\\n'); process.exit(139); });");
      await assert.rejects(dying.open({ modelPath: 'x', provider: 'cpu', threads: 1 }), /code 139\): Segmentation fault in libfoo/);
      await dying.dispose();
    });
  });

  it('refuses a bad threads option', async () => {
    await assert.rejects(loadModel(folder(), { threads: 0 }), InvalidRequestError);
  });

});
