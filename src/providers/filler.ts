import * as vscode from 'vscode';
import { errorMessage, isAbortError } from '../core/errors';
import { taggedLogger, type Logger } from '../core/logger';
import {
  DEFAULT_INFILL_OPTIONS, InfillEngine, TraceRecorder, type FillPlan, type InfillOptions, type InfillRequest, type InfillResult, type SyntaxChecker,
} from '../infill';
import type { LoadedModel } from '../model';
import { loadSyntaxChecker } from '../syntax/treeSitterChecker';
import type { LastFill } from './api';
import { Disposable } from './disposable';
import type { FillDeadline } from './fillDeadline';
import { holePlace, type HolePlace } from './holeProgress';
import type { ModelManager } from './modelManager';
import type { Settings } from './settings';
import { SharedDenoiser, type PassTime } from './sharedDenoiser';
import type { ShownTrace, TraceOrigin } from './shownTrace';
import { TraceList, type TracePlace } from './traceList';

/** Context key that is true while any fill runs (enables "Diffuse: Cancel Fill"). */
const FILLING_CONTEXT = 'diffuse.filling';

/**
 * A model's first fill costs 40-100 ms more than later ones besides its forward passes (the
 * sampler's code compiled, the tokenizer's and tree-sitter's first calls, and, for a blank line
 * like this one, the tokens that end a line, 50 ms: infill/lineStarts.ts; measured on the bundled
 * model): a one-step fill of this small document when a model becomes active pays it before the
 * first suggestion does. Its passes cost no more than later ones (the load's warm-up check ran two).
 */
const WARM_UP_PREFIX = 'def total(values):\n    result = 0\n    for value in values:\n        result += value\n    ';
const WARM_UP_TEXT = `${WARM_UP_PREFIX}\n    return result\n`;
const WARM_UP_REQUEST: InfillRequest = {
  text: WARM_UP_TEXT,
  holes: [{ start: WARM_UP_PREFIX.length, end: WARM_UP_PREFIX.length }],
  indentation: { insertSpaces: true, tabSize: 4 },
  languageId: 'python',
};

/** How long the last fill that completed took, in ms. */
export interface LastLatency {
  readonly lastMs?: number;
  /** Where that fill filled its holes one after another (`Filler.asOneFill`): each hole's fill, of which `lastMs` is the whole. */
  readonly lastHoleMs?: readonly number[];
}

export type Activity =
  | ({ readonly kind: 'idle' } & LastLatency)
  | {
    readonly kind: 'filling';
    readonly step: number;
    readonly totalSteps: number;
    /** Where the fill is one hole of a request's filled one after another (`Filler.asOneFill`): which. */
    readonly hole?: HolePlace;
  };

export interface FillRequestOptions {
  readonly signal?: AbortSignal;
  /** Rows sampled as one batch (explicit invoke). */
  readonly candidates?: number;
  /** Whether a hole inside a line keeps the model's line breaks (InfillOptions.inlineBreaks); default: the engine's. */
  readonly inlineBreaks?: boolean;
  /** Where the (first) hole is, for the denoising view. */
  readonly source?: Pick<TraceOrigin, 'file' | 'line' | 'holeLines'>;
  /** Told how long each of this fill's forward passes waited for the model and took. */
  readonly onForwardPass?: (time: PassTime) => void;
  /** Begun at a keystroke, before VS Code asked for it (typingAhead.ts): for the log and tests. */
  readonly ahead?: boolean;
  /** Finishes the fill greedily once it has run its time (automatic ghost text); without one it runs every step. */
  readonly deadline?: FillDeadline;
}

/**
 * What a fill tells the UI as it completes: its trace, at the place `tracePlace` gives as it begins
 * to decode, and the time it `took`. A fill of its own is the view's list and the last latency; one
 * of a request's fills made one after another (`Filler.asOneFill`) is its place among the
 * request's traces and one hole's time.
 */
interface FillReport {
  /** Of a request's fills made one after another: its hole, which the activity names while it runs and its trace's origin keeps. */
  readonly hole?: HolePlace;
  tracePlace(): TracePlace;
  took(ms: number): void;
}

