// MultiHeadAttention on WebGPU against the CPU provider, by sequence length: the largest |Δ| of the
// outputs and their scale, for the one-node graphs of bench/mha_parity_models.py and for the fused
// fixture graph's logits (test/fixtures/tiny-model-kv-fused, a full call: an empty past). Asks the
// question bench/README.md's "WebGPU on a software GPU" left for a real GPU: does the op keep
// parity from 32 rows on, where it does not on SwiftShader?
//
//   node bench/mha_parity.mjs --graphs DIR [--lengths 16,31,32,33,64,128,256] [--out FILE]
//   (on the GPU machine, with bench/gpu.sh's prepare: /tmp/node, NODE_PATH at onnxruntime-node)
import { createRequire } from 'node:module';
import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';

const require = createRequire(import.meta.url);
process.env.ORT_DISABLE_TELEMETRY = '1';   // as the extension's worker (src/model/runtime/runtimeTelemetry.ts)
const ort = require('onnxruntime-node');

const args = Object.fromEntries(
  process.argv.slice(2).map((a, i, all) => (a.startsWith('--') ? [a.slice(2), all[i + 1]] : null)).filter(Boolean),
);
const lengths = (args.lengths ?? '16,31,32,33,64,128,256').split(',').map(Number);
const FIXTURE = 'test/fixtures/tiny-model-kv-fused/model.onnx';
const FIXTURE_MAX_LENGTH = 64;   // its meta.json's max_length: rotary tables end there
const FIXTURE_VOCAB = 1024;

/** A reproducible stream in [-scale, scale) (a 32-bit LCG): the same inputs on both providers. */
function values(count, seed, scale) {
  const out = new Float32Array(count);
  let state = seed >>> 0;
  for (let i = 0; i < count; i++) {
    state = (Math.imul(state, 1664525) + 1013904223) >>> 0;
    out[i] = (state / 2 ** 32 * 2 - 1) * scale;
  }
  return out;
}

function mhaFeeds(width, L) {
  const dims = [1, L, width];
  // inputs of scale 2, as the SwiftShader finding's single-node check
  return Object.fromEntries(['query', 'key', 'value'].map((name, i) => [name, new ort.Tensor('float32', values(L * width, 7 + i * 101 + L, 2), dims)]));
}

function fixtureFeeds(L) {
  const ids = BigInt64Array.from({ length: L }, (_, i) => BigInt(3 + ((i * 7919) % (FIXTURE_VOCAB - 3))));
  const rows = BigInt64Array.from({ length: L }, (_, i) => BigInt(i));
  const emptyPast = new ort.Tensor('float32', new Float32Array(0), [2, 1, 2, 0, 16]);
  return {
    input_ids: new ort.Tensor('int64', ids, [1, L]),
    positions: new ort.Tensor('int64', rows, [1, L]),
    row_positions: new ort.Tensor('int64', rows, [1, L]),
    past_key: emptyPast,
    past_value: emptyPast,
  };
}

/**
 * The providers onnxruntime's profile trace (a JSON file `endProfiling` leaves in `dir`) names for
 * the MultiHeadAttention nodes: a node the provider declines runs on the CPU, and would read as
 * parity.
 */
function attentionProviders(dir) {
  const trace = readdirSync(dir).filter((f) => f.endsWith('.json')).sort().pop();
  const events = trace ? JSON.parse(readFileSync(path.join(dir, trace), 'utf8')) : [];
  const providers = events.filter((e) => e.cat === 'Node' && e.args?.op_name === 'MultiHeadAttention').map((e) => e.args.provider);
  return [...new Set(providers)].join('+') || 'none';
}

/** Each feed's `fetch` output on `provider`, and (profiled) where its attention ran. */
async function outputsOn(provider, file, feeds, fetch) {
  const traceDir = mkdtempSync(path.join(tmpdir(), 'mha-trace-'));
  const session = await ort.InferenceSession.create(file, {
    executionProviders: [provider], graphOptimizationLevel: 'all', enableProfiling: true, profileFilePrefix: path.join(traceDir, 'ort'),
  });
  try {
    const results = [];
    for (const feed of feeds) results.push((await session.run(feed, [fetch]))[fetch].data);
    session.endProfiling();
    return { results, attentionOn: attentionProviders(traceDir) };
  } finally {
    await session.release();
  }
}

function compare(cpu, gpu) {
  let delta = 0;
  let scale = 0;
  for (let i = 0; i < cpu.length; i++) {
    delta = Math.max(delta, Math.abs(cpu[i] - gpu[i]));
    scale = Math.max(scale, Math.abs(cpu[i]));
  }
  return { maxAbsDelta: delta, maxAbsCpu: scale };
}

async function parity(name, file, feeds, fetch, rows) {
  const cpu = await outputsOn('cpu', file, feeds, fetch);
  const gpu = await outputsOn('webgpu', file, feeds, fetch);
  return rows.map((L, i) => ({ graph: name, rows: L, attentionOn: gpu.attentionOn, ...compare(cpu.results[i], gpu.results[i]) }));
}

const results = [];
if (args.graphs) {
  for (const file of readdirSync(args.graphs).filter((f) => f.endsWith('.onnx')).sort()) {
    const width = Number(/h(\d+)-d(\d+)/.exec(file).slice(1).reduce((a, b) => a * b));
    results.push(...await parity(file, path.join(args.graphs, file), lengths.map((L) => mhaFeeds(width, L)), 'output', lengths));
  }
}
const fixtureRows = lengths.filter((L) => L <= FIXTURE_MAX_LENGTH);
results.push(...await parity('tiny-model-kv-fused logits', FIXTURE, fixtureRows.map(fixtureFeeds), 'logits', fixtureRows));

console.log('| graph | rows | attention ran on | max abs Δ (webgpu − cpu) | max abs cpu output |');
console.log('|---|---|---|---|---|');
for (const r of results) console.log(`| ${r.graph} | ${r.rows} | ${r.attentionOn} | ${r.maxAbsDelta.toExponential(2)} | ${r.maxAbsCpu.toFixed(3)} |`);
if (args.out) writeFileSync(args.out, JSON.stringify(results, null, 1));
