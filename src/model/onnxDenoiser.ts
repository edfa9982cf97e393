import { InferenceError } from '../core/errors';
import { logitsWidth, type DenoiseRequest, type Denoiser, type DiffusionSpec } from '../sampler/types';
import { checkDenoiseRequest } from './denoiseRequest';
import type { ModelMeta } from './meta';
import type { SessionHost } from './sessionHost';
import type { RunOutput, WireTensor } from './workerProtocol';

/** `Denoiser` on an onnxruntime session in the worker behind `host`. */
export class OnnxDenoiser implements Denoiser {
  constructor(
    readonly spec: DiffusionSpec,
    private readonly meta: ModelMeta,
    private readonly host: SessionHost,
  ) {}

  async denoise(request: DenoiseRequest, signal?: AbortSignal): Promise<Float32Array> {
    const { data, dims } = await this.forward(request, signal);
    const expected = [request.batch, request.queries, logitsWidth(this.spec)];
    if (dims.length !== 3 || dims.some((d, i) => d !== expected[i])) {
      throw new InferenceError(`logits have shape [${dims.join(', ')}], expected [${expected.join(', ')}]`);
    }
    return data;
  }

  /** The raw output, its shape unchecked: the load-time warm-up reads the graph's logits width from it. */
  async forward(request: DenoiseRequest, signal?: AbortSignal): Promise<RunOutput> {
    checkDenoiseRequest(request, this.spec);
    const { batch, length, queries } = request;
    const { inputs, outputs } = this.meta;
    const feeds: Record<string, WireTensor> = { [inputs.positions]: { type: 'int64', data: request.positions, dims: [batch, queries] } };
    // the sphere graph (RDLM) reads its continuous state; checkDenoiseRequest saw it there
    if (inputs.inputVec) feeds[inputs.inputVec] = { type: 'float32', data: request.state!, dims: [batch, length, request.state!.length / (batch * length)] };
    else feeds[inputs.inputIds!] = { type: 'int64', data: request.tokens, dims: [batch, length] };
    if (inputs.cond && request.cond) feeds[inputs.cond] = { type: 'float32', data: request.cond, dims: [batch] };
    // logits: [B, Q, V]
    return this.host.run(feeds, outputs.logits, signal);
  }
}