/** One fill of a request's fills made one after another (`Filler.asOneFill`), with the signal of them all. */
export type OneOfFills = (request: InfillRequest, overrides?: Omit<FillRequestOptions, 'signal'>) => Promise<InfillResult | undefined>;

/**
 * Runs fills on the active model with the current settings, and keeps what the rest of the UI
 * shows about them: the activity (filling k/N, last latency), the last fill's options and counts
 * (for tests and the log), and the denoising traces of the last sampled request (for the view):
 * one, or one per hole of a "Diffuse fill" whose holes were filled one after another.
 */
export class Filler extends Disposable {
  private readonly _onDidChangeActivity = this._register(new vscode.EventEmitter<Activity>());
  readonly onDidChangeActivity = this._onDidChangeActivity.event;
  private readonly _onDidTrace = this._register(new vscode.EventEmitter<readonly ShownTrace[]>());
  readonly onDidTrace = this._onDidTrace.event;
  private readonly log: Logger;
  private engine: { model: LoadedModel; engine: InfillEngine; denoiser: SharedDenoiser } | undefined;
  private _lastFill: LastFill | undefined;
  private readonly traceList = new TraceList();
  private lastLatency: LastLatency = {};
  private _activity: Activity = { kind: 'idle' };
  /** One controller per fill under way (the ghost text's and "Diffuse fill"'s), for `cancelAll`. */
  private readonly running = new Set<AbortController>();
  /** The model last warmed up, and the warm-up under way (a fill stops it). */
  private warmedUp: LoadedModel | undefined;
  private warming: AbortController | undefined;
  /** tree-sitter and its grammars, loaded once; without them fills go unchecked (logged). */
  private readonly syntax: Promise<SyntaxChecker | undefined>;

  constructor(private readonly models: ModelManager, private readonly settings: Settings, private readonly logger: Logger) {
    super();
    this.log = taggedLogger(logger, 'fill');
    this.syntax = loadSyntaxChecker().catch((error: unknown) => {
      this.log.warn(`no syntax check of candidates: ${errorMessage(error)}`);
      return undefined;
    });
    this._register(models.onDidChange(() => void this.warmUp()));
  }

  get lastFill(): LastFill | undefined {
    return this._lastFill;
  }

  /** The last request's traces, in the order of its fills; empty before the first. */
  get lastTraces(): readonly ShownTrace[] {
    return this.traceList.traces;
  }

  get activity(): Activity {
    return this._activity;
  }

  /** The active model's recent forward-pass time (ms), once a fill ran on it. */
  get passMs(): number | undefined {
    return this.engine?.model === this.models.active ? this.engine?.denoiser.typicalPassMs : undefined;
  }

  get hasModel(): boolean {
    return this.models.active !== undefined;
  }

  /** Stops every fill under way (the status bar's click, "Diffuse: Cancel Fill"); they end as cancelled. */
  cancelAll(): void {
    for (const controller of this.running) controller.abort();
  }

  /** The sampler and infill options the settings give now. */
  options(overrides: FillRequestOptions = {}): InfillOptions {
    const s = this.settings.current;
    return {
      ...DEFAULT_INFILL_OPTIONS,
      steps: s.steps,
      strategy: s.strategy,
      threshold: s.threshold,
      temperature: s.temperature,
      maxTokens: s.maxHoleTokens,
      contextTokens: s.contextTokens,
      candidates: overrides.candidates ?? DEFAULT_INFILL_OPTIONS.candidates,
      inlineBreaks: overrides.inlineBreaks ?? DEFAULT_INFILL_OPTIONS.inlineBreaks,
      // One fill follows another in the document being typed: carry the last one's context instead
      // of running the whole canvas first (docs/model-contract.md, "Carrying the context to the next
      // fill"; twice in a row, then a refresh: onnxDenoiser.ts). Measured (bench/README.md,
      // "Carrying the context to the next keystroke", v8): after a keystroke 828 of 2,646 validation
      // and train single lines pass carried against 840 refreshed, and a single line on a full
      // canvas takes 136-142 ms p50 carried against 210-229 refreshed.
      cacheCarry: true,
    };
  }

