import * as assert from 'node:assert/strict';
import type { ShownTrace } from '../../src/providers/shownTrace';
import { TraceList } from '../../src/providers/traceList';

/** A one-token trace of the fill at `line`, which is all the list's rules look at. */
const traceAt = (line: number): ShownTrace => ({
  steps: 1,
  tokens: [{ text: 'x', step: 1, confidence: 1, pad: false, hole: 0 }],
  origin: { file: 'file.py', line, finishedAt: 0, ms: 1 },
});
const lines = (list: TraceList) => list.traces.map((trace) => trace.origin.line);
const holes = (list: TraceList) => list.traces.map((trace) => trace.origin.hole);

describe('the denoising view\'s trace list', () => {
  it('a fill of its own replaces the list with its trace; one without a trace changes nothing', () => {
    const list = new TraceList();
    assert.deepEqual(lines(list), []);
    assert.equal(list.lone().settle(traceAt(1)), true);
    assert.equal(list.lone().settle(traceAt(2)), true);
    assert.deepEqual(lines(list), [2]);
    assert.equal(list.lone().settle(undefined), false);
    assert.deepEqual(lines(list), [2]);
  });

  it('a request\'s fills made one after another: each trace in its place, named hole k of N, decoded in any order', () => {
    const list = new TraceList();
    list.lone().settle(traceAt(1));
    const request = list.request(3);
    const [first, second, third] = [0, 1, 2].map((index) => request.place(index));
    assert.equal(second.settle(traceAt(20)), true);
    assert.deepEqual(lines(list), [20], 'the request\'s first trace did not replace the list');
    assert.equal(first.settle(traceAt(10)), true);
    assert.equal(third.settle(undefined), false, 'a fill without a trace (a cache hit) changed the list');
    assert.deepEqual(lines(list), [10, 20]);
    assert.deepEqual(holes(list), [{ index: 1, count: 3 }, { index: 2, count: 3 }]);
  });
});
