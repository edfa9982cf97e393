import { spawn, type ChildProcessByStdio } from 'node:child_process';
import type { Readable, Writable } from 'node:stream';
import { encodeFrame, FrameReader, type AllocateFloats, type WireArray } from './frames';
import type { WorkerRequest, WorkerResponse, WorkerValue } from './workerProtocol';

/** A request before the process numbers it (the conditional type applies Omit to each member of the union). */
export type Unnumbered<T> = T extends unknown ? Omit<T, 'id'> : never;

export interface WorkerReply {
  readonly value: WorkerValue;
  readonly arrays: readonly WireArray[];
}

/** How long a closed worker may take to release its session and exit before it is killed. */
const CLOSE_GRACE_MS = 2000;
/** The end of the worker's stderr kept for the message when it dies (a native crash prints there). */
const STDERR_TAIL_CHARS = 1000;

/** Workers alive in this process, killed when it exits: an 'exit' listener can only act synchronously. */
const live = new Set<WorkerProcess>();
let exitHookInstalled = false;

/**
 * One inference worker process (sessionWorker.js) and the frames to and from it. A request that
 * outlives its timeout, or `kill`, ends the process with SIGKILL, which stops even a worker stuck in
 * native code; any end fails the outstanding request with the reason. The process never keeps its
 * parent alive while idle (a CLI exits when its work is done).
 */
export class WorkerProcess {
  private readonly child: ChildProcessByStdio<Writable, Readable, Readable>;
  private readonly reader: FrameReader;
  private readonly pending = new Map<number, { resolve: (reply: WorkerReply) => void; reject: (error: Error) => void }>();
  private nextId = 1;
  private stderrTail = '';
  private _ended: Error | undefined;
  private _cpu: NodeJS.CpuUsage = { user: 0, system: 0 };
  private readonly exited: Promise<void>;

  /** `allocateFloats`: where answers' float arrays are read into. */
  constructor(workerFile: string, allocateFloats?: AllocateFloats) {
    this.reader = new FrameReader(allocateFloats);
    // ELECTRON_RUN_AS_NODE: in the desktop editor, process.execPath is Electron, which runs as plain Node with it.
    this.child = spawn(process.execPath, [workerFile], {
      stdio: ['pipe', 'pipe', 'pipe'],
      env: { ...process.env, ELECTRON_RUN_AS_NODE: '1' },
      windowsHide: true,
    });
    live.add(this);
    installExitHook();
    this.exited = new Promise((resolve) => {
      this.child.once('exit', () => resolve());
      this.child.once('error', () => resolve());
    });
    this.child.once('exit', (code, signal) => {
      live.delete(this);
      const tail = this.stderrTail.trim().split('\n').pop();
      this.end(new Error(`the inference worker process exited unexpectedly (${signal ?? `code ${code}`})${tail ? `: ${tail}` : ''}`));
    });
    this.child.once('error', (error) => this.end(new Error(`the inference worker process failed to start: ${error.message}`)));
    this.child.stdout.on('data', (chunk: Buffer) => this.receive(chunk));
    this.child.stderr.on('data', (chunk: Buffer) => {
      this.stderrTail = (this.stderrTail + chunk.toString('utf8')).slice(-STDERR_TAIL_CHARS);
    });
    // A write to a worker that has just died fails here; its exit reports why.
    this.child.stdin.on('error', () => undefined);
    this.setReferenced(false);
  }

  /** The process's CPU time (µs) as of its last answer. */
  get cpu(): NodeJS.CpuUsage {
    return this._cpu;
  }

  /** Why the process ended (killed, closed or died), or undefined while it runs. */
  get ended(): Error | undefined {
    return this._ended;
  }

  /** Sends `request`; if no answer comes within `timeoutMs`, kills the process with `onTimeout()`. */
  request(request: Unnumbered<WorkerRequest>, arrays: readonly WireArray[], timeoutMs: number, onTimeout: () => Error): Promise<WorkerReply> {
    if (this._ended) return Promise.reject(this._ended);
    const id = this.nextId++;
    return new Promise<WorkerReply>((resolve, reject) => {
      const timer = setTimeout(() => this.kill(onTimeout()), timeoutMs);
      const settle = <T>(finish: (value: T) => void) => (value: T): void => {
        clearTimeout(timer);
        this.pending.delete(id);
        if (this.pending.size === 0) this.setReferenced(false);
        finish(value);
      };
      this.pending.set(id, { resolve: settle(resolve), reject: settle(reject) });
      this.setReferenced(true);
      for (const buffer of encodeFrame({ ...request, id }, arrays)) this.child.stdin.write(buffer);
    });
  }

  /** Ends the process now (SIGKILL) and fails the outstanding request with `reason`. */
  kill(reason: Error): void {
    this.end(reason);
    this.child.kill('SIGKILL');
  }

  /**
   * Fails the outstanding request with `reason` and asks the process to release its session and
   * exit (stdin closes); kills it if it has not within a grace period. Resolves once it is gone.
   */
  async close(reason: Error): Promise<void> {
    this.end(reason);
    this.child.stdin.end();
    const grace = setTimeout(() => this.child.kill('SIGKILL'), CLOSE_GRACE_MS);
    await this.exited;
    clearTimeout(grace);
  }

  private receive(chunk: Buffer): void {
    let frames;
    try {
      frames = this.reader.push(chunk);
    } catch (error) {
      this.kill(new Error(`the inference worker broke the protocol: ${(error as Error).message}`));
      return;
    }
    for (const { header, arrays } of frames) {
      const response = header as WorkerResponse;
      this._cpu = response.cpu;
      const waiter = this.pending.get(response.id);
      if (!waiter) continue;
      if (response.ok) waiter.resolve({ value: response.value, arrays });
      else waiter.reject(new Error(`onnxruntime: ${response.error}`));
    }
  }

  private end(reason: Error): void {
    if (this._ended) return;
    this._ended = reason;
    for (const waiter of this.pending.values()) waiter.reject(reason);
  }

  private setReferenced(referenced: boolean): void {
    const handles = [this.child, this.child.stdin, this.child.stdout, this.child.stderr] as Array<{ ref?: () => void; unref?: () => void }>;
    for (const handle of handles) (referenced ? handle.ref : handle.unref)?.call(handle);
  }
}

function installExitHook(): void {
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  process.on('exit', () => {
    for (const worker of live) worker.kill(new Error('the process is exiting'));
  });
}
