import { availableParallelism } from 'node:os';
import { performance } from 'node:perf_hooks';
import { AbortedError, InferenceError, InvalidRequestError, isAbortError, ModelLoadError } from '../../core/errors';
import { nullLogger, taggedLogger, type Logger } from '../../core/logger';
import type { Denoiser, DiffusionSpec } from '../../sampler/types';
import type { TextTokenizer } from '../../tokenizer';
import { currentEnvironment, providerCandidates, type ExecutionProviderChoice } from './executionProviders';
import { checkGraphSignature } from './graphSignature';
import type { ModelMeta } from '../folder/meta';
import { inspectModelFolder, type InspectedModel } from '../folder/modelFolder';
import { OnnxDenoiser } from './onnxDenoiser';
import { openWithFallback } from './providerFallback';
import { SessionHost, SessionTimeoutError } from './sessionHost';
import { checkWarmUp } from './warmUp';

export interface LoadedModel {
  readonly dir: string;
  readonly name: string;
  readonly meta: ModelMeta;
  readonly spec: DiffusionSpec;
  readonly tokenizer: TextTokenizer;
  readonly denoiser: Denoiser;
  /** The live execution provider, e.g. 'cpu' or 'webgpu'. */
  readonly provider: string;
  /**
   * `process.cpuUsage(previous)` plus the CPU time of this model's inference worker process: what
   * fills cost in CPU, on whichever side it was spent (µs; the worker's as of its last answer).
   */
  cpuUsage(previous?: NodeJS.CpuUsage): NodeJS.CpuUsage;
  /** Ends the worker; running and later runs reject with an `AbortedError` (a cancel, not a failure). */
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
  /**
   * The longest onnxruntime may take to create the session or to run one forward pass, loading
   * or later; past it the worker is stopped and a `ModelLoadError` names the model file (while
   * loading on a provider other than the CPU, the load tries the next provider instead). Default 60 s.
   */
  timeoutMs?: number;
  /** Aborts the load: the worker is stopped and the load rejects with an `AbortedError`. */
  signal?: AbortSignal;
  /** Called if the loaded model's worker keeps dying and the model gives up (see `SessionHost`). */
  onFailure?: (error: Error) => void;
}

const defaultTimeoutMs = 60_000;

/**
 * Validates the folder, then opens the model on the first execution provider that both creates a
 * session and passes the warm-up check (`checkWarmUp`).
 */
export async function loadModel(dir: string, options: LoadOptions = {}): Promise<LoadedModel> {
  const started = performance.now();
  const logger = taggedLogger(options.logger ?? nullLogger, 'model');
  const threads = options.threads ?? Math.min(8, Math.max(1, Math.floor(availableParallelism() / 2)));
  if (!Number.isInteger(threads) || threads < 1) throw new InvalidRequestError(`threads must be a positive integer, got ${threads}`);
  const { signal } = options;
  if (signal?.aborted) throw new AbortedError();
  const choice = options.executionProvider ?? 'auto';
  const host = new SessionHost({
    timeoutMs: options.timeoutMs ?? defaultTimeoutMs,
    logger,
    onFailure: options.onFailure,
    workerFile: options.workerFile,
  });
  // The worker process starts, and loads onnxruntime, while the folder is inspected.
  host.start();
  const abort = (): void => host.abandon(new AbortedError());
  signal?.addEventListener('abort', abort, { once: true });
  try {
    const model = await inspectModelFolder(dir);
    if (signal?.aborted) throw new AbortedError();
    const providers = options.providers ?? (model.cpuOnly && choice === 'auto' ? ['cpu'] : providersFor(choice, logger));
    if (model.cpuOnly && choice === 'auto') logger.debug('model.onnx uses onnxruntime\'s CPU contrib ops: opening it on the CPU');
    const { value: denoiser, provider, failed } = await openWithFallback(
      providers,
      (candidate) => openOn(host, model, candidate, threads),
      logger,
      choice === 'auto' && !options.providers,
    );
    const file = provider === 'cpu' && model.files.cpuModel ? ', model.cpu.onnx' : '';
    const skipped = failed.length > 0 ? `; ${failed.join(', ')} unavailable: the reason at debug level` : '';
    logger.info(`loaded ${model.meta.name} in ${Math.round(performance.now() - started)} ms (${provider}${file}${skipped})`);
    return {
      dir: model.files.dir,
      name: model.meta.name,
      meta: model.meta,
      spec: model.spec,
      tokenizer: model.tokenizer,
      denoiser,
      provider,
      cpuUsage: (previous) => {
        const own = process.cpuUsage();
        const worker = host.cpuUsage();
        return { user: own.user + worker.user - (previous?.user ?? 0), system: own.system + worker.system - (previous?.system ?? 0) };
      },
      dispose: async () => {
        await host.dispose();
        logger.debug(`released ${model.meta.name}`);
      },
    };
  } catch (error) {
    await host.dispose();
    throw error;
  } finally {
    signal?.removeEventListener('abort', abort);
  }
}

/** The providers to try for `choice` on this machine, saying why the automatic choice leaves WebGPU out. */
function providersFor(choice: ExecutionProviderChoice, logger: Logger): string[] {
  const environment = currentEnvironment();
  if (choice === 'auto' && environment.softwareVulkan) {
    logger.debug(`the only Vulkan drivers are software renderers (${environment.softwareVulkan.join(', ')}): WebGPU would emulate a GPU on the CPU; not tried`);
  }
  return providerCandidates(choice, environment);
}

/**
 * Opens and warms up the model on `provider`. A GPU provider that hangs (its driver stuck creating
 * the session or running the warm-up) says nothing about the model, so its timeout is a plain
 * provider failure and the load goes on to the next provider; on the CPU provider the graph
 * itself never finishes (an endless Loop), and the timeout stays the `ModelLoadError` it is.
 */
async function openOn(host: SessionHost, model: InspectedModel, provider: string, threads: number): Promise<OnnxDenoiser> {
  try {
    return await openAndWarmUp(host, model, provider, threads);
  } catch (error) {
    if (error instanceof SessionTimeoutError && provider !== 'cpu') throw new InferenceError(error.message, { cause: error });
    throw error;
  }
}

async function openAndWarmUp(host: SessionHost, model: InspectedModel, provider: string, threads: number): Promise<OnnxDenoiser> {
  const { files, meta, spec } = model;
  // The CPU provider runs model.cpu.onnx when the folder has one (see ModelFiles.cpuModel).
  const modelPath = provider === 'cpu' && files.cpuModel ? files.cpuModel : files.model;
  const signature = await host.open({ modelPath, provider, threads }).catch((error: Error) => {
    // CPU needs no device: if it cannot create a session, the file is at fault, not the provider.
    if (provider === 'cpu' && !(error instanceof ModelLoadError) && !isAbortError(error)) throw new ModelLoadError(modelPath, `onnxruntime cannot load it: ${error.message}`, { cause: error });
    throw error;
  });
  checkGraphSignature(modelPath, files.meta, meta, signature);
  const denoiser = new OnnxDenoiser(spec, meta, host, provider);
  await checkWarmUp(denoiser, meta, modelPath, provider);
  return denoiser;
}
