import * as assert from 'node:assert/strict';
import { LogitsPool } from '../../src/model/runtime/logitsPool';

describe('the pool of logits arrays', () => {
  it('gives out a handed-back buffer again, as a view of its start where less is asked', () => {
    const pool = new LogitsPool();
    const first = pool.take(8);
    assert.equal(first.length, 8);
    pool.recycle(first);
    const again = pool.take(8);
    assert.equal(again.buffer, first.buffer);
    pool.recycle(again);
    const shorter = pool.take(3);
    assert.equal(shorter.buffer, first.buffer);
    assert.equal(shorter.length, 3);
    assert.equal(shorter.byteOffset, 0);
    pool.recycle(shorter);
    assert.notEqual(pool.take(16).buffer, first.buffer, 'too short for 16: a fresh array');
  });

  it('never gives one buffer out twice: a second hand-back, or an array it did not give out, is ignored', () => {
    const pool = new LogitsPool();
    const lent = pool.take(4);
    pool.recycle(lent);
    pool.recycle(lent);
    const a = pool.take(4);
    const b = pool.take(4);
    assert.notEqual(a.buffer, b.buffer);
    const foreign = new Float32Array(4);
    pool.recycle(foreign);
    assert.notEqual(pool.take(4).buffer, foreign.buffer);
  });

  it('takes the smallest buffer that holds the length, and past its limit drops the smallest', () => {
    const pool = new LogitsPool(2);
    const [small, middle, large] = [pool.take(2), pool.take(4), pool.take(8)];
    for (const array of [small, middle, large]) pool.recycle(array);
    assert.equal(pool.take(3).buffer, middle.buffer, 'the smallest that holds 3');
    assert.equal(pool.take(1).buffer, large.buffer, 'the 2-float buffer was dropped');
    assert.equal(pool.take(1).length, 1);
  });

  it('keeps no buffer past its size limit: a large answer is handed back to the collector', () => {
    const pool = new LogitsPool(4, 8);
    const [kept, large] = [pool.take(8), pool.take(9)];
    pool.recycle(kept);
    pool.recycle(large);
    assert.equal(pool.take(4).buffer, kept.buffer);
    assert.notEqual(pool.take(9).buffer, large.buffer, 'the 9-float buffer was not kept');
  });
});
