/**
 * Time per denoiser forward on the CPU provider, for model variants (e.g. training/diffuse/quantize.py's) and
 * session options side by side, on the same inputs: a canvas of L random ids with a hole of Q masks
 * in the middle, and `positions` = the hole (what the sampler's first call of a fill sends).
 * Every variant's logits are compared with the first model's (max |diff|, argmax agreement) before
 * its time is taken.
 *
 * `--calls full,cached` on context-cache models (meta.json `context_cache`) times both calls of a
 * cached fill: the full call over the canvas, and the cached call of the hole's Q rows against the
 * context's keys and values kept from a full call on the same canvas (so its logits must equal the
 * full call's: the parity columns show it).
 *
 *   node out/bench/forward.js --models DIR[,DIR...] [--lengths 128,256] [--queries 32]
 *        [--threads 1,2] [--opt all] [--mode sequential] [--spin 1,0] [--runs 30] [--calls full,cached]
 */
import { existsSync, readFileSync } from 'node:fs';
import { performance } from 'node:perf_hooks';
import { loadavg } from 'node:os';
import * as path from 'node:path';
// before onnxruntime-node loads: its telemetry off, as in the extension's worker
import '../src/model/runtime/runtimeTelemetry';
import * as ort from 'onnxruntime-node';
import { percentile } from '../src/cli/stats';
import { Rng } from '../src/core/rng';
import { parseMeta, type ModelMeta } from '../src/model/folder/meta';
import { selectRows } from '../src/model/runtime/cacheRows';
import { baseFeeds, cachedCall, firstRow, fullCall, keptCopies, planFeeds, uncachedCall } from '../src/model/runtime/contextCacheFeeds';
import { ortFeeds } from '../src/model/runtime/ortTensor';
import type { DenoiseRequest } from '../src/sampler/types';
import { list, machineInfo, modelInfo, numbers, parseFlags, publish, round, run, type Row } from './common';

const FLAGS = {
  models: 'model folders, comma-separated; the first is the parity reference (default test/fixtures/tiny-model)',
  lengths: 'canvas lengths L (default 128,256, clamped to max_length)',
  queries: 'hole size Q = positions per row (default 32)',
  batch: 'rows (default 1)',
  threads: 'intraOpNumThreads values (default 1,2)',
  opt: 'graphOptimizationLevel values (default all)',
  mode: 'executionMode values (default sequential)',
  spin: "session.intra_op.allow_spinning values, 1 and/or 0 (default 1)",
  runs: 'timed runs per cell (default 30)',
  warmup: 'untimed runs first (default 3)',
  calls: "'full' and/or 'cached' (context-cache models only; default full)",
  json: 'write the JSON report here instead of bench/results/',
};

type Opt = 'disabled' | 'basic' | 'extended' | 'all';

/** A canvas as the sampler's first call of a fill sends it: a hole of Q masks mid-canvas, queried. */
interface Inputs {
  readonly request: Pick<DenoiseRequest, 'tokens' | 'batch' | 'length' | 'positions' | 'queries'>;
  /** The hole's canvas positions: the rows a cached call runs. */
  readonly hole: Int32Array;
}

type Call = 'full' | 'cached';

/**
 * The feeds of `call`, built by the engine's own call plans (contextCacheFeeds.ts): a full call of
 * either kind of graph, or, on a context-cache graph, a cached call of the hole's rows against the
 * context kept from a full call on the same canvas, as the worker keeps it.
 */
async function callFeeds(session: ort.InferenceSession, meta: ModelMeta, input: Inputs, call: Call): Promise<Record<string, ort.Tensor>> {
  const { request, hole } = input;
  if (call === 'full' || !meta.contextCache) return ortFeeds(ort, planFeeds(meta.inputs, uncachedCall(meta, request, baseFeeds(request))));
  // as the engine refreshes rows that share their context (OnnxDenoiser.forward): the first row's
  // canvas, its context kept once for a graph with `shared_past`, else once a row
  const first = firstRow(request);
  const refresh = fullCall(meta.contextCache, first, baseFeeds(first), hole, keptCopies(meta.contextCache, request.batch));
  const keep = refresh.runCache!.keep!;
  const present = await session.run(ortFeeds(ort, planFeeds(meta.inputs, refresh)), [keep.key, keep.value]);
  const kept = (name: string): ort.Tensor => {
    const { data, dims } = selectRows(present[name].data as Float32Array, present[name].dims, keep.rows, keep.copies);
    return new ort.Tensor('float32', data, dims);
  };
  const cached = cachedCall(meta.contextCache, request, hole);
  const past = cached.runCache!.past!;
  return { ...ortFeeds(ort, planFeeds(meta.inputs, cached)), [past.key]: kept(keep.key), [past.value]: kept(keep.value) };
}

