/**
 * Messages between `SessionHost` (caller's thread) and `sessionWorker` (the thread that owns the
 * onnxruntime session). Every request carries an id; the worker answers each with one response
 * of the same id. The host sends one request at a time, so the worker never runs two at once.
 */

/** An input tensor. int64 inputs travel as Int32Array (half the bytes) and are widened in the worker. */
export type WireTensor =
  | { readonly type: 'int64'; readonly data: Int32Array; readonly dims: readonly number[] }
  | { readonly type: 'float32'; readonly data: Float32Array; readonly dims: readonly number[] };

/** A graph input or output as the runtime sees it; `type` is onnxruntime's name ('int64', 'float32', ...) or 'non-tensor'. */
export interface ValueSignature {
  readonly name: string;
  readonly type: string;
}

export interface SessionSignature {
  readonly inputs: readonly ValueSignature[];
  readonly outputs: readonly ValueSignature[];
}

export interface RunOutput {
  /** The output's data, its buffer transferred (not copied) from the worker. */
  readonly data: Float32Array;
  readonly dims: readonly number[];
}

export interface OpenOptions {
  readonly modelPath: string;
  readonly provider: string;
  readonly threads: number;
}

export type WorkerRequest =
  | { readonly id: number; readonly kind: 'open'; readonly options: OpenOptions }
  | { readonly id: number; readonly kind: 'run'; readonly feeds: Readonly<Record<string, WireTensor>>; readonly output: string }
  | { readonly id: number; readonly kind: 'close' };

/** What each request kind answers with. */
export interface WorkerReplies {
  open: SessionSignature;
  run: RunOutput;
  close: null;
}

export type WorkerResponse =
  | { readonly id: number; readonly ok: true; readonly value: WorkerReplies[keyof WorkerReplies] }
  | { readonly id: number; readonly ok: false; readonly error: string };
