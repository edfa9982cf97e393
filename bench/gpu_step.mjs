// GPU step time, node side: milliseconds per denoiser forward in onnxruntime-node for one session
// variant, at each canvas length and batch, on the inputs bench/gpu_step_torch.py builds the same
// way (so the two sides time the same weights on the same input). One variant per process, so a
// variant that crashes the provider costs only its own numbers. bench/gpu.sh runs every variant.
//
//   node bench/gpu_step.mjs --model DIR [--model-file FILE] --variant NAME [--lengths 128,256,512]
//        [--batches 1,4] [--queries 32] [--runs 50] [--warmup 5] [--out FILE] [--profile DIR]
//   (after npm run compile-tests: it reads the engine's meta parser and call plans from out/)
//
// Variants: cpu (CPU provider, all cores), webgpu (defaults), webgpu-novalid (validationMode
// 'disabled'), webgpu-gpuout (logits stay on the GPU, never downloaded), webgpu-capture (graph
// capture via the session config entry, logits on the GPU), webgpu-tuned (novalid + gpuout +
// 'simple' storage buffer cache). Time per forward = session.run on CPU input tensors until the
// logits are readable on the CPU (what the sampler needs); the three variants that keep the logits
// on the GPU report only enqueueP50Ms, the time session.run takes to queue the work, as Node can
// neither read them back (readLogits) nor wait for the device.
import { createRequire } from 'node:module';
import { readFileSync, writeFileSync, mkdirSync, readdirSync } from 'node:fs';
import { availableParallelism, cpus } from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';

// createRequire honours NODE_PATH (bench/gpu.sh points it at the unpacked onnxruntime-node).
const require = createRequire(import.meta.url);
// onnxruntime-node's telemetry off before it loads, as in the extension's worker (src/model/runtime/runtimeTelemetry.ts)
process.env.ORT_DISABLE_TELEMETRY = '1';
const ort = require('onnxruntime-node');
// the engine's own meta parser and call plans, compiled (npm run compile-tests; gpu.sh carries out/)
const { parseMeta } = require('../out/src/model/folder/meta.js');
const { planFeeds, uncachedCall } = require('../out/src/model/runtime/contextCacheFeeds.js');
const { ortFeeds } = require('../out/src/model/runtime/ortTensor.js');

const args = Object.fromEntries(
  process.argv.slice(2).map((a, i, all) => (a.startsWith('--') ? [a.slice(2).split('=')[0], a.includes('=') ? a.split('=').slice(1).join('=') : all[i + 1]] : null)).filter(Boolean),
);
const modelDir = args.model ?? 'models/diffuse-small';
const modelFile = args['model-file'] ?? path.join(modelDir, 'model.onnx');
const variant = args.variant ?? 'webgpu';
const lengths = (args.lengths ?? '128,256,512').split(',').map(Number);
const batches = (args.batches ?? '1,4').split(',').map(Number);
const Q = Number(args.queries ?? 32);
const runs = Number(args.runs ?? 50);
const warmup = Number(args.warmup ?? 5);
const metaFile = path.join(modelDir, 'meta.json');
const meta = parseMeta(metaFile, readFileSync(metaFile, 'utf8'));
const V = meta.spec.vocabSize;
// the logits alone: a context-cache graph also returns the rows' keys and values (12.6 MB a run at
// B = 1, L = 256), which the sampler never reads on a full call and PyTorch's side does not copy
const FETCHES = [meta.outputs.logits];

/**
 * The shared input: ids[b, i] = 3 + (b * 1000003 + i * 7919) mod (V - 3), q masks mid-canvas,
 * positions = the masks; fed as the engine's full call of this graph (a context-cache graph's
 * adds each row's positions and an empty past).
 */
function inputs(B, L, q) {
  const tokens = new Int32Array(B * L);
  const positions = new Int32Array(B * q);
  const start = Math.floor((L - q) / 2);
  for (let b = 0; b < B; b++) {
    for (let i = 0; i < L; i++) tokens[b * L + i] = 3 + ((b * 1000003 + i * 7919) % (V - 3));
    for (let k = 0; k < q; k++) {
      tokens[b * L + start + k] = meta.spec.maskId;
      positions[b * q + k] = start + k;
    }
  }
  const base = { inputIds: { type: 'int64', data: tokens, dims: [B, L] }, positions: { type: 'int64', data: positions, dims: [B, q] } };
  return ortFeeds(ort, planFeeds(meta.inputs, uncachedCall(meta, { batch: B, length: L }, base)));
}

/** The shared input, as far as `session` reads it. */
function feedsFor(session, B, L, q) {
  const all = inputs(B, L, q);
  const missing = session.inputNames.filter((name) => !(name in all));
  if (missing.length > 0) throw new Error(`the graph reads ${missing.join(', ')}, which this benchmark does not feed`);
  return Object.fromEntries(session.inputNames.map((name) => [name, all[name]]));
}

