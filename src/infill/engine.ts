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
import { holeShape } from './holeShape';
import { optionsForModel } from './modelOptions';
import { postProcess } from './postprocess';
import { batchTokens, canvasSlots, planRows, type HoleInput, type RowSpec } from './rows';
import { meanLogProbability } from './score';
import { syntaxWindow, type SyntaxChecker } from './syntax';
import type { Candidate, HoleFill, InfillHooks, InfillOptions, InfillRequest, InfillResult } from './types';
import { validateOptions, validateRequest } from './validate';

interface Run {
  readonly result: SampleResult;
  readonly cached: boolean;
}

/**
 * Fills the holes of a document with a masked-diffusion model: builds the canvas, samples it (all
 * holes jointly; candidate hole lengths and sampled candidates as batch rows of one run, see
 * rows.ts), reads and post-processes each row's fills and ranks them by the model's own score
 * (score.ts). Identical requests are served from an LRU cache of sampled batches.
 */
export class InfillEngine {
  private readonly log: Logger;
  private readonly cache: LruCache<string, SampleResult>;
  private readonly stopIds: ReadonlySet<number>;

  private readonly syntax: SyntaxChecker | undefined;

  /** `syntax`, when given, drops candidates that add parse errors (requests that name their language). */
  constructor(
    private readonly model: { denoiser: Denoiser; tokenizer: TextTokenizer },
    logger: Logger = nullLogger,
    { syntax, cacheEntries = CACHE_ENTRIES }: { syntax?: SyntaxChecker; cacheEntries?: number } = {},
  ) {
    this.log = taggedLogger(logger, 'infill');
    this.cache = new LruCache(cacheEntries);
    this.syntax = syntax;
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
    const holes: HoleInput[] = await Promise.all(request.holes.map(async (hole) => ({
      hole,
      shape: holeShape(request.text, hole),
      selectionTokens: hole.start === hole.end ? 0 : (await this.model.tokenizer.encode(request.text.slice(hole.start, hole.end))).ids.length,
    })));
    const wanted = options.candidates ?? 1;
    // Greedy decoding in a fixed order gives every row the same fill: one row per length serves.
    const rows = planRows(holes, options, options.temperature === 0 && options.strategy !== 'random' ? 1 : wanted);
    throwIfAborted(hooks.signal);
    const canvas = await buildCanvas(this.model.tokenizer, spec, request, canvasSlots(rows), contextTokens);
    this.log.debug(`canvas ${canvas.ids.length} tokens: prefix ${canvas.prefixTokens}, holes [${canvas.holes.map((h) => h.slots).join(', ')}], ` +
      `suffix ${canvas.suffixTokens}; ${rows.length} row(s) of sizes [${rows.map((r) => r.size).join(', ')}]`);
    const run = await this.sampleCached(batchTokens(canvas, rows, spec.padId), rows.length, canvas.ids.length, options, hooks);
    const candidates: Candidate[] = [];
    for (const [r, row] of rows.entries()) candidates.push(await this.readCandidate(run.result, canvas, r, row, request, holes));
    this.checkSyntax(request, candidates);
    // An empty fill (a row too short for the text, or padding alone) suggests nothing and a fill
    // that breaks the syntax is likely wrong: both go last; the model's score orders the rest.
    const rank = (c: Candidate) => (c.fills.every((f) => f.text === '') ? 2 : c.addsSyntaxErrors ? 1 : 0);
    const best = distinct(candidates.sort((a, b) => rank(a) - rank(b) || b.score - a.score)).slice(0, wanted);
    return {
      candidates: best,
      nfe: run.cached ? 0 : run.result.nfe,
      steps: run.cached ? 0 : run.result.steps,
      ms: performance.now() - started,
      canvasTokens: canvas.ids.length,
      cached: run.cached,
    };
  }

  /** Samples the batch, or returns the cached result of an identical run. */
  private async sampleCached(tokens: Int32Array, batch: number, length: number, options: InfillOptions, hooks: InfillHooks): Promise<Run> {
    const shaping = resultShaping(options);
    const key = cacheKey(tokens, batch, shaping);
    const hit = this.cache.get(key);
    if (hit) {
      this.log.debug('served from the cache');
      return { result: hit, cached: true };
    }
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

  private async readCandidate(
    result: SampleResult,
    canvas: CanvasLayout,
    r: number,
    row: RowSpec,
    request: InfillRequest,
    holes: readonly HoleInput[],
  ): Promise<Candidate> {
    const { text } = request;
    const fills: HoleFill[] = [];
    let weightedConfidence = 0;
    let weightedScore = 0;
    let weight = 0;
    for (const [i, { hole, shape }] of holes.entries()) {
      const slots = { start: canvas.holes[i].start, slots: row.slots[i] };
      const generated = readHole(result.tokens, result.confidence, canvas.ids.length, r, slots, this.stopIds);
      const raw = await this.model.tokenizer.decode(generated.ids);
      const after = text.slice(hole.end, i + 1 < holes.length ? holes[i + 1].hole.start : text.length);
      const kind = row.kinds[i];
      const processed = postProcess(raw, { after, shape: { ...shape, kind }, indentation: request.indentation });
      if (processed.reason) this.log.debug(`hole ${i}: ${processed.reason} (${JSON.stringify(raw)})`);
      const lineBreak = kind === 'block' ? -1 : await this.firstLineBreak(generated.ids);
      const kept = lineBreak < 0 ? generated.ids.length : lineBreak + 1;
      const score = meanLogProbability(generated, kept, lineBreak >= 0);
      fills.push({ ...processed, tokens: generated.ids.length, confidence: generated.confidence, score });
      const w = Math.max(1, kept);
      weightedConfidence += generated.confidence * w;
      weightedScore += score * w;
      weight += w;
    }
    return { fills, confidence: weightedConfidence / weight, score: weightedScore / weight };
  }

  /**
   * Marks each candidate whose filled document parses with more errors than the document as it
   * is (within the window around the holes): a fill should not add syntax errors, though the
   * document may already have some, the hole itself among them. Only for a language with a grammar.
   */
  private checkSyntax(request: InfillRequest, candidates: Candidate[]): void {
    const { text, holes, languageId } = request;
    if (!this.syntax || languageId === undefined || candidates.length < 2) return;
    const [from, to] = syntaxWindow(text, holes[0].start, holes[holes.length - 1].end);
    const before = this.syntax.errors(text.slice(from, to), languageId);
    if (before === undefined) return;
    for (const candidate of candidates) {
      let filled = text.slice(from, holes[0].start);
      holes.forEach((hole, i) => {
        filled += candidate.fills[i].text + text.slice(hole.end, i + 1 < holes.length ? holes[i + 1].start : to);
      });
      candidate.addsSyntaxErrors = this.syntax.errors(filled, languageId)! > before;
    }
    this.log.debug(`syntax: ${candidates.filter((c) => c.addsSyntaxErrors).length} of ${candidates.length} candidates add parse errors`);
  }

  /** Index of the first token whose text holds a line break, or -1. */
  private async firstLineBreak(ids: readonly number[]): Promise<number> {
    for (const [i, id] of ids.entries()) if ((await this.model.tokenizer.decode([id])).includes('\n')) return i;
    return -1;
  }
}

/** The first of each group of candidates with the same texts. */
function distinct(sorted: Candidate[]): Candidate[] {
  const seen = new Set<string>();
  return sorted.filter((candidate) => {
    const texts = JSON.stringify(candidate.fills.map((fill) => fill.text));
    if (seen.has(texts)) return false;
    seen.add(texts);
    return true;
  });
}