  /**
   * Fills `request` on the active model. Resolves to undefined when there is no model or the
   * signal aborted the run; rejects on any other failure (the caller decides how to surface it).
   */
  fill(request: InfillRequest, overrides: FillRequestOptions = {}): Promise<InfillResult | undefined> {
    return this.fillInto(request, overrides, {
      tracePlace: () => this.traceList.lone(),
      took: (ms) => {
        this.lastLatency = { lastMs: ms };
      },
    });
  }

  /** `fill`, which tells `report` its trace and time. */
  private async fillInto(request: InfillRequest, overrides: FillRequestOptions, report: FillReport): Promise<InfillResult | undefined> {
    const model = this.models.active;
    if (!model) {
      this.log.debug(`no model loaded (${this.models.state.kind}); nothing to fill`);
      return undefined;
    }
    // The user's fill goes first: the warm-up's waiting passes leave the queue.
    this.warming?.abort();
    const { engine, denoiser } = this.engineFor(model, await this.syntax);
    const options = this.options(overrides);
    const own = new AbortController();
    this.running.add(own);
    const signal = overrides.signal ? AbortSignal.any([overrides.signal, own.signal]) : own.signal;
    const { onForwardPass, deadline } = overrides;
    if (onForwardPass || deadline) {
      denoiser.listen(signal, (time) => {
        deadline?.passed(time);
        onForwardPass?.(time);
      });
    }
    const recorder = new TraceRecorder(model.spec);
    // What the sampler runs with (the engine adapts the settings to the model's family); a fill
    // cancelled before its canvas was laid out ran nothing.
    let plan: FillPlan | undefined;
    const record = (cancelled: boolean, nfe: number): void => {
      this._lastFill = {
        options: plan?.options, holes: request.holes.length, nfe, cancelled, ahead: overrides.ahead ?? false, cutShort: overrides.deadline?.cutShort !== undefined,
      };
    };
    try {
      const result = await engine.fill(request, options, {
        signal,
        onPlan: (planned) => {
          plan = planned;
          recorder.start(planned.layout);
          // filling from here, not from the first step: the click and "Cancel Fill" stop it during the first pass
          this.setActivity({ kind: 'filling', step: 0, totalSteps: planned.options.steps, hole: report.hole });
        },
        onStep: (step) => {
          this.setActivity({ kind: 'filling', step: step.step, totalSteps: step.totalSteps, hole: report.hole });
          return overrides.deadline?.onStep(step);
        },
        onSampled: (sampled) => recorder.sampled(sampled),
      });
      record(false, result.nfe);
      const cutShort = overrides.deadline?.cutShort;
      this.log.debug(`${request.holes.length} hole(s), ${result.candidates.length} candidate(s), ${result.nfe} NFE, ` +
        `${result.canvasTokens} canvas tokens, ${Math.round(result.ms)} ms${result.cached ? ' (cached)' : ''}` +
        (cutShort ? `, cut short by the ${cutShort.deadlineMs} ms deadline after step ${cutShort.step} of ${cutShort.totalSteps}` : ''));
      report.took(result.ms);
      void this.publishTrace(recorder, model, { ...overrides.source, hole: report.hole, finishedAt: Date.now(), ms: result.ms, cutShort }, result.candidates[0]?.row ?? 0, report.tracePlace());
      return result;
    } catch (error) {
      if (!isAbortError(error)) throw error;
      record(true, 0);
      this.log.trace('fill cancelled');
      return undefined;
    } finally {
      this.ended(own);
    }
  }

