import { upperMedian } from '../core/median';
import { SerialQueue } from '../core/serialQueue';
import type { DenoiseRequest, Denoiser } from '../sampler/types';

/** Passes `typicalPassMs` looks back on: a fill or two, so it follows a change of model or load. */
const RECENT_PASSES = 16;

/** How long one forward pass of a fill took, in ms. */
export interface PassTime {
  /** Waiting for the model to be free: passes of other fills ran (a superseded fill's last one, a "Diffuse fill"). */
  readonly queued: number;
  /** The pass itself: the worker hop and onnxruntime's run. */
  readonly ms: number;
}

/**
 * The model as the fills on it share it. Passes go to the model one at a time, in call order,
 * from this queue rather than the worker's, so the time a pass waits behind another fill's (a
 * superseded fill's pass still running: onnxruntime cannot stop it) is seen here, apart from the
 * pass itself. A pass whose fill aborts while it waits leaves the queue; one that runs goes on,
 * but its fill is answered at once (`SerialQueue`). Each fill is told its passes' times through
 * the listener registered for the signal it hands the denoiser (the engine passes it unchanged).
 */
export class SharedDenoiser implements Denoiser {
  private readonly queue = new SerialQueue();
  private readonly listeners = new WeakMap<AbortSignal, (time: PassTime) => void>();
  /** The last passes' times (`ms`), oldest first. */
  private readonly recent: number[] = [];

  constructor(
    private readonly model: Denoiser,
    private readonly now: () => number = () => performance.now(),
  ) {}

  get spec(): Denoiser['spec'] {
    return this.model.spec;
  }

  /** The model's own: a model that keeps a fill's context between passes does so behind the queue too. */
  get contextCache(): boolean | undefined {
    return this.model.contextCache;
  }

  /** The (upper) median time of the last passes (ms), once there was one. */
  get typicalPassMs(): number | undefined {
    return upperMedian(this.recent);
  }

  /** Tells `listener` the time of every pass made with `signal`. */
  listen(signal: AbortSignal, listener: (time: PassTime) => void): void {
    this.listeners.set(signal, listener);
  }

  recycle(logits: Float32Array): void {
    this.model.recycle?.(logits);
  }

  denoise(request: DenoiseRequest, signal?: AbortSignal): Promise<Float32Array> {
    const asked = this.now();
    return this.queue.enqueue(async () => {
      const started = this.now();
      try {
        return await this.model.denoise(request);
      } finally {
        const ms = this.now() - started;
        this.recent.push(ms);
        if (this.recent.length > RECENT_PASSES) this.recent.shift();
        if (signal) this.listeners.get(signal)?.({ queued: started - asked, ms });
      }
    }, signal);
  }
}
