import { throwIfAborted } from '../core/errors';
import { type Logger, nullLogger, taggedLogger } from '../core/logger';
import { LruCache } from '../core/lru';
import { type SampleResult, type StepInfo, sample } from '../sampler';
import type { Denoiser } from '../sampler/types';
import type { TextTokenizer } from '../tokenizer';
import { buildCanvas, type CanvasLayout } from './canvas';
import { cacheKey, resultShaping } from './cacheKey';
import { CACHE_ENTRIES } from './defaults';
import { readHole } from './extract';
import { holeSlots } from './holeLength';
import { optionsForModel } from './modelOptions';
import { postProcess } from './postprocess';
import type { Candidate, HoleFill, InfillHooks, InfillOptions, InfillRequest, InfillResult } from './types';
import { validateOptions, validateRequest } from './validate';

interface Run {
  readonly result: SampleResult;
  readonly cached: boolean;
}

/**
 * Fills the holes of a document with a masked-diffusion model: builds the canvas, samples it (all
 * holes jointly, candidates as batch rows, one run per tried hole length), reads and
 * post-processes the fills. Identical requests are served from an LRU cache of sampled canvases.
 */
export class InfillEngine {
  private readonly log: Logger;
  private readonly cache: LruCache<string, SampleResult>;
  private readonly stopIds: ReadonlySet<number>;

  constructor(
    private readonly model: { denoiser: Denoiser; tokenizer: TextTokenizer },
    logger: Logger = nullLogger,
    cacheEntries = CACHE_ENTRIES,
  ) {
    this.log = taggedLogger(logger, 'infill');
    this.cache = new LruCache(cacheEntries);
    this.stopIds = new Set([model.denoiser.spec.padId, model.denoiser.spec.eosId]);
  }

  /** Fills the request's holes; `requested` options are adapted to the model's family by `optionsForModel`. */
  async fill(request: InfillRequest, requested: InfillOptions, hooks: InfillHooks = {}): Promise<InfillResult> {
    const started = performance.now();
    validateRequest(request);
    validateOptions(requested);
    const { spec } = this.model.denoiser;
    const options = optionsForModel(spec, requested);
    const contextTokens = Math.min(options.contextTokens, spec.maxLength);
    const selectionTokens = await Promise.all(request.holes.map(async ({ start, end }) =>
      start === end ? 0 : (await this.model.tokenizer.encode(request.text.slice(start, end))).ids.length));
    const wanted = options.candidates ?? 1;
    // Greedy decoding in a fixed order gives every row the same fill: one row serves.
    const batch = options.temperature === 0 && options.strategy !== 'random' ? 1 : wanted;

    const scored: Array<{ candidate: Candidate; canvasTokens: number }> = [];
    let nfe = 0;
    let steps = 0;
    let cached = true;
    for (const maxTokens of options.lengths ?? [options.maxTokens]) {
      throwIfAborted(hooks.signal);
      const slots = request.holes.map((hole, i) => holeSlots(hole, selectionTokens[i], maxTokens));
      const canvas = await buildCanvas(this.model.tokenizer, spec, request, slots, contextTokens);
      this.log.debug(`canvas ${canvas.ids.length} tokens: prefix ${canvas.prefixTokens}, holes [${slots.join(', ')}], suffix ${canvas.suffixTokens}`);
      const run = await this.sampleCached(canvas, batch, options, hooks);
      if (!run.cached) {
        nfe += run.result.nfe;
        steps += run.result.steps;
        cached = false;
      }
      for (let row = 0; row < batch; row++) {
        scored.push({ candidate: await this.readCandidate(run.result, canvas, row, request), canvasTokens: canvas.ids.length });
      }
    }
    const best = distinct(scored.sort((a, b) => b.candidate.confidence - a.candidate.confidence)).slice(0, wanted);
    return {
      candidates: best.map(({ candidate }) => candidate),
      nfe,
      steps,
      ms: performance.now() - started,
      canvasTokens: best[0].canvasTokens,
      cached,
    };
  }

  /** Samples `batch` copies of the canvas, or returns the cached result of an identical run. */
  private async sampleCached(canvas: CanvasLayout, batch: number, options: InfillOptions, hooks: InfillHooks): Promise<Run> {
    const shaping = resultShaping(options);
    const key = cacheKey(canvas.ids, batch, shaping);
    const hit = this.cache.get(key);
    if (hit) {
      this.log.debug('served from the cache');
      return { result: hit, cached: true };
    }
    const length = canvas.ids.length;
    const tokens = new Int32Array(batch * length);
    for (let row = 0; row < batch; row++) tokens.set(canvas.ids, row * length);
    // A run the caller stopped early ("anytime") is not what these options give when run to the end.
    let stoppedEarly = false;
    const { onStep: callerOnStep, signal } = hooks;
    const onStep = callerOnStep && ((step: StepInfo) => {
      const verdict = callerOnStep(step);
      if (verdict === 'stop') stoppedEarly = true;
      return verdict;
    });
    const result = await sample(this.model.denoiser, { tokens, batch, length }, { ...shaping, signal, onStep });
    if (!stoppedEarly) this.cache.set(key, result);
    return { result, cached: false };
  }

  private async readCandidate(result: SampleResult, canvas: CanvasLayout, row: number, request: InfillRequest): Promise<Candidate> {
    const { holes, text } = request;
    const fills: HoleFill[] = [];
    let weightedConfidence = 0;
    let weight = 0;
    for (let i = 0; i < holes.length; i++) {
      const generated = readHole(result.tokens, result.confidence, canvas.ids.length, row, canvas.holes[i], this.stopIds);
      const raw = await this.model.tokenizer.decode(generated.ids);
      const after = text.slice(holes[i].end, i + 1 < holes.length ? holes[i + 1].start : text.length);
      const processed = postProcess(raw, { after, atCursor: holes[i].start === holes[i].end });
      if (processed.reason) this.log.debug(`hole ${i}: ${processed.reason} (${JSON.stringify(raw)})`);
      fills.push({ ...processed, tokens: generated.ids.length, confidence: generated.confidence });
      weightedConfidence += generated.confidence * Math.max(1, generated.ids.length);
      weight += Math.max(1, generated.ids.length);
    }
    return { fills, confidence: weightedConfidence / weight };
  }
}

/** The first of each group of candidates with the same texts. */
function distinct<T extends { candidate: Candidate }>(sorted: T[]): T[] {
  const seen = new Set<string>();
  return sorted.filter(({ candidate }) => {
    const texts = JSON.stringify(candidate.fills.map((fill) => fill.text));
    if (seen.has(texts)) return false;
    seen.add(texts);
    return true;
  });
}
