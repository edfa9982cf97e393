import { InferenceError } from '../../core/errors';
import { logitsWidth, type DenoiseRequest, type Denoiser, type DiffusionSpec } from '../../sampler/types';
import { baseFeeds, cachedCall, carriedCall, contextRows, firstRow, fullCall, laterRows, keptCopies, planFeeds, uncachedCall, type BaseFeeds, type CachePlan } from './contextCacheFeeds';
import { planCarry, type ContextCarry, type KeptCanvas } from './contextCarry';
import { checkDenoiseRequest } from './denoiseRequest';
import type { ModelMeta } from '../folder/meta';
import type { SessionHost } from './sessionHost';
import type { RunCache, RunOutput, WireTensor } from './workerProtocol';

/** The context the worker keeps, as far as this side knows: whose it is and for which canvas. */
interface KeptContext {
  /** One context for every row (a graph with `shared_past`): any of the fill's rows runs against it as it is. */
  readonly shared: boolean;
  readonly fill: number;
  /** The fill's canvas rows (ContextCacheRequest.rows) whose context it is, one per batch row (unread when `shared`). */
  readonly rows: readonly number[];
  readonly length: number;
  readonly fresh: Int32Array;
  /** A shared context's canvas and its rows' positions, which the next fill may carry (contextCarry.ts). */
  readonly canvas?: KeptCanvas;
  /** Fills in a row that carried this context instead of refreshing it (0 after a refresh). */
  readonly carries: number;
  /** Its id in the worker (RunCache.context), which refuses a call planned against another context. */
  readonly id: number;
  /** The worker that keeps it (SessionHost.workerNumber): a replacement keeps nothing to carry. */
  readonly worker?: number;
}

/** The kept context after a call: as planned (its id and worker given once the call ran); undefined = as it was. */
interface PlannedCall {
  readonly plan: CachePlan;
  readonly kept?: Omit<KeptContext, 'id' | 'worker'>;
}

/**
 * Most context positions a fill runs again beside its holes when it carries an earlier fill's
 * context; past that, a refresh. A few tokens typed change one to three positions.
 */
const CARRY_MAX_RECOMPUTE = 16;

/**
 * How many fills in a row may carry one context, and the carried positions nearest the holes (the
 * rows a keystroke reaches most) that the second of them runs again besides. A carried row keeps
 * the values it had a fill ago, and their age costs (bench/README.md, "Carrying the context to the
 * next keystroke", v8 at the shipped defaults): a first carry passes 0.45 points fewer single lines
 * than a refresh (2,646); a second plain carry in a row 1.5 fewer (1,100), a fourth 5.4 (300).
 */
export const CARRY_NEAREST = 32;
export const CARRY_MAX_CHAIN = 2;

/** `Denoiser` on an onnxruntime session, opened on `provider`, in the worker behind `host`. */
export class OnnxDenoiser implements Denoiser {
  readonly contextCache: boolean;
  private kept: KeptContext | undefined;
  private lastContextId = 0;

  constructor(
    readonly spec: DiffusionSpec,
    private readonly meta: ModelMeta,
    private readonly host: SessionHost,
    provider: string,
  ) {
    // The cache pays on the CPU provider, whose cached calls run only the hole's rows. On a GPU it
    // loses (bench/README.md §5, WebGPU, L = 256): the cache graph's call took 12.7 ms against the
    // plain graph's 7.95, and a single-line fill 230-241 ms through the cache against 162 ms of
    // full calls. So any other provider runs full calls of the cache graph, fetching logits alone.
    this.contextCache = meta.contextCache !== undefined && provider === 'cpu';
  }

  async denoise(request: DenoiseRequest, signal?: AbortSignal): Promise<Float32Array> {
    const { data, dims } = await this.forward(request, signal);
    const expected = [request.batch, request.queries, logitsWidth(this.spec)];
    if (dims.length !== 3 || dims.some((d, i) => d !== expected[i])) {
      throw new InferenceError(`logits have shape [${dims.join(', ')}], expected [${expected.join(', ')}]`);
    }
    return data;
  }

  /** An answer's logits go back to the host, which reads later answers into them. */
  recycle(logits: Float32Array): void {
    this.host.recycle(logits);
  }

