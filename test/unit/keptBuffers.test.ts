import * as assert from 'node:assert/strict';
import { KeptBuffers } from '../../src/model/runtime/keptBuffers';

describe('the kept context\'s reused arrays', () => {
  it('never hands out an array over a buffer still in use, and reuses one no longer in use', () => {
    const buffers = new KeptBuffers();
    const keptKey = buffers.take(8, []);
    const keptValue = buffers.take(8, [keptKey]);
    assert.notEqual(keptValue.buffer, keptKey.buffer);
    // a carried fill: new key and value beside the kept ones
    const carriedKey = buffers.take(8, [keptKey, keptValue]);
    const carriedValue = buffers.take(8, [keptKey, keptValue, carriedKey]);
    const buffersSeen = new Set([keptKey, keptValue, carriedKey, carriedValue].map((a) => a.buffer));
    assert.equal(buffersSeen.size, 4);
    // the next run holds only the carried context: the first two buffers come back
    const next = buffers.take(8, [carriedKey, carriedValue]);
    assert.ok(next.buffer === keptKey.buffer || next.buffer === keptValue.buffer);
  });

  it('gives views of the length asked, growing a pooled array that is too short', () => {
    const buffers = new KeptBuffers();
    const small = buffers.take(4, []);
    assert.equal(small.length, 4);
    const shorter = buffers.take(2, []);
    assert.equal(shorter.buffer, small.buffer, 'the same array, a shorter view');
    assert.equal(shorter.length, 2);
    const larger = buffers.take(16, []);
    assert.equal(larger.length, 16);
    assert.notEqual(larger.buffer, small.buffer, 'too short: replaced by a larger one');
    assert.equal(buffers.take(16, [larger]).length, 16);
  });

  it('past its limit allocates outside the pool instead of reusing an array in use', () => {
    const buffers = new KeptBuffers(2);
    const a = buffers.take(4, []);
    const b = buffers.take(4, [a]);
    const c = buffers.take(4, [a, b]);
    assert.equal(new Set([a.buffer, b.buffer, c.buffer]).size, 3);
    c.fill(7);
    assert.ok(a.every((x) => x === 0) && b.every((x) => x === 0), 'the arrays in use are untouched');
  });
});
