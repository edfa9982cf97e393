import * as assert from 'node:assert/strict';
import { execFileSync, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { AbortedError, InferenceError, ModelLoadError } from '../../src/core/errors';
import { nullLogger } from '../../src/core/logger';
import { loadModel } from '../../src/model';
import { SessionHost } from '../../src/model/runtime/sessionHost';
import type { DenoiseRequest } from '../../src/sampler/types';
import { linesLogger } from './helpers/linesLogger';
import { testVocabSize, writeTestModelFolder, type TestGraphOptions } from './helpers/onnxTestModel';

/** The inference worker: a process of its own, so that it can be stopped whatever it is doing. */
const ROOT = packageRoot(__dirname);
const ENDLESS = path.join(ROOT, 'test', 'fixtures', 'endless-loop-model');
const MODEL_INDEX = path.join(ROOT, 'out', 'src', 'model', 'index.js');

function packageRoot(from: string): string {
  return existsSync(path.join(from, 'package.json')) ? from : packageRoot(path.dirname(from));
}

/** The inference workers `parent` has started (their command line names sessionWorker.js). */
function workersOf(parent: number): number[] {
  try {
    return execFileSync('pgrep', ['-P', String(parent), '-f', 'sessionWorker'], { encoding: 'utf8' }).trim().split('\n').map(Number);
  } catch {
    return []; // pgrep exits 1 when nothing matches
  }
}

const isAlive = (pid: number): boolean => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

async function eventually(condition: () => boolean, ms: number): Promise<boolean> {
  for (const end = Date.now() + ms; Date.now() < end; await sleep(50)) if (condition()) return true;
  return condition();
}

function request(queries = 1): DenoiseRequest {
  return {
    tokens: Int32Array.from([5, 1, 1, 1, 1, 1, 1, 1]),
    batch: 1,
    length: 8,
    positions: Int32Array.from({ length: queries }, (_, q) => q),
    queries,
    cond: undefined,
  };
}

/** Runs a Node script that loads `model/index.js` (its path is `MODEL`), with a deadline. */
function runScript(source: string, onStdout?: (text: string, child: ReturnType<typeof spawn>) => void) {
  const child = spawn(process.execPath, ['-e', `const MODEL = ${JSON.stringify(MODEL_INDEX)};\n${source}`], { stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk: Buffer) => {
    stdout += chunk.toString();
    onStdout?.(stdout, child);
  });
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  return new Promise<{ code: number | null; signal: NodeJS.Signals | null; stdout: string; stderr: string }>((resolve) =>
    child.on('close', (code, signal) => resolve({ code, signal, stdout, stderr })));
}

describe('the inference worker process', function () {
  this.timeout(30_000);
  let root: string;
  before(() => (root = mkdtempSync(path.join(tmpdir(), 'diffuse-worker-'))));
  after(() => rmSync(root, { recursive: true, force: true }));
  afterEach(async () => assert.ok(await eventually(() => workersOf(process.pid).length === 0, 3000), 'every worker has ended'));

  /**
   * The real inference worker with `InferenceSession.create` replaced by `body` (an async function
   * of `modelPath` and `options` that may call the real `create`): a provider that misbehaves.
   */
  const standInWorker = (name: string, body: string): string => {
    const file = path.join(root, `${name}-sessionWorker.js`);
    writeFileSync(file, `const ort = require(${JSON.stringify(require.resolve('onnxruntime-node'))});
const create = ort.InferenceSession.create;
ort.InferenceSession.create = async function (modelPath, options) {${body}
};
require(${JSON.stringify(path.join(ROOT, 'out', 'src', 'model', 'runtime', 'sessionWorker.js'))});
`);
    return file;
  };

  let folders = 0;
  const folder = (graph: TestGraphOptions = {}): string => writeTestModelFolder(path.join(root, `model-${folders++}`), { graph });

  describe('a model that never finishes (an endless Loop)', () => {
    it('fails to load after the timeout with an error naming model.onnx, and its worker is stopped', async () => {
      const started = Date.now();
      await assert.rejects(loadModel(ENDLESS, { executionProvider: 'cpu', timeoutMs: 1500 }), (e: unknown) => {
        assert.ok(e instanceof ModelLoadError, String(e));
        assert.equal(e.file, path.join(ENDLESS, 'model.onnx'));
        assert.match(e.reason, /onnxruntime did not finish a forward pass within 1\.5 s, so its worker process was stopped \(a graph that never finishes, such as an endless Loop, does this\)/);
        return true;
      });
      assert.ok(Date.now() - started < 10_000);
    });

    it('stops loading at once when the signal aborts', async () => {
      const controller = new AbortController();
      const loading = loadModel(ENDLESS, { executionProvider: 'cpu', signal: controller.signal });
      await eventually(() => workersOf(process.pid).length > 0, 5000);
      await sleep(300);
      const aborted = Date.now();
      controller.abort();
      await assert.rejects(loading, AbortedError);
      assert.ok(Date.now() - aborted < 1000);
    });

    it('is stopped by the CLI with exit code 1 and a one-line message', async () => {
      const cli = path.join(ROOT, 'dist', 'cli.js');
      const run = spawn(process.execPath, [cli, 'infill', '--model', ENDLESS, '--ep', 'cpu', '--timeout', '1'], { stdio: ['pipe', 'pipe', 'pipe'] });
      run.stdin.end('{"task_id":1,"prefix":"a"}\n');
      let stderr = '';
      run.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
      const code = await new Promise((resolve) => run.on('close', resolve));
      assert.equal(code, 1);
      assert.match(stderr, /^diffuse: cannot load the model: .*endless-loop-model\/model\.onnx: onnxruntime did not finish a forward pass within 1 s/m);
    });
  });

  describe('a GPU provider that never finishes (a stuck driver)', () => {
    /**
     * The real inference worker, but a session on 'webgpu' is created (on onnxruntime's CPU
     * provider) but never finishes a forward pass, and one on 'dml' or 'cuda' is never created.
     */
    const hangingWorker = (): string => standInWorker('hanging-gpu', `
  const provider = options.executionProviders[0];
  if (provider === 'dml' || provider === 'cuda') return new Promise(() => undefined);
  const session = await create.call(this, modelPath, { ...options, executionProviders: ['cpu'] });
  if (provider === 'webgpu') session.run = () => new Promise(() => undefined);
  return session;`);

    it('is given up after the timeout, creating the session or warming up, and the load falls back to CPU (past three such providers: three worker deaths in a row)', async () => {
      const lines: string[] = [];
      const logger = linesLogger(lines);
      const dir = folder();
      // 2 s: long enough for a fresh worker to start and open the tiny model on the CPU on a loaded machine
      const model = await loadModel(dir, { providers: ['webgpu', 'dml', 'cuda', 'cpu'], workerFile: hangingWorker(), timeoutMs: 2000, logger });
      try {
        assert.equal(model.provider, 'cpu');
        assert.equal((await model.denoiser.denoise(request())).length, testVocabSize);
        const file = path.join(dir, 'model.onnx');
        const failed = (provider: string, what: string, next: string): string =>
          `[model] ${provider} execution provider failed (${file}: onnxruntime did not finish ${what} within 2 s, so its worker process was stopped ` +
          `(a graph that never finishes, such as an endless Loop, does this)); falling back to ${next}`;
        for (const line of [failed('webgpu', 'a forward pass', 'dml'), failed('dml', 'creating the session', 'cuda'), failed('cuda', 'creating the session', 'cpu')]) {
          assert.ok(lines.includes(line), `${line}\nnot among\n${lines.join('\n')}`);
        }
      } finally {
        await model.dispose();
      }
    });
  });

  describe('a forward pass that never finishes after the model loaded', () => {
    it('fails with the file named, the stuck worker is replaced for the next run, and after three the host gives up', async () => {
      // A stand-in worker that opens any session and never answers a run.
      const workerFile = path.join(root, 'stuck-sessionWorker.js');
      writeFileSync(workerFile, `const { encodeFrame, FrameReader } = require(${JSON.stringify(path.join(ROOT, 'out', 'src', 'model', 'runtime', 'frames.js'))});
const reader = new FrameReader();
process.stdin.on('data', (chunk) => {
  for (const { header } of reader.push(chunk)) {
    if (header.kind === 'open') for (const b of encodeFrame({ id: header.id, ok: true, value: { inputs: [], outputs: [] }, cpu: process.cpuUsage() })) process.stdout.write(b);
  }
});
process.stdin.on('end', () => process.exit(0));`);
      const failures: Error[] = [];
      // 1.5 s: long enough for a fresh worker process to start and reopen on a loaded machine
      const host = new SessionHost({ timeoutMs: 1500, logger: nullLogger, onFailure: (e) => failures.push(e), workerFile });
      await host.open({ modelPath: '/models/m/model.onnx', provider: 'cpu', threads: 1 });
      const pids = new Set<number>();
      for (let i = 0; i < 3; i++) {
        // After the first, in a new worker that reopens the session.
        const running = assert.rejects(host.run({}, 'logits'), (e: unknown) =>
          e instanceof ModelLoadError && e.file === '/models/m/model.onnx' && /did not finish a forward pass within 1\.5 s/.test(e.reason));
        const fresh = (): number[] => workersOf(process.pid).filter((pid) => !pids.has(pid));
        await eventually(() => fresh().length === 1, 2000);
        pids.add(fresh()[0]);
        await running;
      }
      assert.equal(pids.size, 3, 'each stuck worker was replaced by a new process');
      assert.equal(failures.length, 1);
      await assert.rejects(host.run({}, 'logits'), (e: unknown) => e === failures[0]);
      await host.dispose();
    });
  });

  it("counts the worker's CPU time in the model's cpuUsage (the host process no longer sees it)", async () => {
    const model = await loadModel(path.join(ROOT, 'models', 'diffuse-small'), { executionProvider: 'cpu' });
    try {
      const big: DenoiseRequest = { ...request(32), tokens: new Int32Array(128).fill(1), length: 128 };
      const [own0, all0] = [process.cpuUsage(), model.cpuUsage()];
      for (let i = 0; i < 5; i++) await model.denoiser.denoise(big);
      const [own, all] = [process.cpuUsage(own0), model.cpuUsage(all0)];
      const ms = (u: NodeJS.CpuUsage): number => (u.user + u.system) / 1000;
      assert.ok(ms(all) > ms(own) + 20, `worker CPU counted: ${ms(all)} ms in all, ${ms(own)} ms in this process`);
    } finally {
      await model.dispose();
    }
  });

  describe('a worker that dies', () => {
    it('fails the run under way with an error naming the model, and is replaced for the next', async () => {
      const model = await loadModel(folder(), { executionProvider: 'cpu' });
      try {
        const [pid] = workersOf(process.pid);
        const expected = await model.denoiser.denoise(request());
        process.kill(pid, 'SIGKILL');
        await assert.rejects(model.denoiser.denoise(request()), (e: unknown) =>
          e instanceof InferenceError && e.message.startsWith(path.join(model.dir, 'model.onnx')) && /exited unexpectedly \(SIGKILL\)/.test(e.message));
        assert.deepEqual(await model.denoiser.denoise(request()), expected, 'a new worker serves the same session');
        assert.notEqual(workersOf(process.pid)[0], pid);
      } finally {
        await model.dispose();
      }
    });
  });

  describe('logits too large for one reply (thousands of rows)', () => {
    /**
     * The real inference worker, but a run of more than the warm-up's two positions answers logits
     * of just over 1 GiB: zero pages, never written to, which cost no memory until touched.
     */
    const hugeLogitsWorker = (): string => standInWorker('huge-logits', `
  const session = await create.call(this, modelPath, options);
  const run = session.run.bind(session);
  session.run = (feeds, fetches) => {
    const [batch, queries] = feeds.positions.dims;
    if (queries <= 2) return run(feeds, fetches);
    const width = Math.floor(2 ** 28 / (batch * queries)) + 1;
    return Promise.resolve({ logits: new ort.Tensor('float32', new Float32Array(batch * queries * width), [batch, queries, width]) });
  };
  return session;`);

    it('are refused as an ordinary error that says so, and the worker lives on to serve the next run', async () => {
      const model = await loadModel(folder(), { executionProvider: 'cpu', workerFile: hugeLogitsWorker() });
      try {
        const [pid] = workersOf(process.pid);
        await assert.rejects(model.denoiser.denoise(request(3)), (e: unknown) =>
          e instanceof InferenceError && /logits of \d+ bytes exceed the 1 GiB a reply may carry; ask for fewer rows/.test(e.message));
        assert.equal((await model.denoiser.denoise(request(2))).length, 2 * testVocabSize);
        assert.deepEqual(workersOf(process.pid), [pid], 'the same worker');
      } finally {
        await model.dispose();
      }
    });
  });

  describe('the process that hosts the worker', () => {
    const loadAndRun = `const { loadModel } = require(MODEL);
loadModel(${JSON.stringify(path.join(ROOT, 'test', 'fixtures', 'tiny-model'))}, { executionProvider: 'cpu' }).then((model) => {
  const workers = require('node:child_process').execFileSync('pgrep', ['-P', String(process.pid), '-f', 'sessionWorker'], { encoding: 'utf8' });
  console.log('workers', workers.trim().split('\\n').join(','));
  const run = () => model.denoiser.denoise({ tokens: new Int32Array(64).fill(1), batch: 1, length: 64, positions: Int32Array.from({ length: 32 }, (_, i) => i), queries: 32 });
  for (let i = 0; i < 50; i++) void run().catch(() => undefined);
  setTimeout(() => process.exit(0), 30); // mid-forward
});`;

    it('exits mid-forward cleanly (no SIGABRT) and takes its worker with it', async () => {
      const { code, signal, stdout, stderr } = await runScript(loadAndRun);
      assert.deepEqual([code, signal], [0, null], stderr);
      assert.doesNotMatch(stderr, /terminate called|Napi::Error|Aborted/);
      const workers = /workers ([\d,]+)/.exec(stdout)![1].split(',').map(Number);
      assert.ok(await eventually(() => workers.every((pid) => !isAlive(pid)), 3000), 'the worker is gone');
    });

    it('killed outright while its worker is stuck, leaves no orphan: the worker ends itself', async () => {
      const source = `const { loadModel } = require(MODEL);
void loadModel(${JSON.stringify(ENDLESS)}, { executionProvider: 'cpu' }).catch(() => undefined);
const poll = setInterval(() => {
  try {
    const pid = require('node:child_process').execFileSync('pgrep', ['-P', String(process.pid), '-f', 'sessionWorker'], { encoding: 'utf8' }).trim();
    console.log('worker', pid);
    clearInterval(poll);
  } catch {}
}, 100);`;
      let worker = 0;
      const { signal } = await runScript(source, (stdout, child) => {
        const match = /worker (\d+)/.exec(stdout);
        if (match && !worker) {
          worker = Number(match[1]);
          setTimeout(() => child.kill('SIGKILL'), 500); // the worker is inside the endless run by now
        }
      });
      assert.equal(signal, 'SIGKILL');
      assert.ok(worker > 0);
      assert.ok(await eventually(() => !isAlive(worker), 4000), `worker ${worker} ended itself`);
    });
  });

  describe('the warm-up check', () => {
    const expectRefusal = async (dir: string, reason: RegExp): Promise<void> => {
      await assert.rejects(loadModel(dir, { executionProvider: 'cpu' }), (e: unknown) => {
        assert.ok(e instanceof ModelLoadError, String(e));
        assert.equal(e.file, path.join(dir, 'model.onnx'));
        assert.match(e.reason, reason);
        return true;
      });
    };

    it('refuses +Infinity logits, naming the vocabulary id', async () => {
      await expectRefusal(folder({ weight: (_t, v) => (v === 7 ? Infinity : 0) }), /the warm-up run produced a logit of Infinity \(vocabulary id 7\)/);
    });

    it('refuses NaN logits', async () => {
      await expectRefusal(folder({ weight: (_t, v) => (v === 9 ? NaN : 0) }), /produced a logit of NaN \(vocabulary id 9\)/);
    });

    it('refuses rows where every token is -Infinity', async () => {
      await expectRefusal(folder({ weight: () => -Infinity }), /a row of logits that are all -Infinity/);
    });

    it('accepts -Infinity for some tokens (a token the model rules out) and in the mask column', async () => {
      const model = await loadModel(folder({ weight: (_t, v) => (v === 1 || v === 40 ? -Infinity : v % 5) }), { executionProvider: 'cpu' });
      await model.dispose();
    });

    it('refuses a graph that ignores the positions it is given', async () => {
      await expectRefusal(folder({ ignorePositions: true }), /did not swap its rows when positions \[7, 0\] became \[0, 7\]: the graph ignores its 'positions' input/);
    });

    it('refuses logits with a row per canvas position instead of per queried position', async () => {
      await expectRefusal(folder({ allPositions: true }), new RegExp(`shape \\[1, 8, ${testVocabSize}\\] for 1 row and 2 positions, expected \\[1, 2, ${testVocabSize}\\]`));
    });
  });
});