  /**
   * The raw output, its shape unchecked: the load-time warm-up reads the graph's logits width from it.
   * A refresh of a batch whose rows share their context (the infill engine's rows of one canvas,
   * which differ only in their holes) runs the full canvas of the first row alone, keeps its
   * context for every row, and answers with a cached call of every row's holes: one row's context
   * instead of B (a further approximation: the other rows' context saw the first row's hole).
   * Kept once for all rows (`shared_past`), the context serves any of them as it is, so the first
   * row's answer is its full call's and only the later rows run cached: a row fewer to run.
   * A fill's first call that may carry (`cache.carry`) carries the context the last fill kept
   * instead, when it covers this canvas (`carryFor`): no full call. A first carry runs every row's
   * holes and the positions the keystroke changed at once; a second in a row runs, in the first
   * row's call, the context nearest the holes too (`CARRY_NEAREST`), and the later rows cached
   * against that, as after a refresh.
   */
  async forward(request: DenoiseRequest, signal?: AbortSignal): Promise<RunOutput> {
    checkDenoiseRequest(request, this.spec);
    const carry = this.carryFor(request);
    if (carry) {
      // a first carry runs every row at once, the typed positions alone again (cheap); a second in a
      // row its nearest rows too (`carryFor`), once, in the first row's call
      if (this.kept!.carries === 0 || request.batch === 1) return this.run(request, signal, 1, carry);
      return this.withLaterRows(await this.run(firstRow(request), signal, 1, carry), request, signal);
    }
    if (!this.sharesContext(request)) return this.run(request, signal);
    return this.withLaterRows(await this.run(firstRow(request), signal, request.batch), request, signal);
  }

  /**
   * `first`, the first row's answer of a call that kept one context for every row, with the later
   * rows' answers cached against it (a graph without a shared past keeps a context per row: every
   * row runs cached then, `first` unread and handed back at once).
   */
  private async withLaterRows(first: RunOutput, request: DenoiseRequest, signal: AbortSignal | undefined): Promise<RunOutput> {
    const cached: DenoiseRequest = { ...request, cache: { ...request.cache!, refresh: false } };
    if (!this.meta.contextCache!.sharedPast) {
      this.host.recycle(first.data);
      return this.run(cached, signal);
    }
    const later = await this.run(laterRows(cached), signal);
    const data = this.host.floats(first.data.length + later.data.length);
    data.set(first.data);
    data.set(later.data, first.data.length);
    // the two answers are read no more once joined
    this.host.recycle(first.data);
    this.host.recycle(later.data);
    return { data, dims: [request.batch, ...first.dims.slice(1)] };
  }

  /** One network call; a refresh's context is kept for `copies` times its batch; with `carry`, the kept context carried instead. */
  private async run(request: DenoiseRequest, signal: AbortSignal | undefined, copies = 1, carry?: ContextCarry): Promise<RunOutput> {
    const { batch, length } = request;
    const { inputs, outputs } = this.meta;
    const feeds: Record<string, WireTensor> = {};
    // the sphere graph (RDLM) reads its continuous state; checkDenoiseRequest saw it there
    if (inputs.inputVec) feeds[inputs.inputVec] = { type: 'float32', data: request.state!, dims: [batch, length, request.state!.length / (batch * length)] };
    if (inputs.cond && request.cond) feeds[inputs.cond] = { type: 'float32', data: request.cond, dims: [batch] };
    const base = baseFeeds(request);
    const { plan, kept }: PlannedCall = carry
      ? this.planCarriedCall(request, carry)
      : this.contextCache ? this.planCacheCall(request, base, copies) : { plan: uncachedCall(this.meta, request, base) };
    Object.assign(feeds, planFeeds(inputs, plan));
    const runCache = plan.runCache && { ...plan.runCache, context: this.contextIds(plan.runCache, kept !== undefined) };
    try {
      // logits: [B, Q, V]
      const output = await this.host.run(feeds, outputs.logits, signal, runCache);
      if (kept) this.kept = { ...kept, id: runCache!.context.keeps, worker: this.host.workerNumber };
      return output;
    } catch (error) {
      // a failed run may have left the worker without the context this side thinks it keeps
      this.kept = undefined;
      throw error;
    }
  }

  /**
   * Which kept context a call reads and which the worker keeps after it (RunCache.context): a
   * context the call keeps, extends, carries or narrows gets a new id, and one it reads is named,
   * so the worker refuses a call planned against a context that a call queued in between replaced
   * (callers that do not serialize their fills, as SharedDenoiser does) instead of running on it.
   */
  private contextIds(runCache: NonNullable<CachePlan['runCache']>, keepsNew: boolean): RunCache['context'] {
    // a cached call is planned only against the context this side records as kept
    const reads = runCache.past ? this.kept!.id : undefined;
    return { reads, keeps: keepsNew ? ++this.lastContextId : reads! };
  }

