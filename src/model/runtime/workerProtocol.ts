/**
 * Messages between `SessionHost` (the caller's process) and `sessionWorker` (the process that owns
 * the onnxruntime session), as `frames.ts` frames on the worker's stdin and stdout. Every request
 * carries an id; the worker answers each with one response of the same id. The host sends one
 * request at a time, so the worker never runs two at once. The worker's stdin closing asks it to
 * release the session and exit.
 */

/** An input tensor. int64 inputs travel as Int32Array (half the bytes) and are widened in the worker. */
export type WireTensor =
  | { readonly type: 'int64'; readonly data: Int32Array; readonly dims: readonly number[] }
  | { readonly type: 'float32'; readonly data: Float32Array; readonly dims: readonly number[] };

/** A graph input or output as the runtime sees it; `type` is onnxruntime's name ('int64', 'float32', ...) or 'non-tensor'. */
export interface ValueSignature {
  readonly name: string;
  readonly type: string;
  /** A tensor's axes as the graph declares them: a number where fixed, a name (e.g. 'B') where dynamic. */
  readonly shape?: ReadonlyArray<number | string>;
}

export interface SessionSignature {
  readonly inputs: readonly ValueSignature[];
  readonly outputs: readonly ValueSignature[];
}

export interface RunOutput {
  readonly data: Float32Array;
  readonly dims: readonly number[];
}

export interface OpenOptions {
  readonly modelPath: string;
  readonly provider: string;
  readonly threads: number;
}

/** A feed without its data, which follows the header as the frame's arrays, in `feeds` order. */
export interface FeedHeader {
  readonly name: string;
  readonly type: WireTensor['type'];
  readonly dims: readonly number[];
}

/**
 * The context cache (meta.json `context_cache`) stays in the worker: the keys and values of a
 * canvas's context are megabytes, kept where the next run needs them rather than sent back and forth.
 */
export interface RunCache {
  /**
   * Which kept context the run reads (`reads`, with `past`) and which the worker keeps after it
   * (`keeps`: a new id when the run keeps, extends, carries or narrows one; else the one it read).
   * The caller plans a cached call from the context it believes the worker keeps; the worker refuses
   * a call planned against another, e.g. one that a call queued between them replaced.
   */
  readonly context: { readonly reads?: number; readonly keeps: number };
  /**
   * Feed the kept keys and values as these two inputs (a cached call); the run's feeds lack them.
   * With `batchRows`, first narrow the kept ones to these of their batch rows (axis 1), in this
   * order, and keep the narrowed ones: the context of the rows a pruned fill still runs.
   */
  readonly past?: { readonly key: string; readonly value: string; readonly batchRows?: readonly number[]; readonly carry?: CarryRows };
  /**
   * After the run, keep the rows `rows` (indices into the run's rows: axis 3 of
   * [layers, B, heads, rows, headDim]) of these two outputs as the cache, replacing the kept one;
   * its batch repeated `copies` times (default 1: one batch row's context serving several).
   */
  readonly keep?: { readonly key: string; readonly value: string; readonly rows: readonly number[]; readonly copies?: number };
  /**
   * After a cached call on a shared context: append the rows `rows` of the first batch row of these
   * two outputs to the kept context (cacheRows.ts `appendRows`): the context positions a carried
   * context lacked, which the call ran. Never with `keep`, which would replace what it extends.
   */
  readonly extend?: { readonly key: string; readonly value: string; readonly rows: readonly number[] };
}

/**
 * With `past`: first carry the kept shared context to another canvas (cacheRows.ts `carryRows`):
 * its row `rows[i]` becomes row i, its key moved `shifts[i]` positions by the graph's rotary
 * `base`; the carried context is kept.
 */
export interface CarryRows {
  readonly rows: readonly number[];
  readonly shifts: readonly number[];
  readonly base: number;
}

export type WorkerRequest =
  | { readonly id: number; readonly kind: 'open'; readonly options: OpenOptions }
  | { readonly id: number; readonly kind: 'run'; readonly feeds: readonly FeedHeader[]; readonly output: string; readonly cache?: RunCache };

/** What a request answers with: 'open' the session's signature, 'run' the logits' dims (their data is the frame's one array). */
export type WorkerValue = SessionSignature | { readonly dims: readonly number[] };

/** Every answer carries the worker's CPU time so far (process.cpuUsage, µs): its parent cannot measure it. */
export type WorkerResponse = { readonly cpu: NodeJS.CpuUsage } & (
  | { readonly id: number; readonly ok: true; readonly value: WorkerValue }
  | { readonly id: number; readonly ok: false; readonly error: string }
);
