import { AbortedError } from '../../../src/core/errors';
import type { DenoiseRequest, Denoiser, DiffusionSpec } from '../../../src/sampler/types';
import { FAKE_SPECIAL } from './fakeTokenizer';

/** An absorbing-state MDLM spec with the fake tokenizer's special ids. */
export function fakeSpec(overrides: Partial<DiffusionSpec> = {}): DiffusionSpec {
  return {
    family: 'mdlm',
    graph: 'absorb',
    outputKind: 'x0_logits',
    condKind: 'none',
    schedule: { type: 'loglinear', eps: 1e-3 },
    vocabSize: 4096,
    maskId: FAKE_SPECIAL.mask,
    padId: FAKE_SPECIAL.pad,
    eosId: FAKE_SPECIAL.eos,
    bosId: null,
    maxLength: 256,
    ...overrides,
  };
}

/**
 * What the fake model predicts at `position` of one canvas row: an id (given the denoiser's
 * margin), or an id and its own margin (a smaller margin = a less confident prediction).
 */
export type Predict = (row: Int32Array, position: number) => number | readonly [id: number, margin: number];

/**
 * A deterministic `Denoiser`: at every queried position it puts logit `margin` on the id `predict`
 * names and 0 elsewhere (so with the default margin the sampler is all but certain). It records
 * each request, and `beforeRun` lets a test act mid-sampling (abort, say).
 */
export class FakeDenoiser implements Denoiser {
  readonly requests: DenoiseRequest[] = [];
  beforeRun: (() => void) | undefined;

  constructor(
    readonly spec: DiffusionSpec,
    private readonly predict: Predict,
    private readonly margin = 30,
  ) {}

  async denoise(request: DenoiseRequest, signal?: AbortSignal): Promise<Float32Array> {
    this.beforeRun?.();
    if (signal?.aborted) throw new AbortedError();
    this.requests.push({ ...request, tokens: request.tokens.slice(), positions: request.positions.slice() });
    const { batch, length, queries, positions, tokens } = request;
    const vocab = this.spec.vocabSize;
    // logits: [batch, queries, vocab]
    const logits = new Float32Array(batch * queries * vocab);
    for (let b = 0; b < batch; b++) {
      const row = tokens.subarray(b * length, (b + 1) * length);
      for (let q = 0; q < queries; q++) {
        const prediction = this.predict(row, positions[b * queries + q]);
        const [id, margin] = typeof prediction === 'number' ? [prediction, this.margin] : prediction;
        logits[(b * queries + q) * vocab + id] = margin;
      }
    }
    return logits;
  }
}

/**
 * A `Predict` that writes each answer into the hole starting at its canvas position (`[start, ids]`)
 * and padding into every other masked slot; context positions echo their own token.
 */
export function answers(...holes: ReadonlyArray<readonly [start: number, ids: readonly number[]]>): Predict {
  return (row, position) => {
    for (const [start, ids] of holes) {
      const offset = position - start;
      if (offset >= 0 && offset < ids.length) return ids[offset];
    }
    return row[position] === FAKE_SPECIAL.mask ? FAKE_SPECIAL.pad : row[position];
  };
}