function makeInputs(L: number, Q: number, batch: number, vocab: number, maskId: number, seed: number): Inputs {
  const rng = new Rng(seed);
  const tokens = new Int32Array(batch * L);
  const positions = new Int32Array(batch * Q);
  const start = Math.floor((L - Q) / 2);
  for (let b = 0; b < batch; b++) {
    for (let i = 0; i < L; i++) tokens[b * L + i] = 3 + Math.floor(rng.nextUniform() * (vocab - 3));
    for (let q = 0; q < Q; q++) {
      tokens[b * L + start + q] = maskId;
      positions[b * Q + q] = start + q;
    }
  }
  return { request: { tokens, positions, batch, length: L, queries: Q }, hole: Int32Array.from({ length: Q }, (_, q) => start + q) };
}

async function main(): Promise<void> {
  const flags = parseFlags(process.argv.slice(2), FLAGS);
  const dirs = list(flags.models, 'test/fixtures/tiny-model').map((d) => path.resolve(d));
  const models = dirs.map(modelInfo);
  const maxLength = Math.min(...models.map((m) => m.maxLength));
  const lengths = [...new Set(numbers(flags.lengths, '128,256').map((l) => Math.min(l, maxLength)))];
  const Q = numbers(flags.queries, '32')[0];
  const batch = numbers(flags.batch, '1')[0];
  const runs = numbers(flags.runs, '30')[0];
  const warmup = numbers(flags.warmup, '3')[0];
  const threadsList = numbers(flags.threads, '1,2');
  const opts = list(flags.opt, 'all') as Opt[];
  const modes = list(flags.mode, 'sequential') as Array<'sequential' | 'parallel'>;
  const spins = list(flags.spin, '1');
  const metas = dirs.map((dir): ModelMeta => parseMeta(path.join(dir, 'meta.json'), readFileSync(path.join(dir, 'meta.json'), 'utf8')));
  const { spec } = metas[0];
  const inputs = lengths.map((L) => makeInputs(L, Math.min(Q, L), batch, spec.vocabSize, spec.maskId, 7));
  const calls = list(flags.calls, 'full') as Call[];

  // Every (model, options) session is created first and the timed runs go round-robin over them,
  // so a burst of load from another process on a shared machine hits all cells alike.
  interface Cell { mi: number; dir: string; meta: ModelMeta; threads: number; opt: Opt; mode: 'sequential' | 'parallel'; spin: string; session: ort.InferenceSession; createMs: number }
  const cells: Cell[] = [];
  for (const [mi, dir] of dirs.entries()) {
    for (const threads of threadsList) {
      for (const opt of opts) {
        for (const mode of modes) {
          for (const spin of spins) {
            const t0 = performance.now();
            const session = await ort.InferenceSession.create(cpuGraph(dir), {
              executionProviders: ['cpu'],
              intraOpNumThreads: threads,
              interOpNumThreads: 1,
              graphOptimizationLevel: opt,
              executionMode: mode,
              logSeverityLevel: 3,
              extra: { session: { intra_op: { allow_spinning: spin } } },
            });
            cells.push({ mi, dir, meta: metas[mi], threads, opt, mode, spin, session, createMs: performance.now() - t0 });
          }
        }
      }
    }
  }
  const V = spec.vocabSize;
  const reference = new Map<number, Float32Array>();
  const parity = new Map<string, { maxDiff: number; agree: number; rows: number }>();
  const times = new Map<string, number[]>();
  const cpuTimes = new Map<string, number[]>();
  const key = (c: Cell, L: number, call: Call) => `${cells.indexOf(c)}:${L}:${call}`;
  const feeds = new Map<string, Record<string, ort.Tensor>>();
  const callsOf = (cell: Cell): Call[] => (cell.meta.contextCache ? calls : ['full']);
  for (const cell of cells) {
    const logits = cell.meta.outputs.logits;
    for (const input of inputs) {
      for (const call of callsOf(cell)) {
        const cellFeeds = await callFeeds(cell.session, cell.meta, input, call);
        feeds.set(key(cell, input.request.length, call), cellFeeds);
        const out = (await cell.session.run(cellFeeds, [logits]))[logits].data as Float32Array;
        const ref = reference.get(input.request.length) ?? (reference.set(input.request.length, out), out);
        let maxDiff = 0;
        let agree = 0;
        for (let i = 0; i < out.length; i++) maxDiff = Math.max(maxDiff, Math.abs(out[i] - ref[i]));
        for (let r = 0; r < out.length / V; r++) if (argmax(out, r * V, V) === argmax(ref, r * V, V)) agree++;
        parity.set(key(cell, input.request.length, call), { maxDiff, agree, rows: out.length / V });
        for (let i = 0; i < warmup; i++) await cell.session.run(cellFeeds, [logits]);
        times.set(key(cell, input.request.length, call), []);
        cpuTimes.set(key(cell, input.request.length, call), []);
      }
    }
  }
  for (let i = 0; i < runs; i++) {
    for (const cell of cells) {
      for (const input of inputs) {
        for (const call of callsOf(cell)) {
          const k = key(cell, input.request.length, call);
          const c = process.cpuUsage();
          const s = performance.now();
          await cell.session.run(feeds.get(k)!, [cell.meta.outputs.logits]);
          times.get(k)!.push(performance.now() - s);
          const used = process.cpuUsage(c);
          cpuTimes.get(k)!.push((used.user + used.system) / 1000);
        }
      }
    }
  }
  const rows: Row[] = [];
  for (const cell of cells) {
    for (const input of inputs) {
      for (const call of callsOf(cell)) {
        const k = key(cell, input.request.length, call);
        const t = times.get(k)!;
        const p = parity.get(k)!;
        rows.push({
          model: cell.mi === 0 ? models[0].name : path.basename(cell.dir),
          MiB: models[cell.mi].cpuOnnx?.MiB ?? models[cell.mi].onnxMiB,
          threads: cell.threads,
          opt: cell.opt,
          mode: cell.mode,
          spin: cell.spin,
          call,
          L: input.request.length,
          Q: input.request.queries,
          B: batch,
          'p50 ms': round(percentile(t, 0.5), 2),
          'p95 ms': round(percentile(t, 0.95), 2),
          'min ms': round(Math.min(...t), 2),
          'cpu p50 ms': round(percentile(cpuTimes.get(k)!, 0.5), 2),
          'max |Δlogit|': round(p.maxDiff, 4),
          'argmax agree %': round((100 * p.agree) / p.rows, 1),
          'create ms': round(cell.createMs, 0),
        });
      }
    }
    await cell.session.release();
  }
  publish(
    {
      bench: 'forward',
      title: 'CPU time per forward (model variants x session options)',
      machine: machineInfo(),
      model: models,
      settings: { lengths, queries: Q, batch, runs, warmup, loadavg: loadavg().map((x) => round(x, 2)).join(' ') },
      rows,
      notes: ['Parity columns compare each row\'s logits with the first model\'s on the same input (random ids, Q masks mid-canvas). Timed runs go round-robin over all cells; min ms is the least disturbed by other load on the machine; cpu ms is the CPU time of all threads during the run (with 1 thread: its time on an idle core).'],
    },
    flags.json,
  );
}

/** What the engine runs on the CPU provider: model.cpu.onnx when the folder has one, else model.onnx. */
function cpuGraph(dir: string): string {
  const cpu = path.join(dir, 'model.cpu.onnx');
  return existsSync(cpu) ? cpu : path.join(dir, 'model.onnx');
}

function argmax(data: Float32Array, offset: number, n: number): number {
  let best = 0;
  for (let i = 1; i < n; i++) if (data[offset + i] > data[offset + best]) best = i;
  return best;
}

run(main);
