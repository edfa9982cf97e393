import type { Canvas, SampleResult, StepInfo } from './api';

/** The canvas being denoised, with what the result reports per position. */
export class CanvasState {
  readonly batch: number;
  readonly length: number;
  // tokens, confidence, revealStep: [batch * length]
  readonly tokens: Int32Array;
  readonly confidence: Float64Array;
  readonly revealStep: Int32Array;
  // holeEnds: [batch * length], for a position masked in the input the last position of its hole
  // (the maximal run of input-masked positions around it); -1 for context
  private readonly holeEnds: Int32Array;
  private maskedLeft = 0;

  constructor(canvas: Canvas, private readonly maskId: number) {
    this.batch = canvas.batch;
    this.length = canvas.length;
    this.tokens = Int32Array.from(canvas.tokens);
    this.confidence = new Float64Array(this.tokens.length);
    this.revealStep = new Int32Array(this.tokens.length).fill(-1);
    this.tokens.forEach((id, i) => {
      const masked = id === maskId;
      this.confidence[i] = masked ? NaN : 1;
      if (masked) this.maskedLeft++;
    });
    this.holeEnds = new Int32Array(this.tokens.length).fill(-1);
    for (let i = this.tokens.length - 1; i >= 0; i--) {
      if (this.tokens[i] !== maskId) continue;
      const runGoesOn = (i + 1) % this.length !== 0 && this.tokens[i + 1] === maskId;
      this.holeEnds[i] = runGoesOn ? this.holeEnds[i + 1]! : i % this.length;
    }
  }

  get masked(): number {
    return this.maskedLeft;
  }

  isMasked(row: number, position: number): boolean {
    return this.tokens[row * this.length + position] === this.maskId;
  }

  tokenAt(row: number, position: number): number {
    return this.tokens[row * this.length + position]!;
  }

  /** Last position of the input hole holding `position` (which was masked in the input canvas). */
  holeEnd(row: number, position: number): number {
    return this.holeEnds[row * this.length + position]!;
  }

  /** Masked positions of a row, ascending. */
  maskedPositions(row: number): number[] {
    const positions: number[] = [];
    for (let p = 0; p < this.length; p++) if (this.isMasked(row, p)) positions.push(p);
    return positions;
  }

  reveal(row: number, position: number, token: number, confidence: number, step: number): void {
    const i = row * this.length + position;
    this.tokens[i] = token;
    this.confidence[i] = confidence;
    this.revealStep[i] = step;
    this.maskedLeft--;
  }

  stepInfo(step: number, totalSteps: number, nfe: number): StepInfo {
    return {
      step,
      totalSteps,
      nfe,
      tokens: this.tokens.slice(),
      confidence: this.confidence.slice(),
      masked: this.maskedLeft,
    };
  }

  result(nfe: number, steps: number): SampleResult {
    return { tokens: this.tokens, confidence: this.confidence, revealStep: this.revealStep, nfe, steps };
  }
}
