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
