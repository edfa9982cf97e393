import { buildCanvas, type CanvasLayout } from '../src/infill/canvas';
import { requestForModel } from '../src/infill/indentation';
import type { InfillOptions, InfillRequest } from '../src/infill';
import type { LoadedModel } from '../src/model';
import { positionStats, probabilityOf } from '../src/sampler/math/distribution';
import type { Denoiser } from '../src/sampler/types';

/**
 * A diagnostic (bench/README.md §21): the length of a hole read from the model before the fill.
 * A model trained with length probes (training/diffuse/data.py `probe_slots`, `probe_share`) saw a
 * share of its holes given exactly that many slots whatever their length, the real tokens first
 * and padding after them. On such a hole with every slot masked, the padding probability of slot k
 * estimates P(length <= k): one network call gives the likeliest lengths, and the fill then tries
 * rows of exactly those. Measured, it loses to the engine's own length search, so it stays here.
 */

/**
 * P(length = k) for k = 0 .. slots from the padding probability of each slot (k = slots: no
 * padding in the probe, the hole is at least that long). Padding only follows padding, so
 * P(length <= k) never falls as k grows; the probabilities, read per slot, may, and their running
 * maximum stands for them.
 */
export function lengthDistribution(padProbabilities: readonly number[]): number[] {
  const distribution: number[] = [];
  let atMost = 0;
  for (const p of padProbabilities) {
    const next = Math.max(atMost, Math.min(1, p));
    distribution.push(next - atMost);
    atMost = next;
  }
  distribution.push(1 - atMost);
  return distribution;
}

/** The `count` likeliest lengths of `distribution` of at least one token (an empty fill suggests nothing), ascending; ties go to the shorter. */
export function likeliestLengths(distribution: readonly number[], count: number): number[] {
  return distribution
    .map((p, length) => ({ p, length }))
    .filter(({ length }) => length > 0)
    .sort((a, b) => b.p - a.p || a.length - b.length)
    .slice(0, count)
    .map(({ length }) => length)
    .sort((a, b) => a - b);
}

/**
 * The `count` likeliest lengths of the one hole of `canvas`, a probe canvas (the hole given the
 * model's probe size, every slot masked): one full network call.
 */
export async function probeLengths(denoiser: Denoiser, canvas: CanvasLayout, count: number): Promise<number[]> {
  const { spec } = denoiser;
  const [hole] = canvas.holes;
  const positions = Int32Array.from({ length: hole.slots }, (_, i) => hole.start + i);
  const logits = await denoiser.denoise({ tokens: canvas.ids, batch: 1, length: canvas.ids.length, positions, queries: hole.slots });
  const padProbabilities = Array.from(positions, (_, i) => {
    const offset = i * spec.vocabSize;
    return probabilityOf(logits, offset, spec.padId, positionStats(logits, offset, spec.vocabSize, spec.maskId));
  });
  return likeliestLengths(lengthDistribution(padProbabilities), count);
}

/** The probe size `model` was trained with (meta.json's `training.probe_slots`); an error for a model trained without probes. */
export function probeSlots(model: Pick<LoadedModel, 'meta'>): number {
  const { probe_slots: slots, probe_share: share } = model.meta.training;
  if (typeof slots !== 'number' || !(slots > 0) || typeof share !== 'number' || !(share > 0)) {
    throw new Error(`probedLengths: model '${model.meta.name}' was not trained with length probes (meta.json training.probe_slots / probe_share)`);
  }
  return slots;
}

/** `options` with the `count` likeliest lengths of `request`'s one hole as the sizes tried, for every hole shape. */
export async function withProbedLengths(model: LoadedModel, request: InfillRequest, options: InfillOptions, count: number): Promise<InfillOptions> {
  const { denoiser, tokenizer } = model;
  const contextTokens = Math.min(options.contextTokens, denoiser.spec.maxLength);
  const canvas = await buildCanvas(tokenizer, denoiser.spec, requestForModel(request), [probeSlots(model)], contextTokens);
  return { ...options, lengths: await probeLengths(denoiser, canvas, count), inlineLengths: undefined };
}
