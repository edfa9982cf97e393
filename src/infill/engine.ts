import { throwIfAborted } from '../core/errors';
import { type Logger, nullLogger, taggedLogger } from '../core/logger';
import { LruCache } from '../core/lru';
import { type SampleOptions, type SampleResult, type StepInfo, sample } from '../sampler';
import type { Denoiser } from '../sampler/types';
import type { TextTokenizer } from '../tokenizer';
import { buildCanvas, type CanvasHole, type CanvasLayout } from './canvas';
import { cacheKey, resultShaping, syntaxInput } from './cacheKey';
import { CACHE_ENTRIES } from './defaults';
import { readHole, type SampledCanvas } from './extract';
import { holeShape } from './holeShape';
import { indentVariants } from './indentVariants';
import { lineEndingIds, lineHoleStarts, ruleOutAtStarts } from './lineStarts';
import { normalizeIndentation, requestForModel, type IndentStyle } from './indentation';
import { optionsForModel } from './modelOptions';
import { lineBreakAt, postProcess, type Processed } from './postprocess';
import { batchTokens, canvasSlots, planRows, rowHoles, type HoleInput, type RowSpec } from './rows';
import { meanLogProbability } from './score';
import { nearHoles } from './nearHoles';
import { syntaxWindow, type SyntaxChecker } from './syntax';
import type { Candidate, HoleFill, HoleLayout, InfillHooks, InfillOptions, InfillRequest, InfillResult } from './types';
import { validateOptions, validateRequest } from './validate';

interface Run {
  readonly result: SampleResult;
  readonly cached: boolean;
}

/** The request, or one of its indentation variants (indentVariants.ts), with its batch rows. */
interface Variant {
  readonly request: InfillRequest;
  readonly holes: HoleInput[];
  readonly rows: RowSpec[];
  /** The variant's indentation; undefined for the request itself. */
  readonly indent?: string;
}

interface PlacedVariant extends Variant {
  readonly canvas: CanvasLayout;
}

/** The document text the syntax check reads: `[from, to)` of the request's text, in `languageId`. */
interface SyntaxView {
  readonly languageId: string;
  readonly from: number;
  readonly to: number;
  /**
   * The errors of the window as it is, without a fill: parsed on the first check that needs them,
   * then kept for the fill's other checks (each prune preview and the final ranking read the same window).
   */
  errorsBefore(): number | undefined;
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

  /** `syntax`, when given, ranks candidates that add parse errors below those that add none (requests that name their language; rankCandidates). */
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

  /**
   * Fills the request's holes; `requested` options are adapted to the model's family by
   * `optionsForModel`, and `hooks.onPlan` is told the options and the batch layout it samples.
   */
  async fill(request: InfillRequest, requested: InfillOptions, hooks: InfillHooks = {}): Promise<InfillResult> {
    const started = performance.now();
    validateRequest(request);
    validateOptions(requested);
    const { spec } = this.model.denoiser;
    const options = optionsForModel(spec, requested);
    const wanted = options.candidates ?? 1;
    // Greedy decoding in a fixed order gives every row the same fill: one row per length serves.
    const perSize = options.temperature === 0 && options.strategy !== 'random' ? 1 : wanted;
    const canvasTokens = Math.min(options.contextTokens, spec.maxLength);
    // A long document fills as the slice of it a fill can read: the rest is only work (nearHoles.ts).
    const near = nearHoles(request, canvasTokens);
    // The model reads indentation as its corpus has it (indentation.ts); its fills come back in the document's style.
    const shown = requestForModel(near);
    const holes = await this.holeInputs(shown);
    // From the caller's whole text: the line break every fill and every variant's new line is spelled with.
    const eol = lineBreakAt(request.text, request.holes[0].start);
    const grows = spec.expandId !== undefined;
    const variants: Variant[] = [{ request: shown, holes, rows: planRows(holes, options, perSize, grows) }];
    if (options.lineIndents) {
      for (const { request: indented, indent } of indentVariants(shown, holes[0].shape, eol)) {
        const indentedHoles = await this.holeInputs(indented);
        variants.push({ request: indented, holes: indentedHoles, indent, rows: planRows(indentedHoles, options, perSize, grows) });
      }
    }
    throwIfAborted(hooks.signal);
    const placed = await this.placeVariants(variants, canvasTokens);
    const length = placed[0].canvas.ids.length;
    const batch = placed.reduce((sum, v) => sum + v.rows.length, 0);
    const tokens = new Int32Array(batch * length);
    let offset = 0;
    for (const v of placed) {
      tokens.set(batchTokens(v.canvas, v.rows, spec.padId), offset * length);
      offset += v.rows.length;
    }
    const layout: HoleLayout = { length, rows: placed.flatMap((v) => rowHoles(v.canvas, v.rows, grows)) };
    hooks.onPlan?.({ options, layout });
    // With `pruneAfter`, the rows the final choice would rank first on the greedy preview go on, as
    // many as the candidates asked for; the losing lengths stop costing network calls.
    const checked = this.syntaxView(near);
    const onPrune = async (preview: StepInfo): Promise<number[]> =>
      distinct(await this.rankCandidates(preview, placed, layout, near, eol, checked)).slice(0, wanted).map((c) => c.row);
    const rowKinds = placed.flatMap((v) => v.rows.map((row) => row.kinds));
    // A line-shaped hole's first token never ends the line (lineStarts.ts), as it is never padding.
    const lineStarts = options.nonEmpty && spec.graph === 'absorb'
      ? lineHoleStarts(layout, rowKinds.map((kinds) => kinds.map((kind) => kind === 'line')))
      : [];
    // what the syntax check reads ranks the rows a prune keeps: another language or window text is another run
    const syntaxKey = checked && syntaxInput(checked.languageId, near.text.slice(checked.from, checked.to));
    const pruneKeeps = options.pruneAfter === undefined ? undefined : wanted;
    const key = cacheKey(tokens, batch, resultShaping(options), pruneKeeps, rowKinds, syntaxKey, shown.indentation);
    const run = await this.sampleCached(key, tokens, batch, length, options, hooks, onPrune, lineStarts);
    // An abort after the sampler's last step (or on a cache hit), before or while the fills are
    // read: a cancelled fill has no result, so a caller never shows what the user cancelled.
    throwIfAborted(hooks.signal);
    const ranked = await this.rankCandidates(run.result, placed, layout, near, eol, checked, run.result.dropped);
    throwIfAborted(hooks.signal);
    const best = distinct(ranked).slice(0, wanted);
    return {
      candidates: best,
      nfe: run.cached ? 0 : run.result.nfe,
      steps: run.cached ? 0 : run.result.steps,
      ms: performance.now() - started,
      canvasTokens: length,
      cached: run.cached,
    };
  }

