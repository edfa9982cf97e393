import * as assert from 'node:assert/strict';
import { LruCache } from '../../src/core/lru';

describe('LruCache', () => {
  it('returns what was set and undefined for a missing key', () => {
    const cache = new LruCache<string, number>(2);
    cache.set('a', 1);
    assert.equal(cache.get('a'), 1);
    assert.equal(cache.get('b'), undefined);
  });

  it('evicts the least recently used entry beyond capacity', () => {
    const cache = new LruCache<string, number>(2);
    cache.set('a', 1);
    cache.set('b', 2);
    cache.set('c', 3);
    assert.deepEqual([cache.get('a'), cache.get('b'), cache.get('c')], [undefined, 2, 3]);
  });

  it('counts a read as a use', () => {
    const cache = new LruCache<string, number>(2);
    cache.set('a', 1);
    cache.set('b', 2);
    cache.get('a');
    cache.set('c', 3);
    assert.deepEqual([cache.get('b'), cache.get('a')], [undefined, 1]);
  });

  it('counts overwriting a key as a use, without growing', () => {
    const cache = new LruCache<string, number>(2);
    cache.set('a', 1);
    cache.set('b', 2);
    cache.set('a', 10);
    cache.set('c', 3);
    assert.deepEqual([cache.get('b'), cache.get('a')], [undefined, 10]);
  });

  it('keeps falsy values', () => {
    const cache = new LruCache<string, number>(1);
    cache.set('zero', 0);
    assert.equal(cache.get('zero'), 0);
  });

  it('refuses a capacity that is not a positive integer', () => {
    assert.throws(() => new LruCache(0), RangeError);
    assert.throws(() => new LruCache(1.5), RangeError);
  });
});
