import type { LoadedModel } from '../../../src/model';

/** The model with every network call's logits recorded, in order. */
export function recordingModel(model: LoadedModel): { model: LoadedModel; calls: Float32Array[] } {
  const calls: Float32Array[] = [];
  const inner = model.denoiser;
  const denoiser = {
    spec: inner.spec,
    contextCache: inner.contextCache,
    denoise: async (...args: Parameters<typeof inner.denoise>) => {
      const logits = await inner.denoise(...args);
      calls.push(logits.slice());
      return logits;
    },
  };
  return { model: { ...model, denoiser }, calls };
}

/** The largest difference between two calls' logits (Infinity for different shapes). */
export function maxDiff(a: Float32Array, b: Float32Array): number {
  if (a.length !== b.length) return Infinity;
  return a.reduce((m, x, i) => Math.max(m, Math.abs(x - b[i])), 0);
}