  /**
   * Every batch row's candidate read from `sampled` (the rows in `skip` left out), ranked against
   * `request`, the document as the caller wrote it (its fills are in its style): an empty
   * fill (a row too short for the text, or padding alone) suggests nothing: last. Then the fewer
   * parse errors the better (a fill that adds some is likely wrong, one that repairs the document,
   * which a missing line often breaks, likely right); the model's score decides the rest.
   */
  private async rankCandidates(
    sampled: SampledCanvas, placed: readonly PlacedVariant[], layout: HoleLayout, request: InfillRequest, eol: string,
    checked: SyntaxView | undefined, skip: readonly number[] = [],
  ): Promise<Candidate[]> {
    const candidates: Candidate[] = [];
    let offset = 0;
    for (const v of placed) {
      for (const [r, row] of v.rows.entries()) {
        if (!skip.includes(offset + r)) candidates.push(await this.readCandidate(sampled, v, offset + r, row, layout.rows[offset + r], eol));
      }
      offset += v.rows.length;
    }
    if (checked) this.checkSyntax(request, checked, candidates);
    const empty = (c: Candidate) => (c.fills.every((f) => f.text === '') ? 1 : 0);
    return candidates.sort((a, b) => empty(a) - empty(b) || (a.syntaxErrors ?? 0) - (b.syntaxErrors ?? 0) || b.score - a.score);
  }

  private holeInputs(request: InfillRequest): Promise<HoleInput[]> {
    return Promise.all(request.holes.map(async (hole) => ({
      hole,
      shape: holeShape(request.text, hole),
      selectionTokens: hole.start === hole.end ? 0 : (await this.model.tokenizer.encodeText(request.text.slice(hole.start, hole.end))).ids.length,
    })));
  }

  /**
   * Lays out each variant's canvas, all of one length so their rows make one batch: a shorter
   * canvas gets more padding slots at the end of its first hole (fixed, like a short row's tail,
   * so its rows are told the same lengths). A variant that still comes out of another length (the
   * context cut at a character boundary) is dropped; the request itself always stays.
   */
  private async placeVariants(variants: readonly Variant[], contextTokens: number): Promise<PlacedVariant[]> {
    const { tokenizer, denoiser } = this.model;
    const build = (v: Variant, extra: number) => {
      const slots = canvasSlots(v.rows);
      slots[0] += extra;
      return buildCanvas(tokenizer, denoiser.spec, v.request, slots, contextTokens);
    };
    const first = await Promise.all(variants.map((v) => build(v, 0)));
    const length = Math.max(...first.map((c) => c.ids.length));
    const placed: PlacedVariant[] = [];
    for (const [i, v] of variants.entries()) {
      const canvas = first[i].ids.length === length ? first[i] : await build(v, length - first[i].ids.length);
      if (canvas.ids.length === length) placed.push({ ...v, canvas });
      else this.log.debug(`indentation variant ${JSON.stringify(v.indent)} dropped: canvas ${canvas.ids.length} tokens, not ${length}`);
    }
    if (placed.length > 0 && placed[0].indent === undefined) return placed;
    // The request itself came out shorter than a variant: lay the variants out at its length instead.
    return this.placeVariants(variants.slice(0, 1), contextTokens);
  }

