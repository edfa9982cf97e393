/**
 * The machine's speed for a model, printed beside a latency table. This 2-core machine ran the same
 * build's fills 20-30 % faster on some hours than on others (bench/README.md, "Re-measured"), so a
 * table alone cannot tell a faster engine from a faster machine; the reference call can.
 */
import { performance } from 'node:perf_hooks';
import { percentile } from '../src/cli/stats';
import { Rng } from '../src/core/rng';
import type { LoadedModel } from '../src/model';
import type { DenoiseRequest } from '../src/sampler/types';
import { round } from './common';

const ROWS = 3;
const QUERIES = 16;
const RUNS = 12;

/** The reference as the report's settings show it: its p50 and what the call is. */
export function referenceSetting(ms: number | undefined): string {
  return ms === undefined ? 'none (the model reads more than token ids)' : `${ms} ms p50 of ${RUNS} calls (${ROWS} rows × ${QUERIES} hole slots; a 256-token canvas, or max_length; cached where the model keeps a context)`;
}

/**
 * p50 ms of the shipped fill's typical call, through the model's worker as fills make it: three
 * length rows of a 16-slot hole mid-canvas, cached against a refresh of the canvas when the
 * denoiser keeps a context (a full call otherwise). Undefined for a model whose network reads
 * more than token ids (conditioning, the sphere state): its fills' calls are not this one.
 */
export async function referenceCallMs(model: LoadedModel): Promise<number | undefined> {
  const { spec, denoiser, meta } = model;
  if (spec.condKind !== 'none' || meta.inputs.inputVec) return undefined;
  const length = Math.min(256, spec.maxLength);
  const start = Math.floor((length - QUERIES) / 2);
  const fresh = Int32Array.from({ length: QUERIES }, (_, q) => start + q);
  const rng = new Rng(0);
  const canvas = Int32Array.from({ length }, (_, p) => (p >= start && p < start + QUERIES ? spec.maskId : Math.floor(rng.nextUniform() * spec.vocabSize)));
  const request = (refresh: boolean): DenoiseRequest => ({
    tokens: Int32Array.from({ length: ROWS * length }, (_, i) => canvas[i % length]!),
    batch: ROWS,
    length,
    positions: Int32Array.from({ length: ROWS * QUERIES }, (_, i) => fresh[i % QUERIES]!),
    queries: QUERIES,
    // a fill number no engine fill uses: the reference keeps its own context
    cache: { fill: -1, refresh, fresh },
  });
  await denoiser.denoise(request(true));
  const cached = request(false);
  const times: number[] = [];
  for (let i = 0; i < RUNS; i++) {
    const t0 = performance.now();
    await denoiser.denoise(cached);
    times.push(performance.now() - t0);
  }
  return round(percentile(times, 0.5), 1);
}
