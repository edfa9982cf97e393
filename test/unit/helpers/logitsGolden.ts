import * as assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import type { LoadedModel } from '../../../src/model';
import { requestOf } from './denoiseRequests';

/** A fixture's logits-golden.json: PyTorch's logits [B][Q][V] for fixed full calls (training/diffuse/make_fixture.py). */
export interface LogitsGolden {
  atol: number;
  cases: Array<{ input_ids: number[][]; positions: number[][]; logits: number[][][] }>;
}

/** The golden file of the fixture folder `dir`; a missing or empty one is a failure. */
export function readLogitsGolden<G extends LogitsGolden = LogitsGolden>(dir: string): G {
  const golden = JSON.parse(readFileSync(path.join(dir, 'logits-golden.json'), 'utf8')) as G;
  assert.ok(golden.cases.length > 0, `${dir}/logits-golden.json has no cases`);
  return golden;
}

/** The largest element-wise |Δ| between `logits` and `expected`, which must be the same size. */
export function maxAbsDiff(logits: Float32Array, expected: number[][][] | Float32Array): number {
  const flat = Array.isArray(expected) ? expected.flat(2) : Array.from(expected);
  assert.equal(logits.length, flat.length, 'logits size');
  return flat.reduce((worst, x, i) => Math.max(worst, Math.abs(logits[i]! - x)), 0);
}

/** Asserts that `logits` equal golden case `index`'s within the golden's tolerance. */
export function assertLogitsMatch(logits: Float32Array, expected: number[][][], atol: number, index: number): void {
  const worst = maxAbsDiff(logits, expected);
  assert.ok(worst <= atol, `case ${index}: max |Δ| = ${worst} > atol ${atol}`);
}

/** Every golden full call (no past on a cache graph) through `model`, each within the golden's tolerance. */
export async function expectGoldenCases(model: LoadedModel, golden: LogitsGolden): Promise<void> {
  for (const [index, c] of golden.cases.entries()) {
    assertLogitsMatch(await model.denoiser.denoise(requestOf(c.input_ids, c.positions)), c.logits, golden.atol, index);
  }
}