  /**
   * Samples the batch, or returns the cached result of the run `key` identifies (`lineStarts`:
   * where no line may end at once).
   */
  private async sampleCached(
    key: string, tokens: Int32Array, batch: number, length: number, options: InfillOptions, hooks: InfillHooks,
    onPrune: SampleOptions['onPrune'], lineStarts: readonly number[],
  ): Promise<Run> {
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
    const denoiser = lineStarts.length > 0 ? ruleOutAtStarts(this.model.denoiser, lineStarts, await lineEndingIds(this.model.tokenizer)) : this.model.denoiser;
    const result = await sample(denoiser, { tokens, batch, length }, { ...resultShaping(options), signal, onStep, onPrune });
    hooks.onSampled?.(result);
    if (!stoppedEarly) this.cache.set(key, result);
    return { result, cached: false };
  }

  private async readCandidate(
    result: SampledCanvas, variant: PlacedVariant, r: number, row: RowSpec, slots: readonly CanvasHole[], eol: string,
  ): Promise<Candidate> {
    const { canvas, holes, indent } = variant;
    const { text, indentation } = variant.request;
    const fills: HoleFill[] = [];
    let weightedConfidence = 0;
    let weightedScore = 0;
    let weight = 0;
    for (const [i, { hole, shape }] of holes.entries()) {
      const generated = readHole(result, canvas.ids.length, r, slots[i], this.stopIds);
      const raw = await this.model.tokenizer.decode(generated.ids);
      const after = text.slice(hole.end, i + 1 < holes.length ? holes[i + 1].hole.start : text.length);
      const kind = row.kinds[i];
      // An indentation variant's fill is the rest of a new line: its text for the request's hole
      // is that line, indented as the variant says and ended; then the editor's indentation.
      // a cursor inside a line that the row reads as a block (inlineBreaks) keeps the fill's last line break
      const keepsLineBreak = shape.kind === 'inline' && kind === 'block';
      const processed = indent === undefined
        ? postProcess(raw, { after, shape: { ...shape, kind }, indentation, keepsLineBreak, lineBreak: eol })
        : asNewLine(postProcess(raw, { after, shape: { ...shape, kind }, lineBreak: eol }), indent, indentation, eol);
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
    return { fills, confidence: weightedConfidence / weight, score: weightedScore / weight, row: r };
  }

  /**
   * Sets each candidate's `syntaxErrors`: the parse errors of the filled document less those of
   * the document as it is (within the window around the holes), which may have some, the hole
   * itself among them. Only for a language with a grammar, and only when there is a choice.
   */
  private checkSyntax({ text, holes }: InfillRequest, { languageId, from, to, errorsBefore }: SyntaxView, candidates: Candidate[]): void {
    if (!this.syntax || candidates.length < 2) return;
    const before = errorsBefore();
    if (before === undefined) return;
    for (const candidate of candidates) {
      let filled = text.slice(from, holes[0].start);
      holes.forEach((hole, i) => {
        filled += candidate.fills[i].text + text.slice(hole.end, i + 1 < holes.length ? holes[i + 1].start : to);
      });
      candidate.syntaxErrors = this.syntax.errors(filled, languageId)! - before;
    }
    this.log.debug(`syntax: parse errors added per candidate [${candidates.map((c) => c.syntaxErrors).join(', ')}]`);
  }

  /** What `checkSyntax` reads of `request`: its language and the window of whole lines around the holes; undefined where it reads nothing. */
  private syntaxView({ text, holes, languageId }: InfillRequest): SyntaxView | undefined {
    const { syntax } = this;
    if (!syntax || languageId === undefined) return undefined;
    const window = syntaxWindow(text, holes[0].start, holes[holes.length - 1].end, languageId);
    if (window === undefined) {
      this.log.debug('syntax: not checked, no window of whole lines within the margin around the holes (a line or a string reaches past it)');
      return undefined;
    }
    const [from, to] = window;
    let before: { errors: number | undefined } | undefined;
    return { languageId, from, to, errorsBefore: () => (before ??= { errors: syntax.errors(text.slice(from, to), languageId) }).errors };
  }

  /** Index of the first token whose text holds a line break after some text (where post-processing cuts a line), or -1. */
  private async firstLineBreak(ids: readonly number[]): Promise<number> {
    let text = false;
    for (const [i, id] of ids.entries()) {
      const piece = await this.model.tokenizer.decode([id]);
      if (text && piece.includes('\n')) return i;
      text ||= piece.trim() !== '';
    }
    return -1;
  }
}

/** The text an indentation variant's fill stands for in the request's hole: the whole new line, ended as the document's lines. */
function asNewLine(processed: Processed, indent: string, style: IndentStyle | undefined, eol: string): Processed {
  if (processed.text === '') return processed;
  const line = `${indent}${processed.text}${eol}`;
  return { ...processed, text: style ? normalizeIndentation(line, style, true) : line };
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
