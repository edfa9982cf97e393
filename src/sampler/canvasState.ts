import type { Canvas, SampleResult, StepInfo } from './api';

/** The canvas being denoised, with what the result reports per position. */
export class CanvasState {
  readonly batch: number;
  readonly length: number;
  // tokens, confidence, revealStep: [batch * length]
  readonly tokens: Int32Array;
  readonly confidence: Float64Array;
  readonly revealStep: Int32Array;
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
  }

  get masked(): number {
    return this.maskedLeft;
  }

  isMasked(row: number, position: number): boolean {
    return this.tokens[row * this.length + position] === this.maskId;
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
