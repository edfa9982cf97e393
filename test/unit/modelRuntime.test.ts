import * as assert from 'node:assert/strict';
import { AbortedError, InferenceError, ModelLoadError } from '../../src/core/errors';
import type { Logger } from '../../src/core/logger';
import { providerCandidates } from '../../src/model/runtime/executionProviders';
import { toBigInt64Array } from '../../src/model/runtime/int64';
import { openWithFallback } from '../../src/model/runtime/providerFallback';
import { SerialQueue } from '../../src/core/serialQueue';

function recordingLogger(lines: string[]): Logger {
  const record = (level: string) => (message: string) => lines.push(`${level} ${message}`);
  return { trace: record('trace'), debug: record('debug'), info: record('info'), warn: record('warn'), error: record('error') };
}

const tick = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

describe('model runtime pieces', () => {
  describe('providerCandidates', () => {
    const linux = { platform: 'linux' as const, cudaInstalled: false };
    it('tries WebGPU, then the platform provider, CUDA when installed, then CPU', () => {
      assert.deepEqual(providerCandidates('auto', linux), ['webgpu', 'cpu']);
      assert.deepEqual(providerCandidates('auto', { ...linux, cudaInstalled: true }), ['webgpu', 'cuda', 'cpu']);
      assert.deepEqual(providerCandidates('auto', { platform: 'win32', cudaInstalled: true }), ['webgpu', 'dml', 'cuda', 'cpu']);
      assert.deepEqual(providerCandidates('auto', { platform: 'darwin', cudaInstalled: false }), ['webgpu', 'coreml', 'cpu']);
    });
    it('leaves WebGPU out of the automatic choice where the only Vulkan drivers are software renderers, not out of an explicit one', () => {
      const emulated = { ...linux, softwareVulkan: ['libvulkan_lvp.so'] };
      assert.deepEqual(providerCandidates('auto', emulated), ['cpu']);
      assert.deepEqual(providerCandidates('auto', { ...emulated, cudaInstalled: true }), ['cuda', 'cpu']);
      assert.deepEqual(providerCandidates('webgpu', emulated), ['webgpu', 'cpu']);
    });
    it('keeps CPU behind an explicit choice', () => {
      assert.deepEqual(providerCandidates('cpu', linux), ['cpu']);
      assert.deepEqual(providerCandidates('dml', linux), ['dml', 'cpu']);
    });
  });

  describe('openWithFallback', () => {
    it('falls back past a provider that fails and logs why', async () => {
      const lines: string[] = [];
      const tried: string[] = [];
      const result = await openWithFallback(
        ['webgpu', 'cuda', 'cpu'],
        async (provider) => {
          tried.push(provider);
          if (provider === 'webgpu') throw new Error('no adapter\n');
          if (provider === 'cuda') throw new InferenceError('warm-up run failed');
          return `session on ${provider}`;
        },
        recordingLogger(lines),
      );
      assert.deepEqual(result, { value: 'session on cpu', provider: 'cpu', failed: ['webgpu', 'cuda'] });
      assert.deepEqual(tried, ['webgpu', 'cuda', 'cpu']);
      assert.deepEqual(lines, [
        'warn webgpu execution provider failed (no adapter); falling back to cuda',
        'warn cuda execution provider failed (warm-up run failed); falling back to cpu',
      ]);
    });

    it('logs expected failures (automatic choice) at debug level, the last one as a warning', async () => {
      const lines: string[] = [];
      const opening = openWithFallback(['webgpu', 'cpu'], async (p) => {
        throw new Error(`${p} is missing`);
      }, recordingLogger(lines), true);
      await assert.rejects(opening, InferenceError);
      assert.deepEqual(lines, [
        'debug webgpu execution provider failed (webgpu is missing); falling back to cpu',
        'warn cpu execution provider failed (cpu is missing)',
      ]);
    });

    it('stops at a model error: no provider can fix the model', async () => {
      const tried: string[] = [];
      const modelError = new ModelLoadError('/m/model.onnx', 'bad graph');
      const opening = openWithFallback(['webgpu', 'cpu'], async (p) => {
        tried.push(p);
        throw modelError;
      }, recordingLogger([]));
      await assert.rejects(opening, (e) => e === modelError);
      assert.deepEqual(tried, ['webgpu']);
    });

    it('reports every failure when all providers fail', async () => {
      const opening = openWithFallback(['webgpu', 'cpu'], async (p) => {
        throw new Error(`${p} is broken`);
      }, recordingLogger([]));
      await assert.rejects(opening, (e: unknown) => e instanceof InferenceError && /webgpu: webgpu is broken; cpu: cpu is broken/.test(e.message));
    });
  });

  describe('toBigInt64Array', () => {
    it('widens int32 values, negative ones and the extremes included', () => {
      const values = new Int32Array([0, 1, -1, 1023, -2147483648, 2147483647]);
      assert.deepEqual([...toBigInt64Array(values)], [...values].map((v) => BigInt(v)));
    });
  });

  describe('SerialQueue', () => {
    it('runs tasks one at a time in call order', async () => {
      const queue = new SerialQueue();
      const events: string[] = [];
      const task = (name: string) => async () => {
        events.push(`start ${name}`);
        await tick();
        events.push(`end ${name}`);
        return name;
      };
      const results = await Promise.all(['a', 'b', 'c'].map((n) => queue.enqueue(task(n))));
      assert.deepEqual(results, ['a', 'b', 'c']);
      assert.deepEqual(events, ['start a', 'end a', 'start b', 'end b', 'start c', 'end c']);
    });

    it('drops a waiting task whose signal aborts, without running it', async () => {
      const queue = new SerialQueue();
      const ran: string[] = [];
      const controller = new AbortController();
      const first = queue.enqueue(async () => {
        await tick();
        ran.push('first');
      });
      const second = queue.enqueue(async () => ran.push('second'), controller.signal);
      controller.abort();
      await assert.rejects(second, AbortedError);
      await first;
      await queue.enqueue(async () => undefined);
      assert.deepEqual(ran, ['first']);
    });

    it('rejects at once on a signal that is already aborted', async () => {
      await assert.rejects(new SerialQueue().enqueue(async () => 1, AbortSignal.abort()), AbortedError);
    });

    it('answers an aborted running task at once and still waits for it before the next', async () => {
      const queue = new SerialQueue();
      const controller = new AbortController();
      const events: string[] = [];
      let finish = (): void => undefined;
      const running = queue.enqueue(
        () => new Promise<void>((resolve) => (finish = () => { events.push('first done'); resolve(); })),
        controller.signal,
      );
      const next = queue.enqueue(async () => events.push('second ran'));
      await tick();
      controller.abort();
      await assert.rejects(running, AbortedError);
      assert.deepEqual(events, []);
      finish();
      await next;
      assert.deepEqual(events, ['first done', 'second ran']);
    });

    it('after close, rejects waiting and new tasks with the reason', async () => {
      const queue = new SerialQueue();
      const reason = new InferenceError('closed');
      let finish = (): void => undefined;
      const running = queue.enqueue(() => new Promise<string>((resolve) => (finish = () => resolve('finished'))));
      await tick();
      const waiting = queue.enqueue(async () => 'never');
      const closed = queue.close(reason);
      finish();
      assert.equal(await running, 'finished');
      await assert.rejects(waiting, (e) => e === reason);
      await closed;
      await assert.rejects(queue.enqueue(async () => 'never'), (e) => e === reason);
    });
  });
});
