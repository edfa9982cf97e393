import type { StepInfo } from '../sampler';
import type { DenoiseRequest } from '../sampler/types';

/** One hole slot of the last fill, as the denoising view shows it. */
export interface TraceToken {
  /** The revealed token's text ('' for padding). */
  readonly text: string;
  /** 1-based step at which it was revealed. */
  readonly step: number;
  /** Probability of the revealed token when it was revealed. */
  readonly confidence: number;
  /** Padding or end of text: slack of an over-allocated hole. */
  readonly pad: boolean;
  /** Which hole (0-based, in document order) the slot belongs to. */
  readonly hole: number;
}

export interface DenoiseTrace {
  readonly steps: number;
  readonly tokens: readonly TraceToken[];
}

/** Which fill a trace is of, as the denoising view names it. */
export interface TraceOrigin {
  /** Workspace-relative file (or the untitled name) and 1-based line of the (first) hole. */
  readonly file?: string;
  readonly line?: number;
  /** When the fill finished (epoch ms) and how long it took. */
  readonly finishedAt: number;
  readonly ms: number;
}

export type ShownTrace = DenoiseTrace & { readonly origin: TraceOrigin };

interface Slot {
  /** Index into the batch canvas `[batch * length]`. */
  readonly position: number;
  readonly hole: number;
  id: number;
  step: number;
  confidence: number;
}

/**
 * Records, for the first row of one sampling run, which token each hole slot got, at which step
 * and how confidently. The slots are the positions queried in the run's first network call: every
 * hole slot then, on every graph (masked on the absorbing graph; on the uniform and roulette
 * graphs the network is asked about every hole slot, noise included). `onStep` then sees each
 * slot's token: its step is the last step that changed it, or the first step for a noise token no
 * step replaced (on the absorbing graph, the step that revealed it), and its confidence the latest.
 * Every row is recorded (the engine tries hole lengths and candidates as batch rows of one
 * canvas); `result` gives the row the view should show, the one whose fill won.
 */
export class TraceRecorder {
  /** Per batch row, its hole slots. */
  private rows: Slot[][] | undefined;
  private length = 0;
  private steps = 0;

  constructor(private readonly spec: { maskId: number; padId: number; eosId: number }) {}

  observeRequest(request: DenoiseRequest): void {
    if (this.rows) return;
    this.length = request.length;
    this.rows = Array.from({ length: request.batch }, (_, row) => {
      const slots: Slot[] = [];
      let hole = -1;
      let previous = -1;
      // The row's queries, ascending; a short row repeats a position at its end.
      for (const position of request.positions.subarray(row * request.queries, (row + 1) * request.queries)) {
        if (position <= previous) continue;
        if (previous < 0 || position !== previous + 1) hole++;
        slots.push({ position: row * request.length + position, hole, id: this.spec.maskId, step: 0, confidence: Number.NaN });
        previous = position;
      }
      return slots;
    });
  }

  onStep(info: StepInfo): void {
    if (!this.rows) return;
    this.steps = info.step;
    for (const slot of this.rows.flat()) {
      const id = info.tokens[slot.position];
      if (id === this.spec.maskId) continue;
      if (id !== slot.id) {
        slot.id = id;
        slot.step = info.step;
      }
      slot.confidence = info.confidence[slot.position];
    }
  }

  /** Row `row`'s trace, token texts decoded one id at a time; undefined when nothing was sampled (a cache hit). */
  async result(decode: (ids: number[]) => Promise<string>, row = 0): Promise<DenoiseTrace | undefined> {
    const slots = this.rows?.[row];
    if (!slots || this.length === 0 || this.steps === 0) return undefined;
    const tokens: TraceToken[] = [];
    for (const slot of slots) {
      const pad = slot.id === this.spec.padId || slot.id === this.spec.eosId;
      const text = pad || slot.id === this.spec.maskId ? '' : await decode([slot.id]);
      tokens.push({ text, step: slot.step, confidence: slot.confidence, pad, hole: slot.hole });
    }
    return { steps: this.steps, tokens };
  }
}
