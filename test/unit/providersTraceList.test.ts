import * as assert from 'node:assert/strict';
import { holePlace, type HolePlace } from '../../src/providers/holeProgress';
import type { ShownTrace } from '../../src/providers/shownTrace';
import { TraceList } from '../../src/providers/traceList';

/** A one-token trace of the fill at `line` (of the request's hole `hole`, named by the fill: `Filler.asOneFill`), which is all the list's rules look at. */
const traceAt = (line: number, hole?: HolePlace): ShownTrace => ({
  steps: 1,
  tokens: [{ text: 'x', step: 1, confidence: 1, pad: false, hole: 0 }],
  origin: { file: 'file.py', line, hole, finishedAt: 0, ms: 1 },
});
const lines = (list: TraceList) => list.traces.map((trace) => trace.origin.line);
const holes = (list: TraceList) => list.traces.map((trace) => trace.origin.hole);

/** A request that ended (done or stopped) with its first hole's trace (line 10) in and its second's still decoding, which it returns. */
function endedWhileDecoding(list: TraceList) {
  const request = list.request();
  request.place(0).settle(traceAt(10));
  const decoding = request.place(1);
  request.end();
  return decoding;
}

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

  it('a request\'s fills made one after another: each trace in its place, keeping its hole k of N, decoded in any order', () => {
    const list = new TraceList();
    list.lone().settle(traceAt(1));
    const request = list.request();
    const [first, second, third] = [0, 1, 2].map((index) => request.place(index));
    assert.equal(second.settle(traceAt(20, holePlace(1, 3))), true);
    assert.deepEqual(lines(list), [20], 'the request\'s first trace did not replace the list');
    assert.equal(first.settle(traceAt(10, holePlace(0, 3))), true);
    assert.equal(third.settle(undefined), false, 'a fill without a trace (a cache hit) changed the list');
    assert.deepEqual(lines(list), [10, 20]);
    assert.deepEqual(holes(list), [{ index: 1, count: 3 }, { index: 2, count: 3 }]);
  });

  it('while a request fills its holes one after another, a ghost-text fill that ends between two of them leaves the list to the request', () => {
    const list = new TraceList();
    list.lone().settle(traceAt(1));
    const request = list.request();
    assert.equal(list.lone().settle(traceAt(5)), false, 'a ghost-text trace before the request\'s first showed');
    request.place(0).settle(traceAt(10));
    assert.equal(list.lone().settle(traceAt(5)), false, 'a ghost-text trace between two holes showed');
    assert.deepEqual(lines(list), [10]);
    request.place(1).settle(traceAt(20));
    assert.deepEqual(lines(list), [10, 20]);
    request.end();
    // the request is over: the next fill of its own is the list, as before it
    assert.equal(list.lone().settle(traceAt(5)), true);
    assert.deepEqual(lines(list), [5]);
  });

  it('a ghost-text fill that ended while a request held the list shows no trace, even one decoded after the request\'s are in', () => {
    const list = new TraceList();
    const request = list.request();
    request.place(0).settle(traceAt(10));
    const ghost = list.lone(); // it ended between the two holes; its trace still decodes
    request.place(1).settle(traceAt(20));
    request.end();
    assert.equal(ghost.settle(traceAt(5)), false, 'the ghost-text fill\'s late trace replaced the request\'s list');
    assert.deepEqual(lines(list), [10, 20]);
    assert.equal(list.lone().settle(traceAt(6)), true, 'a fill that ended after the request shows as before');
  });

  it('a request\'s last trace, decoded after it ended, still joins its list, and a ghost-text trace in between does not show', () => {
    const list = new TraceList();
    const last = endedWhileDecoding(list);
    assert.equal(list.lone().settle(traceAt(5)), false);
    assert.equal(last.settle(traceAt(20)), true);
    assert.deepEqual(lines(list), [10, 20]);
    assert.equal(list.lone().settle(traceAt(5)), true, 'the list stayed the request\'s once its traces were in');
  });

  it('a cancelled request leaves its traces so far, until the next fill; a newer request takes the list from an older one', () => {
    const list = new TraceList();
    const olderLate = endedWhileDecoding(list);
    const newer = list.request();
    assert.equal(olderLate.settle(traceAt(20)), false, 'the superseded request\'s trace showed');
    assert.deepEqual(lines(list), [10], 'the list stays the older request\'s until the newer one\'s first trace');
    newer.place(0).settle(traceAt(100, holePlace(0, 2)));
    newer.end();
    assert.deepEqual([lines(list), holes(list)], [[100], [{ index: 1, count: 2 }]]);
    assert.equal(list.lone().settle(traceAt(5)), true);
  });
});
