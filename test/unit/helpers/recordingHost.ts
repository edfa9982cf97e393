import type { InspectedModel } from '../../../src/model/folder/modelFolder';
import type { SessionHost } from '../../../src/model/runtime/sessionHost';
import type { RunCache, RunOutput, WireTensor } from '../../../src/model/runtime/workerProtocol';

/** One call the denoiser made of its session host: the feeds by input name, and what the worker was to do with its cache. */
export interface HostCall {
  readonly feeds: Readonly<Record<string, WireTensor>>;
  readonly cache?: RunCache;
}

/** A session host that records each call and answers logits of zeros, shaped [B, Q, V] by the feeds. */
export function recordingHost(model: InspectedModel): { host: SessionHost; calls: HostCall[] } {
  const calls: HostCall[] = [];
  const run = async (feeds: Record<string, WireTensor>, _output: string, _signal?: AbortSignal, cache?: RunCache): Promise<RunOutput> => {
    calls.push({ feeds, ...(cache ? { cache } : {}) });
    const [batch, queries] = feeds[model.meta.inputs.positions]!.dims;
    const dims = [batch!, queries!, model.spec.vocabSize];
    return { data: new Float32Array(dims[0]! * dims[1]! * dims[2]!), dims };
  };
  const floats = (length: number): Float32Array => new Float32Array(length);
  return { host: { run, floats, recycle: () => undefined, workerNumber: 1 } as unknown as SessionHost, calls };
}
