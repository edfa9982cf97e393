/**
 * The inference process: owns one onnxruntime InferenceSession and answers `WorkerRequest`s read
 * from stdin, writing responses to stdout (see workerProtocol.ts and frames.ts). It is a process,
 * not a thread, because onnxruntime-node's `run` blocks the thread that calls it and cannot be
 * interrupted: a graph that never finishes can only be stopped by ending its process, and ending a
 * worker thread mid-run aborts the whole host process (the binding throws a Napi::Error into a
 * terminating environment: SIGABRT).
 */
// First, before onnxruntime loads: it reads the telemetry switch from the environment as it initialises.
import './runtimeTelemetry';
import type * as Ort from 'onnxruntime-node';
import { errorMessage } from '../../core/errors';
import { appendRows, carryRows, selectBatch, selectRows, type Allocate } from './cacheRows';
import { encodeFrame, FrameReader, MAX_ARRAY_BYTES, type WireArray } from './frames';
import { KeptBuffers } from './keptBuffers';
import { watchForOrphaning } from './orphanWatch';
import { ortTensor } from './ortTensor';
import type { FeedHeader, OpenOptions, RunCache, RunOutput, SessionSignature, ValueSignature, WireTensor, WorkerRequest, WorkerResponse, WorkerValue } from './workerProtocol';

const runtime: Promise<typeof Ort> = import('onnxruntime-node');

let session: Ort.InferenceSession | undefined;
interface KeptTensors {
  readonly key: Ort.Tensor;
  readonly value: Ort.Tensor;
}
/** The context's keys and values kept by the last call that kept one, and its id (RunCache.context); belongs to `session`. */
let kept: (KeptTensors & { readonly id: number }) | undefined;
/** The arrays kept contexts are written into, reused from run to run. */
const buffers = new KeptBuffers();
/** Requests are served one at a time, in arrival order (the host sends one at a time anyway). */
let serving: Promise<void> = Promise.resolve();

const reader = new FrameReader();
process.stdin.on('data', (chunk: Buffer) => {
  for (const { header, arrays } of reader.push(chunk)) {
    const request = header as WorkerRequest;
    serving = serving.then(() => serve(request, arrays)).then(
      ({ value, data }) => respond({ id: request.id, ok: true, value, cpu: process.cpuUsage() }, data ? [data] : []),
      (error: unknown) => respond({ id: request.id, ok: false, error: errorMessage(error), cpu: process.cpuUsage() }),
    );
  }
});
// The host closes stdin to end the worker; it also ends when the host dies without doing so.
process.stdin.on('end', () => void serving.then(release).finally(() => process.exit(0)));
watchForOrphaning();

function respond(response: WorkerResponse, arrays: WireArray[] = []): void {
  for (const buffer of encodeFrame(response, arrays)) process.stdout.write(buffer);
}

async function serve(request: WorkerRequest, arrays: readonly WireArray[]): Promise<{ value: WorkerValue; data?: Float32Array }> {
  switch (request.kind) {
    case 'open':
      return { value: await open(request.options) };
    case 'run': {
      const { data, dims } = await run(request.feeds, arrays, request.output, request.cache);
      return { value: { dims }, data };
    }
  }
}

async function open(options: OpenOptions): Promise<SessionSignature> {
  await release();
  const ort = await runtime;
  session = await ort.InferenceSession.create(options.modelPath, {
    executionProviders: [options.provider],
    graphOptimizationLevel: 'all',
    intraOpNumThreads: options.threads,
    // One graph at a time: parallelism comes from intra-op threads, not from running branches side by side.
    interOpNumThreads: 1,
    executionMode: 'sequential',
    logSeverityLevel: 3,
    // Idle intra-op threads sleep instead of spin-waiting for the next parallel section: a spinning
    // pool takes cores from the editor, and on a busy 2-4 core machine it made each forward slower,
    // not faster (bench/README.md, §4).
    extra: { session: { intra_op: { allow_spinning: '0' }, inter_op: { allow_spinning: '0' } } },
  });
  const describe = (m: Ort.InferenceSession.ValueMetadata): ValueSignature =>
    m.isTensor ? { name: m.name, type: m.type, shape: m.shape } : { name: m.name, type: 'non-tensor' };
  return { inputs: session.inputMetadata.map(describe), outputs: session.outputMetadata.map(describe) };
}

