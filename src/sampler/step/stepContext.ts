import type { Rng } from '../../core/rng';
import type { CanvasState } from '../loop/canvasState';
import type { HoleGrowth } from '../loop/holeGrowth';
import type { QueriedLogits } from '../loop/denoiseCall';
import type { TokenSampler } from '../math/tokenSampler';
import type { DiffusionSpec } from '../types';
import type { ResolvedOptions } from '../validate';

/** What one step needs to reveal or move tokens of a row: the absorb path (absorb/) and the kernel path (kernels/) alike. */
export interface StepContext {
  readonly spec: DiffusionSpec;
  readonly options: ResolvedOptions;
  readonly state: CanvasState;
  readonly logits: QueriedLogits;
  readonly rng: Rng;
  readonly tokenSampler: TokenSampler;
  readonly step: number;
  /** Per-position work vectors of the graph kernels (kernels/transition.ts), reused. */
  readonly scratch: Scratch;
  /** Where holes may grow (a model with an expand token, on the absorb path); undefined: the expand token is never taken. */
  readonly growth?: HoleGrowth;
}

/** Float64 vectors `[vocabSize]` a step reuses for every position. */
export class Scratch {
  readonly x0: Float64Array;
  readonly scores: Float64Array;
  readonly weights: Float64Array;
  readonly logWeights: Float64Array;

  constructor(vocabSize: number) {
    this.x0 = new Float64Array(vocabSize);
    this.scores = new Float64Array(vocabSize);
    this.weights = new Float64Array(vocabSize);
    this.logWeights = new Float64Array(vocabSize);
  }
}
