import * as path from 'node:path';
import { AbortedError, InferenceError, ModelLoadError } from '../../core/errors';
import type { Logger } from '../../core/logger';
import type { WireArray } from './frames';
import { SerialQueue } from '../../core/serialQueue';
import { LogitsPool } from './logitsPool';
import { WorkerProcess, type Unnumbered, type WorkerReply } from './workerProcess';
import type { OpenOptions, RunCache, RunOutput, SessionSignature, WireTensor, WorkerRequest } from './workerProtocol';

/** Next to this file in both layouts: dist/ (esbuild bundle) and out/src/model/runtime/ (tsc). */
const defaultWorkerFile = path.join(__dirname, 'sessionWorker.js');

/**
 * onnxruntime did not finish a request (creating the session, or a forward pass) within the
 * timeout, so its worker was stopped. A `ModelLoadError` naming the model file, as a graph that
 * never finishes (an endless Loop) is the model's fault; but a GPU provider whose driver hangs is
 * the provider's, which is why the load tells the two apart (loadModel.ts `openOn`).
 */
export class SessionTimeoutError extends ModelLoadError {}

/** Worker deaths in a row (no request answered in between) after which the host gives up. */
const MAX_CONSECUTIVE_DEATHS = 3;

export interface SessionHostOptions {
  /** The longest onnxruntime may take for one request (creating a session, or one forward pass). */
  readonly timeoutMs: number;
  readonly logger: Logger;
  /** Called once when the host gives up: its worker died `MAX_CONSECUTIVE_DEATHS` times in a row. */
  readonly onFailure?: (error: Error) => void;
  /** The worker script; defaults to sessionWorker.js beside this module. */
  readonly workerFile?: string;
}

/**
 * The caller's side of the inference worker process (see sessionWorker.ts for why a process).
 * Requests go out one at a time through a `SerialQueue`, so concurrent `run`s wait their turn in
 * call order. A request that takes longer than `timeoutMs` kills the worker and fails with a
 * `SessionTimeoutError` (a `ModelLoadError`) naming the model file. A worker that dies is replaced on the next request,
 * which reopens the session first; after `MAX_CONSECUTIVE_DEATHS` deaths in a row the host fails
 * every request. The caller's process never sees a crash of the worker.
 */
export class SessionHost {
  private readonly queue = new SerialQueue();
  private worker: WorkerProcess | undefined;
  /** The open session, reopened in a replacement worker. */
  private opened: OpenOptions | undefined;
  private deaths = 0;
  /** The provider the last `open` asked for, whether or not it opened. */
  private provider: string | undefined;
  /** Worker processes started so far: each one's number (`workerNumber`). */
  private started = 0;
  /** CPU time of the workers replaced so far. */
  private retiredCpu: NodeJS.CpuUsage = { user: 0, system: 0 };
  private finalError: Error | undefined;
  private disposal: Promise<void> | undefined;
  /** Arrays the answers' logits are read into, handed back by their readers (`recycle`). */
  private readonly logits = new LogitsPool();

  constructor(private readonly options: SessionHostOptions) {}

  /** Starts the worker process ahead of the first request, so that its start overlaps other work. */
  start(): void {
    this.worker ??= this.spawn();
  }

  /** Opens (or reopens, releasing the previous one) the session on `options.provider`. */
  open(options: OpenOptions): Promise<SessionSignature> {
    return this.queue.enqueue(async () => {
      // A session on another provider starts the count afresh: workers that died on the one before
      // (each GPU provider that hung while the load tried it) say nothing about this one.
      if (options.provider !== this.provider) this.deaths = 0;
      this.provider = options.provider;
      const { value } = await this.send({ kind: 'open', options }, [], options.modelPath);
      this.opened = options;
      return value as SessionSignature;
    });
  }

  /**
   * One forward pass; waits for earlier runs. `signal` aborts it while it waits (see `SerialQueue`).
   * `cache` uses or replaces the context cache kept in the worker (a replacement worker has none).
   */
  run(feeds: Readonly<Record<string, WireTensor>>, output: string, signal?: AbortSignal, cache?: RunCache): Promise<RunOutput> {
    const entries = Object.entries(feeds);
    const headers = entries.map(([name, { type, dims }]) => ({ name, type, dims }));
    const arrays = entries.map(([, tensor]) => tensor.data);
    return this.queue.enqueue(async () => {
      const modelPath = this.opened?.modelPath ?? 'the model';
      const { value, arrays: [data] } = await this.send({ kind: 'run', feeds: headers, output, ...(cache ? { cache } : {}) }, arrays, modelPath);
      return { data: data as Float32Array, dims: (value as { dims: number[] }).dims };
    }, signal);
  }