async function run(feeds: readonly FeedHeader[], arrays: readonly WireArray[], outputName: string, cache?: RunCache): Promise<RunOutput> {
  if (!session) throw new Error('no session is open');
  if (cache?.keep && cache.extend) throw new Error('a run either keeps its context or extends the kept one, not both');
  const ort = await runtime;
  const tensors: Record<string, Ort.Tensor> = {};
  feeds.forEach(({ name, type, dims }, i) => (tensors[name] = ortTensor(ort, { type, data: arrays[i], dims } as WireTensor)));
  // the context this run reads and then keeps; `kept` changes only once the run has succeeded
  let context: KeptTensors | undefined;
  const allocate = keptAllocator();
  if (cache?.past) {
    context = keptFor(cache.context.reads);
    const { batchRows, carry } = cache.past;
    if (carry) {
      const move = (tensor: Ort.Tensor, rotary?: { base: number }): Ort.Tensor => {
        const { data, dims } = carryRows(tensor.data as Float32Array, tensor.dims, carry.rows, carry.shifts, rotary, allocate);
        return new ort.Tensor('float32', data, dims);
      };
      context = { key: move(context.key, { base: carry.base }), value: move(context.value) };
    }
    if (batchRows) {
      const narrow = (tensor: Ort.Tensor): Ort.Tensor => {
        const { data, dims } = selectBatch(tensor.data as Float32Array, tensor.dims, batchRows);
        return new ort.Tensor('float32', data, dims);
      };
      context = { key: narrow(context.key), value: narrow(context.value) };
    }
    tensors[cache.past.key] = context.key;
    tensors[cache.past.value] = context.value;
  }
  const keep = cache?.keep;
  const extend = cache?.extend;
  const stored = keep ?? extend;
  const result = await session.run(tensors, stored ? [outputName, stored.key, stored.value] : [outputName]);
  if (extend && context) {
    const past = context;
    const grow = (tensor: Ort.Tensor, name: string): Ort.Tensor => {
      const { data, dims } = appendRows(tensor.data as Float32Array, tensor.dims, result[name].data as Float32Array, result[name].dims, extend.rows, allocate);
      return new ort.Tensor('float32', data, dims);
    };
    context = { key: grow(past.key, extend.key), value: grow(past.value, extend.value) };
  }
  if (keep) {
    const rowsOf = (name: string): Ort.Tensor => {
      const { data, dims } = selectRows(result[name].data as Float32Array, result[name].dims, keep.rows, keep.copies, allocate);
      return new ort.Tensor('float32', data, dims);
    };
    context = { key: rowsOf(keep.key), value: rowsOf(keep.value) };
  }
  if (cache && context) kept = { ...context, id: cache.context.keeps };
  const logits = result[outputName];
  if (logits.type !== 'float32') throw new Error(`output '${outputName}' is ${logits.type}, expected float32`);
  // A larger frame would be read as a corrupt stream and this worker killed for it: a request too
  // large (thousands of rows) is the caller's to split, and the worker serves on.
  const bytes = (logits.data as Float32Array).byteLength;
  if (bytes > MAX_ARRAY_BYTES) throw new Error(`logits of ${bytes} bytes exceed the ${MAX_ARRAY_BYTES / 2 ** 30} GiB a reply may carry; ask for fewer rows`);
  return { data: logits.data as Float32Array, dims: logits.dims };
}

/**
 * Pooled arrays for the tensors a run makes of the kept context: never one that the kept context
 * (which a failed run leaves in place) or an earlier tensor of the same run still holds.
 */
function keptAllocator(): Allocate {
  const held = kept ? [kept.key.data as Float32Array, kept.value.data as Float32Array] : [];
  return (length) => {
    const array = buffers.take(length, held);
    held.push(array);
    return array;
  };
}

/** The kept context a cached call was planned against (RunCache.context.reads), or why it cannot run. */
function keptFor(reads: number | undefined): KeptTensors {
  if (!kept) throw new Error('no context cache is kept in this worker: a cached call needs a refresh call first');
  if (kept.id !== reads) {
    throw new Error(`the kept context is #${kept.id}, but this cached call was planned against #${reads}: a call queued between them replaced it (one denoiser's fills must not overlap)`);
  }
  return kept;
}

async function release(): Promise<void> {
  const closing = session;
  session = undefined;
  kept = undefined;
  await closing?.release();
}
