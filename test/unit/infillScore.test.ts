import * as assert from 'node:assert/strict';
import { meanLogProbability } from '../../src/infill/score';

describe('infill: the score of a fill', () => {
  it('is the mean log-probability of the kept tokens and the padding slot that ends them', () => {
    const hole = { ids: [5, 6], probabilities: [0.5, 0.25, 0.9, 0.9] };
    assert.equal(meanLogProbability(hole, 2, false), (Math.log(0.5) + Math.log(0.25) + Math.log(0.9)) / 3);
  });

  it('counts no padding after a fill that ends at its line break or fills every slot', () => {
    const hole = { ids: [5, 6, 7], probabilities: [0.5, 0.5, 0.1] };
    assert.equal(meanLogProbability(hole, 2, true), Math.log(0.5));
    assert.equal(meanLogProbability(hole, 3, false), (2 * Math.log(0.5) + Math.log(0.1)) / 3);
  });

  it('scores an empty fill by its first padding slot, and never gives -Infinity', () => {
    assert.equal(meanLogProbability({ ids: [], probabilities: [0.8, 0.9] }, 0, false), Math.log(0.8));
    assert.ok(Number.isFinite(meanLogProbability({ ids: [4], probabilities: [0] }, 1, false)));
  });

  it('does not favour the shorter of two fills as a sum would', () => {
    const sure = { ids: [1, 2, 3, 4], probabilities: [0.9, 0.9, 0.9, 0.9, 0.9] };
    const short = { ids: [1], probabilities: [0.6, 0.6] };
    assert.ok(meanLogProbability(sure, 4, false) > meanLogProbability(short, 1, false));
  });
});