function sessionOptions(name) {
  const base = { graphOptimizationLevel: 'all', logSeverityLevel: 3 };
  if (args.profile) Object.assign(base, { enableProfiling: true, profileFilePrefix: path.join(args.profile, `ort-${name}`) });
  switch (name) {
    case 'cpu':
      return { ...base, executionProviders: ['cpu'], intraOpNumThreads: availableParallelism(), interOpNumThreads: 1, executionMode: 'sequential' };
    case 'webgpu':
      return { ...base, executionProviders: ['webgpu'] };
    case 'webgpu-novalid':
      return { ...base, executionProviders: [{ name: 'webgpu', validationMode: 'disabled' }] };
    case 'webgpu-gpuout':
      return { ...base, executionProviders: ['webgpu'], preferredOutputLocation: 'gpu-buffer' };
    case 'webgpu-capture':
      return { ...base, executionProviders: ['webgpu'], preferredOutputLocation: 'gpu-buffer', extra: { 'ep.webgpuexecutionprovider.enableGraphCapture': '1' } };
    case 'webgpu-tuned':
      return { ...base, executionProviders: [{ name: 'webgpu', validationMode: 'disabled', storageBufferCacheMode: 'simple' }], preferredOutputLocation: 'gpu-buffer' };
    default:
      throw new Error(`unknown variant ${name}`);
  }
}

const pct = (xs, p) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.max(0, Math.ceil(p * s.length) - 1)];
};
const r3 = (x) => Math.round(x * 1000) / 1000;

/**
 * The logits on the host, or undefined where they stayed on the device: onnxruntime-node 1.30
 * cannot read a 'gpu-buffer' output back (its Tensor.getData throws a C string through the native
 * binding, an uncaught C++ exception that aborts the process: "terminate called after throwing an
 * instance of 'char const*'", seen on the H200 and on SwiftShader alike, where it was first read as
 * the variants failing to create their session). Such an output is released instead, as it must be.
 */
function readLogits(out) {
  const t = out[FETCHES[0]];
  if (t.location === 'cpu') return t.data;
  t.dispose();
  return undefined;
}

function argmaxRows(data, rows) {
  const out = [];
  for (let r = 0; r < rows; r++) {
    let best = 0;
    for (let v = 1; v < V; v++) if (data[r * V + v] > data[r * V + best]) best = v;
    out.push(best);
  }
  return out;
}

async function main() {
  const report = {
    side: 'onnxruntime-node',
    variant,
    modelFile,
    ort: require('onnxruntime-node/package.json').version,
    node: process.version,
    cpu: `${cpus()[0]?.model} x${availableParallelism()}`,
    queries: Q,
    runs,
    results: [],
  };
  const out = args.out;
  const save = () => out && writeFileSync(out, JSON.stringify(report, null, 1));
  let session;
  const t0 = performance.now();
  try {
    session = await ort.InferenceSession.create(modelFile, sessionOptions(variant));
  } catch (error) {
    report.error = `create: ${error.message}`;
    save();
    console.error(report.error);
    process.exitCode = 1;
    return;
  }
  report.createMs = r3(performance.now() - t0);
  for (const L of lengths) {
    for (const B of batches) {
      const q = Math.min(Q, L);
      const row = { L, B, Q: q };
      report.results.push(row);
      try {
        const feeds = feedsFor(session, B, L, q);
        const first = readLogits(await session.run(feeds, FETCHES));
        if (first) {
          row.check = Array.from(first.slice(0, 16), r3);
          row.argmax = argmaxRows(first, q);
        } else row.logitsOnHost = false;
        for (let i = 0; i < warmup; i++) readLogits(await session.run(feeds, FETCHES));
        const full = [];
        for (let i = 0; i < runs; i++) {
          const s = performance.now();
          readLogits(await session.run(feeds, FETCHES));
          full.push(performance.now() - s);
        }
        // with the logits left on the device, run() returns once the work is queued, and Node has no
        // way to wait for the device: that time is the queueing's alone, not a forward's
        const times = { p50Ms: r3(pct(full, 0.5)), p95Ms: r3(pct(full, 0.95)), minMs: r3(Math.min(...full)) };
        Object.assign(row, first ? times : { enqueueP50Ms: times.p50Ms });
      } catch (error) {
        row.error = error.message;
      }
      console.error(JSON.stringify({ variant, ...row, check: undefined, argmax: undefined }));
      save();
    }
  }
  if (args.profile) {
    const file = session.endProfiling?.();
    report.profile = summarizeProfile(args.profile, file);
  }
  await session.release();
  save();
}

/** Per op type and provider: total and count of node kernel time from onnxruntime's profile trace. */
function summarizeProfile(dir, file) {
  try {
    const name = file && file.length ? file : readdirSync(dir).filter((f) => f.startsWith(`ort-${variant}`)).sort().pop();
    const events = JSON.parse(readFileSync(path.isAbsolute(name) ? name : path.join(dir, path.basename(name)), 'utf8'));
    const byOp = {};
    for (const e of events) {
      if (e.cat !== 'Node' || !e.name.endsWith('_kernel_time')) continue;
      const key = `${e.args?.op_name ?? '?'}@${e.args?.provider ?? '?'}`;
      byOp[key] ??= { us: 0, count: 0 };
      byOp[key].us += e.dur;
      byOp[key].count += 1;
    }
    return Object.entries(byOp).sort((a, b) => b[1].us - a[1].us).slice(0, 30).map(([k, v]) => ({ op: k, ms: r3(v.us / 1000), count: v.count }));
  } catch (error) {
    return { error: error.message };
  }
}

mkdirSync(path.dirname(path.resolve(args.out ?? 'x')), { recursive: true });
main();
