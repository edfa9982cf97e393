import { availableParallelism } from 'node:os';
import { performance } from 'node:perf_hooks';
import { InvalidRequestError, ModelLoadError } from '../core/errors';
import { nullLogger, taggedLogger, type Logger } from '../core/logger';
import type { DenoiseRequest, Denoiser, DiffusionSpec } from '../sampler/types';
import type { TextTokenizer } from '../tokenizer';
import { providerCandidates, type ExecutionProviderChoice } from './executionProviders';
import { checkGraphSignature } from './graphSignature';
import type { ModelMeta } from './meta';
import { inspectModelFolder, type InspectedModel } from './modelFolder';
import { OnnxDenoiser } from './onnxDenoiser';
import { openWithFallback } from './providerFallback';
import { SessionHost } from './sessionHost';

export interface LoadedModel {
  readonly dir: string;
  readonly name: string;
  readonly meta: ModelMeta;
  readonly spec: DiffusionSpec;
  readonly tokenizer: TextTokenizer;
  readonly denoiser: Denoiser;
  /** The live execution provider, e.g. 'cpu' or 'webgpu'. */
  readonly provider: string;
  /** Waits for a running inference, releases the session and ends the worker; later runs reject. */
  dispose(): Promise<void>;
}

export interface LoadOptions {
  /** Default 'auto' (see `providerCandidates`). */
  executionProvider?: ExecutionProviderChoice;
  /** Intra-op threads for CPU inference; default half the cores, at most 8, leaving the editor room. */
  threads?: number;
  logger?: Logger;
  /** Providers to try in order, overriding `executionProvider`; for tests and diagnostics. */
  providers?: readonly string[];
  /** The worker script; defaults to sessionWorker.js beside this module. For tests. */
  workerFile?: string;
}

/** Canvas of the warm-up run: short, but long enough for any model (max_length >= 8). */
const warmUpLength = 8;

/**
 * Validates the folder, then opens the model on the first execution provider that both creates a
 * session and survives a warm-up run (the run also checks the logits width against vocab_size).
 */
export async function loadModel(dir: string, options: LoadOptions = {}): Promise<LoadedModel> {
  const started = performance.now();
  const logger = taggedLogger(options.logger ?? nullLogger, 'model');
  const threads = options.threads ?? Math.min(8, Math.max(1, Math.floor(availableParallelism() / 2)));
  if (!Number.isInteger(threads) || threads < 1) throw new InvalidRequestError(`threads must be a positive integer, got ${threads}`);
  const model = await inspectModelFolder(dir);
  const choice = options.executionProvider ?? 'auto';
  const providers = options.providers ?? providerCandidates(choice);
  const host = new SessionHost(options.workerFile);
  try {
    const { value: denoiser, provider } = await openWithFallback(
      providers,
      (candidate) => openOn(host, model, candidate, threads),
      logger,
      choice === 'auto' && !options.providers,
    );
    const file = provider === 'cpu' && model.files.cpuModel ? ', model.cpu.onnx' : '';
    logger.info(`loaded ${model.meta.name} in ${Math.round(performance.now() - started)} ms (${provider}${file})`);
    return {
      dir: model.files.dir,
      name: model.meta.name,
      meta: model.meta,
      spec: model.spec,
      tokenizer: model.tokenizer,
      denoiser,
      provider,
      dispose: async () => {
        await host.dispose();
        logger.debug(`released ${model.meta.name}`);
      },
    };
  } catch (error) {
    await host.dispose();
    throw error;
  }
}

async function openOn(host: SessionHost, model: InspectedModel, provider: string, threads: number): Promise<OnnxDenoiser> {
  const { files, meta, spec } = model;
  // The CPU provider runs model.cpu.onnx when the folder has one (see ModelFiles.cpuModel).
  const modelPath = provider === 'cpu' && files.cpuModel ? files.cpuModel : files.model;
  const signature = await host.open({ modelPath, provider, threads }).catch((error: Error) => {
    // CPU needs no device: if it cannot create a session, the file is at fault, not the provider.
    if (provider === 'cpu') throw new ModelLoadError(modelPath, `onnxruntime cannot load it: ${error.message}`, { cause: error });
    throw error;
  });
  checkGraphSignature(modelPath, meta, signature);
  const denoiser = new OnnxDenoiser(spec, meta, host);
  // logits: [1, 1, V]
  const { data, dims } = await denoiser.forward(warmUpRequest(spec));
  if (dims.length !== 3 || dims[2] !== spec.vocabSize) {
    throw new ModelLoadError(modelPath, `logits of shape [${dims.join(', ')}] do not end in meta.json's vocab_size ${spec.vocabSize}`);
  }
  // A provider that computes garbage is as unusable as one that fails: fall back.
  if (data.some((x) => Number.isNaN(x))) throw new Error(`the warm-up run produced NaN logits`);
  return denoiser;
}

function warmUpRequest(spec: DiffusionSpec): DenoiseRequest {
  return {
    tokens: new Int32Array(warmUpLength).fill(spec.maskId),
    batch: 1,
    length: warmUpLength,
    positions: new Int32Array([0]),
    queries: 1,
    cond: spec.condKind === 'none' ? undefined : new Float32Array([0.5]),
  };
}