  /**
   * Runs `work`, the `count` fills of one request made one after another ("Diffuse fill" of holes
   * too far apart for one canvas) through the `fill` it is given, as one fill to the UI: the activity stays
   * 'filling' between them, each fill's naming its hole (k of `count`, in the order they are made),
   * so the status bar's click and "Diffuse: Cancel Fill" stop the rest; the last latency is the
   * whole request's once it completes, with each hole's beside it (statusBar.ts says why), and its
   * fills set none of their own, so a request that stops leaves that of the last fill that
   * completed, a ghost text's meanwhile included; and the view shows the traces of them all, each
   * added as its fill ends, and no other fill's until they are in (traceList.ts).
   * `onHole` hears each fill's place as it begins (the progress notification's "hole k of N"), so
   * the place has one counter. Resolves to what `work` does (undefined: cancelled or given up).
   */
  async asOneFill<T>(
    signal: AbortSignal,
    count: number,
    work: (fill: OneOfFills) => Promise<T | undefined>,
    onHole?: (hole: HolePlace) => void,
  ): Promise<T | undefined> {
    const own = new AbortController();
    this.running.add(own);
    const started = performance.now();
    const each = AbortSignal.any([signal, own.signal]);
    const traces = this.traceList.request();
    const holeMs: number[] = [];
    let fills = 0;
    const fill: OneOfFills = (request, overrides = {}) => {
      const index = fills++;
      const hole = holePlace(index, count);
      onHole?.(hole);
      return this.fillInto(request, { ...overrides, signal: each }, {
        hole,
        tracePlace: () => traces.place(index),
        took: (ms) => {
          holeMs[index] = ms;
        },
      });
    };
    let completed = false;
    try {
      const result = await work(fill);
      completed = result !== undefined && !each.aborted;
      return result;
    } finally {
      // A request that does not complete leaves the latency of the last fill that did.
      if (completed) this.lastLatency = { lastMs: performance.now() - started, lastHoleMs: holeMs };
      traces.end();
      this.ended(own);
    }
  }

  private ended(own: AbortController): void {
    this.running.delete(own);
    // Idle once no fill runs: an aborted fill ending while a newer one runs leaves it 'filling'.
    if (this.running.size === 0) this.setActivity({ kind: 'idle', ...this.lastLatency });
  }

  private engineFor(model: LoadedModel, syntax: SyntaxChecker | undefined): { engine: InfillEngine; denoiser: SharedDenoiser } {
    if (this.engine?.model !== model) {
      // Every fill on the model shares it through one queue that times each pass for its fill.
      const denoiser = new SharedDenoiser(model.denoiser);
      const engine = new InfillEngine({ denoiser, tokenizer: model.tokenizer }, this.logger, { syntax });
      this.engine = { model, engine, denoiser };
    }
    return this.engine;
  }

  /** A one-step fill of a small document on a model that just became active (`WARM_UP_REQUEST`). */
  private async warmUp(): Promise<void> {
    const model = this.models.active;
    if (!model || model === this.warmedUp) return;
    this.warmedUp = model;
    const controller = new AbortController();
    this.warming = controller;
    const started = performance.now();
    try {
      const { engine } = this.engineFor(model, await this.syntax);
      await engine.fill(WARM_UP_REQUEST, { ...this.options(), steps: 1 }, { signal: controller.signal });
      this.log.debug(`warmed up ${model.name} in ${Math.round(performance.now() - started)} ms`);
    } catch (error) {
      this.log.debug(isAbortError(error) ? 'warm-up stopped: a fill came first' : `warm-up failed: ${errorMessage(error)}`);
    } finally {
      if (this.warming === controller) this.warming = undefined;
    }
  }

  /** Publishes the trace of batch row `row` (the winning candidate's) for the denoising view, at `place`. */
  private async publishTrace(recorder: TraceRecorder, model: LoadedModel, origin: TraceOrigin, row: number, place: TracePlace): Promise<void> {
    let shown: ShownTrace | undefined;
    try {
      const trace = await recorder.result((ids) => model.tokenizer.decode(ids), row);
      shown = trace && { ...trace, origin };
    } catch (error) {
      this.log.debug(`no trace: ${errorMessage(error)}`);
    } finally {
      if (place.settle(shown) && !this.isDisposed) this._onDidTrace.fire(this.traceList.traces);
    }
  }

  private setActivity(activity: Activity): void {
    const changedKind = activity.kind !== this._activity.kind;
    this._activity = activity;
    if (this.isDisposed) return;
    if (changedKind) void vscode.commands.executeCommand('setContext', FILLING_CONTEXT, activity.kind === 'filling');
    this._onDidChangeActivity.fire(activity);
  }
}
