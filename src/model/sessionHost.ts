import * as path from 'node:path';
import { Worker } from 'node:worker_threads';
import { InferenceError } from '../core/errors';
import { disableRuntimeTelemetry } from './runtimeTelemetry';
import { SerialQueue } from './serialQueue';
import type { OpenOptions, RunOutput, SessionSignature, WireTensor, WorkerReplies, WorkerRequest, WorkerResponse } from './workerProtocol';

/** A request before the host numbers it (the conditional type applies Omit to each member of the union). */
type Unnumbered<T> = T extends unknown ? Omit<T, 'id'> : never;
type Request = Unnumbered<WorkerRequest>;

/** Next to this file in both layouts: dist/ (esbuild bundle) and out/src/model/ (tsc). */
const defaultWorkerFile = path.join(__dirname, 'sessionWorker.js');

/**
 * The caller's side of the inference worker (see workerProtocol.ts). Requests go out one at a
 * time through a `SerialQueue`, so concurrent `run`s wait their turn in call order. A worker
 * that crashes or exits fails every outstanding and later request with an `InferenceError`;
 * the host process never sees the crash.
 */
export class SessionHost {
  private readonly worker: Worker;
  private readonly queue = new SerialQueue();
  private readonly pending = new Map<number, { resolve: (value: unknown) => void; reject: (error: Error) => void }>();
  private nextId = 1;
  private failure: Error | undefined;
  private disposal: Promise<void> | undefined;

  constructor(workerFile = defaultWorkerFile) {
    disableRuntimeTelemetry();
    this.worker = new Worker(workerFile);
    // An idle worker must not keep the process alive (a CLI exits when its work is done).
    this.worker.unref();
    this.worker.on('message', (response: WorkerResponse) => this.answer(response));
    this.worker.on('error', (error) => this.fail(new InferenceError(`the inference worker crashed: ${error.message}`, { cause: error })));
    this.worker.on('messageerror', (error) => this.fail(new InferenceError(`the inference worker sent an unreadable message: ${error.message}`)));
    this.worker.on('exit', (code) => this.fail(new InferenceError(`the inference worker exited unexpectedly (code ${code})`)));
  }

  /** Opens (or reopens, releasing the previous one) the session on `options.provider`. */
  open(options: OpenOptions): Promise<SessionSignature> {
    return this.queue.enqueue(() => this.send({ kind: 'open', options }));
  }

  /** One forward pass; waits for earlier runs. `signal` aborts it while it waits (see `SerialQueue`). */
  run(feeds: Readonly<Record<string, WireTensor>>, output: string, signal?: AbortSignal): Promise<RunOutput> {
    return this.queue.enqueue(() => this.send({ kind: 'run', feeds, output }), signal);
  }

  /** Waits for the running request, rejects waiting ones, releases the session and ends the worker. */
  dispose(): Promise<void> {
    this.disposal ??= this.release();
    return this.disposal;
  }

  private async release(): Promise<void> {
    const disposed = new InferenceError('the model has been disposed');
    await this.queue.close(disposed);
    if (!this.failure) await this.send({ kind: 'close' }).catch(() => undefined);
    this.fail(disposed);
    await this.worker.terminate();
  }

  private send<K extends keyof WorkerReplies>(request: Extract<Request, { kind: K }>): Promise<WorkerReplies[K]> {
    if (this.failure) return Promise.reject(this.failure);
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      if (this.pending.size === 0) this.worker.ref();
      this.pending.set(id, { resolve: resolve as (value: unknown) => void, reject });
      this.worker.postMessage({ ...request, id });
    });
  }

  private answer(response: WorkerResponse): void {
    const waiter = this.pending.get(response.id);
    if (!waiter) return;
    this.forget(response.id);
    if (response.ok) waiter.resolve(response.value);
    else waiter.reject(new InferenceError(`onnxruntime: ${response.error}`));
  }

  private fail(error: Error): void {
    if (this.failure) return;
    this.failure = error;
    void this.queue.close(error);
    for (const [id, waiter] of this.pending) {
      this.forget(id);
      waiter.reject(error);
    }
  }

  private forget(id: number): void {
    this.pending.delete(id);
    if (this.pending.size === 0) this.worker.unref();
  }
}
