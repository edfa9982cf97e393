import type { LoadedModel } from '../../../src/model';

/** The model with every network call's logits recorded, in order, and which calls began a fill (a context refresh asked: its first). */
export function recordingModel(model: LoadedModel): { model: LoadedModel; calls: Float32Array[]; firsts: number[] } {
  const calls: Float32Array[] = [];
  const firsts: number[] = [];
  const inner = model.denoiser;
  const denoiser = {
    spec: inner.spec,
    contextCache: inner.contextCache,
    denoise: async (...args: Parameters<typeof inner.denoise>) => {
      if (args[0].cache?.refresh) firsts.push(calls.length);
      const logits = await inner.denoise(...args);
      calls.push(logits.slice());
      return logits;
    },
  };
  return { model: { ...model, denoiser }, calls, firsts };
}
