import type { Rng } from '../../core/rng';
import type { Canvas, SampleResult, StepInfo } from '../api';

/**
 * The canvas being denoised, with what the result reports per position. The holes are the
 * positions masked in the input canvas, and the padding after one that a growing hole takes
 * (splitSlot); only they are ever written, so the context is clamped by construction on every graph.
 *
 * A hole position is pending until its token is final. On the absorb graph that is the moment it
 * is revealed. On the refining graphs (uniform, roulette) every hole token may still change until
 * the row's final step settles it (`settle`).
 */
export class CanvasState {
  readonly batch: number;
  readonly length: number;
  // tokens, confidence, revealStep: [batch * length]
  readonly tokens: Int32Array;
  readonly confidence: Float64Array;
  readonly revealStep: Int32Array;
  // holeEnds: [batch * length], for a hole position the last position of its hole (the maximal run
  // of input-masked positions around it, and the padding after it that the hole grew into,
  // splitSlot); -1 for context
  private readonly holeEnds: Int32Array;
  // pendingFlags: [batch * length], 1 for a hole position whose token is not final yet
  private readonly pendingFlags: Uint8Array;
  private maskedLeft = 0;
  private pendingLeft = 0;
  /** Bumped whenever a token changes (the sampler's logits cache key). */
  private changes = 0;

  constructor(
    canvas: Canvas,
    private readonly maskId: number,
    private readonly refining: boolean,
  ) {
    this.batch = canvas.batch;
    this.length = canvas.length;
    this.tokens = Int32Array.from(canvas.tokens);
    this.confidence = new Float64Array(this.tokens.length);
    this.revealStep = new Int32Array(this.tokens.length).fill(-1);
    this.pendingFlags = new Uint8Array(this.tokens.length);
    this.tokens.forEach((id, i) => {
      const masked = id === maskId;
      this.confidence[i] = masked ? NaN : 1;
      this.pendingFlags[i] = masked ? 1 : 0;
      if (masked) this.maskedLeft++;
    });
    this.pendingLeft = this.maskedLeft;
    this.holeEnds = new Int32Array(this.tokens.length).fill(-1);
    for (let i = this.tokens.length - 1; i >= 0; i--) {
      if (this.tokens[i] !== maskId) continue;
      const runGoesOn = (i + 1) % this.length !== 0 && this.tokens[i + 1] === maskId;
      this.holeEnds[i] = runGoesOn ? this.holeEnds[i + 1]! : i % this.length;
    }
  }

  /** An independent copy, to finish greedily as a preview (the pruning hook's) without touching this run. */
  clone(): CanvasState {
    const copy = new CanvasState({ tokens: this.tokens, batch: this.batch, length: this.length }, this.maskId, this.refining);
    copy.confidence.set(this.confidence);
    copy.revealStep.set(this.revealStep);
    copy.holeEnds.set(this.holeEnds);
    copy.pendingFlags.set(this.pendingFlags);
    copy.maskedLeft = this.maskedLeft;
    copy.pendingLeft = this.pendingLeft;
    copy.changes = this.changes;
    return copy;
  }

  /** Hole positions whose token is not final yet (all rows). */
  get pending(): number {
    return this.pendingLeft;
  }

  get version(): number {
    return this.changes;
  }

  isMasked(row: number, position: number): boolean {
    return this.tokens[row * this.length + position] === this.maskId;
  }

  isPending(row: number, position: number): boolean {
    return this.pendingFlags[row * this.length + position] === 1;
  }

  tokenAt(row: number, position: number): number {
    return this.tokens[row * this.length + position]!;
  }

  /** Whether `position` is the first of its hole (a run masked in the input canvas, with the padding it grew into). */
  isHoleStart(row: number, position: number): boolean {
    const i = row * this.length + position;
    return position === 0 || this.holeEnds[i - 1] !== this.holeEnds[i];
  }

  /** Last position of the hole holding `position` (a hole position); -1 for context. */
  holeEnd(row: number, position: number): number {
    return this.holeEnds[row * this.length + position]!;
  }

  /** Pending positions of a row, ascending. */
  pendingPositions(row: number): number[] {
    return this.positionsWhere((p) => this.isPending(row, p));
  }

