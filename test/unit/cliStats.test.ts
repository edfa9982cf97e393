import * as assert from 'node:assert/strict';
import { distribution, percentile } from '../../src/cli/stats';

describe('cli: latency statistics (also the benchmarks\')', () => {
  it('takes percentiles by nearest rank', () => {
    const twenty = Array.from({ length: 20 }, (_, i) => 20 - i);
    assert.equal(percentile(twenty, 0.95), 19);
    assert.equal(percentile(twenty, 0.5), 10);
    assert.equal(percentile([7], 0.95), 7);
    assert.ok(Number.isNaN(percentile([], 0.5)));
  });

  it('summarises a sample', () => {
    assert.deepEqual(distribution([3, 1, 2]), { p50: 2, p95: 3, mean: 2, min: 1, max: 3 });
  });
});