  /**
   * How a new fill's first call carries the shared context the last fill kept (contextCarry.ts), or
   * undefined: the request allows no carry, the graph keeps no shared context or has no rotary base
   * to move keys by, the worker that kept it was replaced, it was carried `CARRY_MAX_CHAIN` fills in
   * a row, the rows differ outside their holes, or the canvas changed too much.
   */
  private carryFor(request: DenoiseRequest): ContextCarry | undefined {
    const use = request.cache;
    const kept = this.kept;
    if (!use?.carry || !use.refresh || !kept?.canvas || kept.fill === use.fill) return undefined;
    if (kept.worker !== this.host.workerNumber || kept.carries >= CARRY_MAX_CHAIN) return undefined;
    if (this.meta.contextCache?.rotaryBase === undefined || !this.rowsShareContext(request)) return undefined;
    return planCarry(kept.canvas, request.tokens.subarray(0, request.length), use.fresh, CARRY_MAX_RECOMPUTE, kept.carries > 0 ? CARRY_NEAREST : 0);
  }

  /**
   * The carried call (contextCacheFeeds.ts `carriedCall`) of the first row; the carried context is
   * then the fill's, as a refresh's would be, with its canvas, so that the next fill may carry it
   * again until `CARRY_MAX_CHAIN` fills in a row have.
   */
  private planCarriedCall(request: DenoiseRequest, carry: ContextCarry): PlannedCall {
    const use = request.cache!;
    const cache = this.meta.contextCache!;
    const plan = carriedCall(cache, cache.rotaryBase!, request, use.fresh, carry);
    const canvas = { tokens: request.tokens.slice(0, request.length), positions: [...carry.positions, ...carry.recompute] };
    return { plan, kept: { fill: use.fill, rows: [], length: request.length, fresh: use.fresh, shared: true, canvas, carries: this.kept!.carries + 1 } };
  }

  /** A refresh of several rows whose tokens outside the fresh positions, and conditioning, are the same. */
  private sharesContext(request: DenoiseRequest): boolean {
    return request.batch >= 2 && this.rowsShareContext(request);
  }

  /** Whether a refresh's rows (one or more) have the same tokens outside the fresh positions, and the same conditioning. */
  private rowsShareContext(request: DenoiseRequest): boolean {
    const { cache, batch, length, tokens, cond } = request;
    if (!this.contextCache || !cache?.refresh) return false;
    if (cond?.some((c) => c !== cond[0])) return false;
    const context = contextRows(cache.fresh, length);
    for (let b = 1; b < batch; b++) {
      if (context.some((p) => tokens[b * length + p] !== tokens[p])) return false;
    }
    return true;
  }

  /**
   * A context-cache graph's call: cached when the request asks for no refresh and the live worker
   * keeps this fill's context (a replacement, after the worker that kept it died between two calls,
   * keeps none) for this canvas shape and the request's rows (a subset of the kept rows,
   * once the fill is pruned, narrows the kept context to them; a shared context serves any rows as
   * it is); otherwise full, keeping the context when the request uses the cache at all: the batch's
   * own, or the first row's shared by `copies` rows (`keptCopies` of it).
   */
  private planCacheCall(request: DenoiseRequest, base: BaseFeeds, copies: number): PlannedCall {
    const cache = this.meta.contextCache!;
    const { cache: use, batch, length } = request;
    const rows = use?.rows ? Array.from(use.rows) : Array.from({ length: batch * copies }, (_, b) => b);
    const kept = this.kept;
    const keptHere = kept !== undefined && kept.worker === this.host.workerNumber;
    if (use && !use.refresh && keptHere && kept.fill === use.fill && kept.length === length && sameRows(kept.fresh, use.fresh)) {
      if (kept.shared) return { plan: cachedCall(cache, request, use.fresh) };
      const batchRows = rows.map((row) => kept.rows.indexOf(row));
      if (batchRows.every((i) => i >= 0)) {
        if (sameRows(kept.rows, rows)) return { plan: cachedCall(cache, request, use.fresh) };
        return { plan: cachedCall(cache, request, use.fresh, batchRows), kept: { ...kept, rows } };
      }
    }
    if (!use) return { plan: fullCall(cache, request, base) };
    const copiesKept = keptCopies(cache, copies);
    const shared = copiesKept < copies || (cache.sharedPast && batch === 1);
    const canvas = shared ? { canvas: { tokens: request.tokens.slice(0, length), positions: contextRows(use.fresh, length) } } : {};
    return { plan: fullCall(cache, request, base, use.fresh, copiesKept), kept: { fill: use.fill, rows, length, fresh: use.fresh, shared, ...canvas, carries: 0 } };
  }
}

function sameRows(a: ArrayLike<number>, b: ArrayLike<number>): boolean {
  return a.length === b.length && Array.from(a).every((x, i) => x === b[i]);
}
