import type { DiffusionSpec, SampleResult } from '../sampler';
import type { HoleLayout } from './types';

/** One hole slot of a fill, as the denoising view shows it. */
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

interface Slot {
  /** Index into the batch canvas `[rows * length]`. */
  readonly position: number;
  readonly hole: number;
  id: number;
  step: number;
  confidence: number;
}

/**
 * Records, for every batch row of one fill, which token each hole slot got, at which step and how
 * confidently. The slots are the plan's (`InfillHooks.onPlan`): each row's own slots of each hole,
 * not the padding that fixes a shorter row's tail (but where holes grow, all the padding a hole
 * may grow into, shown as padding where it did not). `sampled` then reads each slot's token from
 * the sampled canvas (`InfillHooks.onSampled`, the sampler's own record of every step, so a run
 * stopped early shows the tokens it settled at its last step too): its step is the last step that
 * changed it, or the first step for a noise token no step replaced (on the uniform and roulette
 * graphs; on the absorbing graph, the step that revealed it), and its confidence the latest.
 * `result` gives the row the view should show, the one whose fill won.
 */
export class TraceRecorder {
  /** Per batch row, its hole slots; undefined until the fill is laid out. */
  private rows: Slot[][] | undefined;
  private steps = 0;

  constructor(private readonly spec: Pick<DiffusionSpec, 'maskId' | 'padId' | 'eosId'>) {}

  /** Starts recording a fill laid out as `layout` (pass it `InfillHooks.onPlan`'s plan). */
  start(layout: HoleLayout): void {
    this.steps = 0;
    this.rows = layout.rows.map((holes, row) =>
      holes.flatMap(({ start, slots }, hole) => Array.from({ length: slots }, (_, k): Slot =>
        ({ position: row * layout.length + start + k, hole, id: this.spec.maskId, step: 0, confidence: Number.NaN }))));
  }

  /** Reads the slots from the sampled canvas, where no slot is masked any more. */
  sampled(sampled: Pick<SampleResult, 'steps' | 'tokens' | 'confidence' | 'revealStep'>): void {
    if (!this.rows) return;
    this.steps = sampled.steps;
    for (const slot of this.rows.flat()) {
      // the sampler's own record, which moves with a token a split shifts (0: a noise token no step replaced)
      Object.assign(slot, { id: sampled.tokens[slot.position], step: Math.max(1, sampled.revealStep[slot.position]), confidence: sampled.confidence[slot.position] });
    }
  }

  /** Row `row`'s trace; undefined when nothing was sampled (a cache hit). */
  async result(decode: (ids: number[]) => Promise<string>, row = 0): Promise<DenoiseTrace | undefined> {
    const slots = this.rows?.[row];
    if (!slots || this.steps === 0) return undefined;
    const texts = await this.texts(slots, decode);
    const tokens = slots.map((slot, i): TraceToken => ({ text: texts[i], step: slot.step, confidence: slot.confidence, pad: this.isPad(slot.id), hole: slot.hole }));
    return { steps: this.steps, tokens };
  }

  /**
   * Each slot's text: what its token adds to the text of its hole's tokens before it (padding
   * adds nothing). `decode` gives whole characters only, so a character spread over several
   * byte tokens (CJK, an emoji) shows on the slot that completes it (decoded alone, each byte is '').
   */
  private async texts(slots: readonly Slot[], decode: (ids: number[]) => Promise<string>): Promise<string[]> {
    const texts: string[] = [];
    let ids: number[] = [];
    let decoded = '';
    for (const [i, slot] of slots.entries()) {
      if (slot.hole !== slots[i - 1]?.hole) [ids, decoded] = [[], ''];
      const before = decoded;
      if (!this.isPad(slot.id)) {
        ids.push(slot.id);
        decoded = await decode(ids);
      }
      texts.push(decoded.slice(before.length));
    }
    return texts;
  }

  private isPad(id: number): boolean {
    return id === this.spec.padId || id === this.spec.eosId;
  }
}
