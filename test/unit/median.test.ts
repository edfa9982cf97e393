import * as assert from 'node:assert/strict';
import { upperMedian } from '../../src/core/median';

describe('upperMedian', () => {
  it('is undefined for no values', () => {
    assert.equal(upperMedian([]), undefined);
  });

  it('is the middle value of an odd count, in any order', () => {
    assert.equal(upperMedian([7]), 7);
    assert.equal(upperMedian([30, 10, 20]), 20);
  });

  it('is the upper of the two middle values of an even count, not their mean', () => {
    assert.equal(upperMedian([40, 10, 30, 20]), 30);
  });

  it('is not moved by a few outliers', () => {
    assert.equal(upperMedian([100, 100, 100, 1400, 1300]), 100);
  });

  it('leaves its argument as it was', () => {
    const values = [3, 1, 2];
    upperMedian(values);
    assert.deepEqual(values, [3, 1, 2]);
  });
});
