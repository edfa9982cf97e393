import * as assert from 'node:assert/strict';
import { readHole } from '../../src/infill/extract';

/** readHole: a hole's fill out of a sampled canvas (src/infill/extract.ts). */

const PAD = 0;
const EOS = 2;
const STOP = new Set([PAD, EOS]);
const NEVER = -1;

/** One row of 10: context 7, a hole at 1-8, context 9; `revealStep` NEVER where the sampler did not reveal. */
function sampled(tokens: number[], confidence: number[], revealStep: number[]) {
  return { tokens: Int32Array.from(tokens), confidence: Float64Array.from(confidence), revealStep: Int32Array.from(revealStep) };
}

describe('infill: reading a hole', () => {
  it('reads every revealed slot of the hole up to the first padding', () => {
    const canvas = sampled([7, 5, 6, PAD, PAD, PAD, PAD, PAD, PAD, 9], [1, 0.9, 0.7, 0.5, 0.6, 0.6, 0.6, 0.6, 0.6, 1], [NEVER, 1, 2, 3, 3, 3, 3, 3, 3, NEVER]);
    const hole = readHole(canvas, 10, 0, { start: 1, slots: 8 }, STOP);
    assert.deepEqual(hole.ids, [5, 6]);
    assert.ok(Math.abs(hole.confidence - 0.8) < 1e-12);
    assert.deepEqual(hole.probabilities, [0.9, 0.7, 0.5, 0.6, 0.6, 0.6, 0.6, 0.6]);
  });

  it('ends a hole at its first slot the sampler never revealed: the padding of a shorter row, or room a growing hole did not take', () => {
    // a hole that grew to four slots of its eight: the rest is the canvas's padding, confidence 1
    const canvas = sampled([7, 5, 6, 8, 4, PAD, PAD, PAD, PAD, 9], [1, 0.9, 0.7, 0.8, 0.6, 1, 1, 1, 1, 1], [NEVER, 1, 2, 4, 4, NEVER, NEVER, NEVER, NEVER, NEVER]);
    const hole = readHole(canvas, 10, 0, { start: 1, slots: 8 }, STOP);
    assert.deepEqual(hole.ids, [5, 6, 8, 4]);
    assert.deepEqual(hole.probabilities, [0.9, 0.7, 0.8, 0.6], 'no slot of the untaken room, whose confidence is the context\'s 1');
    const empty = readHole(sampled([7, PAD, PAD, PAD, PAD, PAD, PAD, PAD, PAD, 9], [1, 0.4, 1, 1, 1, 1, 1, 1, 1, 1], [NEVER, 2, NEVER, NEVER, NEVER, NEVER, NEVER, NEVER, NEVER, NEVER]), 10, 0, { start: 1, slots: 8 }, STOP);
    assert.deepEqual([empty.ids, empty.confidence], [[], 0.4], 'an empty fill: the mean of its own padding slot alone');
  });
});