  /** `length` floats to write into: a recycled array (stale contents) or a fresh one. */
  floats(length: number): Float32Array {
    return this.logits.take(length);
  }

  /** `array`, an answer's logits or one from `floats`, is read no more: a later answer may go into it. */
  recycle(array: Float32Array): void {
    this.logits.recycle(array);
  }

  /**
   * The live worker's number (1 for the first, then one more for each replacement), undefined while
   * none lives: what a worker keeps (the context cache) is in the worker of that number alone.
   */
  get workerNumber(): number | undefined {
    return this.worker && !this.worker.ended ? this.started : undefined;
  }

  /** CPU time (µs) this host's worker processes have used, as of their last answers. */
  cpuUsage(): NodeJS.CpuUsage {
    const live = this.worker?.cpu ?? { user: 0, system: 0 };
    return { user: this.retiredCpu.user + live.user, system: this.retiredCpu.system + live.system };
  }

  /**
   * Gives up now: kills the worker and fails the running and every later request with `reason`
   * (a cancelled load).
   */
  abandon(reason: Error): void {
    this.finalError ??= reason;
    void this.queue.close(reason);
    this.worker?.kill(reason);
  }

  /**
   * Fails the running and waiting requests as cancelled (an `AbortedError`: whoever was filling on
   * this model sees a cancel, not a failure), then lets the worker release the session and exit.
   */
  dispose(): Promise<void> {
    this.disposal ??= (async () => {
      const released = new AbortedError('the model was released');
      this.finalError ??= released;
      void this.queue.close(released);
      // A worker that never opened a session (the load failed first) has nothing to release.
      if (!this.opened) this.worker?.kill(released);
      await this.worker?.close(released);
    })();
    return this.disposal;
  }

  private async send(request: Unnumbered<WorkerRequest>, arrays: readonly WireArray[], modelPath: string): Promise<WorkerReply> {
    if (this.finalError) throw this.finalError;
    const worker = await this.liveWorker(request.kind);
    const what = request.kind === 'open' ? 'creating the session' : 'a forward pass';
    try {
      const reply = await worker.request(request, arrays, this.options.timeoutMs, () => new SessionTimeoutError(
        modelPath,
        `onnxruntime did not finish ${what} within ${this.options.timeoutMs / 1000} s, so its worker process was stopped ` +
          '(a graph that never finishes, such as an endless Loop, does this)',
      ));
      this.deaths = 0;
      return reply;
    } catch (error) {
      throw this.failure(worker, error as Error, modelPath);
    }
  }

  /** The running worker, or a new one: a replacement reopens the session before it serves a run. */
  private async liveWorker(kind: WorkerRequest['kind']): Promise<WorkerProcess> {
    if (this.worker && !this.worker.ended) return this.worker;
    const replacing = this.worker !== undefined;
    this.retiredCpu = this.cpuUsage();
    const worker = this.spawn();
    this.worker = worker;
    if (replacing && this.opened && kind === 'run') {
      const { modelPath, provider } = this.opened;
      this.options.logger.warn(`the inference worker for ${modelPath} was replaced; reopening the session (${provider})`);
      await worker.request({ kind: 'open', options: this.opened }, [], this.options.timeoutMs, () =>
        new SessionTimeoutError(modelPath, `onnxruntime did not reopen the session within ${this.options.timeoutMs / 1000} s`),
      ).catch((error: Error) => {
        throw this.failure(worker, error, modelPath);
      });
    }
    return worker;
  }

  private spawn(): WorkerProcess {
    this.started++;
    return new WorkerProcess(this.options.workerFile ?? defaultWorkerFile, (length) => this.logits.take(length));
  }

  /** The error a failed request reports; counts worker deaths and gives up after too many. */
  private failure(worker: WorkerProcess, error: Error, modelPath: string): Error {
    if (error === this.finalError) return error;
    // onnxruntime's own error, from a worker that lives on.
    if (!worker.ended) return new InferenceError(error.message, { cause: error });
    // A timeout is already a ModelLoadError naming the file; it killed the worker, so it counts as a death.
    const failure = error instanceof ModelLoadError ? error : new InferenceError(`${modelPath}: ${error.message}`, { cause: error });
    if (++this.deaths >= MAX_CONSECUTIVE_DEATHS && !this.finalError) {
      const last = error instanceof ModelLoadError ? error.reason : error.message;
      this.finalError = new InferenceError(`${modelPath}: the inference worker died ${this.deaths} times in a row (last: ${last}); load the model again to retry`);
      void this.queue.close(this.finalError);
      this.options.onFailure?.(this.finalError);
    }
    return failure;
  }
}
