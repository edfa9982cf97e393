/**
 * The inference thread: owns one onnxruntime InferenceSession and answers `WorkerRequest`s
 * (see workerProtocol.ts). onnxruntime-node's `run` blocks the thread it is called on, which is
 * why it lives here and not on the extension host's thread.
 */
import { parentPort } from 'node:worker_threads';
import * as ort from 'onnxruntime-node';
import { toBigInt64Array } from './int64';
import type {
  OpenOptions,
  RunOutput,
  SessionSignature,
  WireTensor,
  WorkerReplies,
  WorkerRequest,
  WorkerResponse,
} from './workerProtocol';

if (!parentPort) throw new Error('sessionWorker must run as a worker thread');
const port = parentPort;

let session: ort.InferenceSession | undefined;

port.on('message', (request: WorkerRequest) => {
  serve(request).then(
    ({ value, transfer }) => respond({ id: request.id, ok: true, value }, transfer),
    (error: unknown) => respond({ id: request.id, ok: false, error: error instanceof Error ? error.message : String(error) }),
  );
});

function respond(response: WorkerResponse, transfer: ArrayBuffer[] = []): void {
  port.postMessage(response, transfer);
}

async function serve(request: WorkerRequest): Promise<{ value: WorkerReplies[keyof WorkerReplies]; transfer?: ArrayBuffer[] }> {
  switch (request.kind) {
    case 'open':
      return { value: await open(request.options) };
    case 'run': {
      const output = await run(request.feeds, request.output);
      return { value: output, transfer: [output.data.buffer as ArrayBuffer] };
    }
    case 'close':
      await close();
      return { value: null };
  }
}

async function open(options: OpenOptions): Promise<SessionSignature> {
  await close();
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
  const describe = (m: ort.InferenceSession.ValueMetadata): { name: string; type: string } => ({
    name: m.name,
    type: m.isTensor ? m.type : 'non-tensor',
  });
  return { inputs: session.inputMetadata.map(describe), outputs: session.outputMetadata.map(describe) };
}

async function run(feeds: Readonly<Record<string, WireTensor>>, outputName: string): Promise<RunOutput> {
  if (!session) throw new Error('no session is open');
  const tensors: Record<string, ort.Tensor> = {};
  for (const [name, tensor] of Object.entries(feeds)) {
    tensors[name] =
      tensor.type === 'int64'
        ? new ort.Tensor('int64', toBigInt64Array(tensor.data), tensor.dims)
        : new ort.Tensor('float32', tensor.data, tensor.dims);
  }
  const result = await session.run(tensors, [outputName]);
  const logits = result[outputName];
  if (logits.type !== 'float32') throw new Error(`output '${outputName}' is ${logits.type}, expected float32`);
  return { data: logits.data as Float32Array, dims: logits.dims };
}

async function close(): Promise<void> {
  const closing = session;
  session = undefined;
  await closing?.release();
}