  /** The positions the network is asked about: the masked ones (absorb), every hole position (refining graphs). */
  queryPositions(row: number): number[] {
    return this.positionsWhere((p) => (this.refining ? this.holeEnds[row * this.length + p]! >= 0 : this.isMasked(row, p)));
  }

  /** Positions that are a hole in any row, ascending: what a context-cached call runs. */
  holePositions(): Int32Array {
    return Int32Array.from(this.positionsWhere((p) => Array.from({ length: this.batch }, (_, b) => this.holeEnds[b * this.length + p]!).some((end) => end >= 0)));
  }

  /**
   * The uniform graph's prior: every hole position, rows then positions ascending, takes a uniform
   * real token from one uniform u each (the k-th real id, k = floor(u N), N = vocabSize - 1);
   * its revealStep becomes 0 (the prior draw), its confidence stays NaN until a step draws it.
   */
  fillHolesWithNoise(rng: Rng, vocabSize: number): void {
    for (let i = 0; i < this.tokens.length; i++) {
      if (this.tokens[i] !== this.maskId) continue;
      const k = Math.floor(rng.nextUniform() * (vocabSize - 1));
      this.tokens[i] = k < this.maskId ? k : k + 1;
      this.revealStep[i] = 0;
      this.maskedLeft--;
    }
  }

  /**
   * Writes a drawn token: confidence always, revealStep only when the token changes (so it is the
   * last step a hole token changed). On the absorb graph the position is final at once.
   */
  reveal(row: number, position: number, token: number, confidence: number, step: number): void {
    const i = row * this.length + position;
    if (this.tokens[i] !== token) {
      if (this.tokens[i] === this.maskId) this.maskedLeft--;
      this.tokens[i] = token;
      this.revealStep[i] = step;
      this.changes++;
    }
    this.confidence[i] = confidence;
    if (!this.refining) this.settle(row, position);
  }

  /**
   * Splits the revealed slot `position` of a hole in two masked slots (an expand token,
   * holeGrowth.ts): the hole's later slots move one right, into the position after its end, which
   * joins the hole (the caller's room: padding, overwritten).
   */
  splitSlot(row: number, position: number): void {
    const base = row * this.length;
    const end = this.holeEnds[base + position]!;
    const from = base + position + 1;
    const to = base + end + 1;
    for (const values of [this.tokens, this.confidence, this.revealStep, this.pendingFlags]) values.copyWithin(from + 1, from, to);
    for (let j = base + end + 1; j >= base && (j === base + end + 1 || this.holeEnds[j] === end); j--) this.holeEnds[j] = end + 1;
    // the expand token's slot and the new one after it (still a copy of the next): both masked again
    this.maskSlot(from - 1);
    this.maskSlot(from);
    this.changes++;
  }

  /** Makes `position`, a revealed hole slot, masked and pending again. */
  remask(row: number, position: number): void {
    this.maskSlot(row * this.length + position);
    this.changes++;
  }

  /** Flat index `i` masked and pending, whatever it held (a revealed token, or a copy splitSlot moved on). */
  private maskSlot(i: number): void {
    this.tokens[i] = this.maskId;
    this.confidence[i] = NaN;
    this.revealStep[i] = -1;
    this.pendingFlags[i] = 1;
    this.maskedLeft++;
    this.pendingLeft++;
  }

  /** Marks a pending position final. */
  settle(row: number, position: number): void {
    this.pendingFlags[row * this.length + position] = 0;
    this.pendingLeft--;
  }

  stepInfo(step: number, totalSteps: number, nfe: number): StepInfo {
    return {
      step,
      totalSteps,
      nfe,
      tokens: this.tokens.slice(),
      confidence: this.confidence.slice(),
      revealStep: this.revealStep.slice(),
      masked: this.maskedLeft,
      pending: this.pendingLeft,
    };
  }

  result(nfe: number, steps: number): SampleResult {
    return { tokens: this.tokens, confidence: this.confidence, revealStep: this.revealStep, nfe, steps };
  }

  private positionsWhere(keep: (position: number) => boolean): number[] {
    const positions: number[] = [];
    for (let p = 0; p < this.length; p++) if (keep(p)) positions.push(p);
    return positions;
  }
}
