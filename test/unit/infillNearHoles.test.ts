import * as assert from 'node:assert/strict';
import { DEFAULT_INFILL_OPTIONS, InfillEngine, type InfillRequest } from '../../src/infill';
import { nearHoles } from '../../src/infill/nearHoles';
import { FakeDenoiser, fakeSpec } from './helpers/fakeDenoiser';
import { FAKE_SPECIAL, FakeTokenizer } from './helpers/fakeTokenizer';

/** Python indented two columns a level (the engine re-spaces it to four: work over every line). */
const FUNCTIONS = (n: number, from = 0) =>
  Array.from({ length: n }, (_, i) => `def f${from + i}(a, b):\r\n  total = a + b\r\n  return total\r\n\r\n`).join('');

describe('infill: a long document fills as the slice of it a fill can read', () => {
  it('keeps a short document whole, and cuts a long one after line breaks, the holes moved with it', () => {
    const short: InfillRequest = { text: 'x = 1\ny = \n', holes: [{ start: 10, end: 10 }] };
    assert.equal(nearHoles(short, 256), short);

    const before = FUNCTIONS(5000);
    const after = FUNCTIONS(5000, 5000);
    const middle = 'def area(r):\r\n  result = \r\n  return result\r\n';
    const hole = before.length + middle.indexOf('= ') + 2;
    const long: InfillRequest = { text: before + middle + after, holes: [{ start: hole, end: hole }, { start: hole + 4, end: hole + 6 }] };
    const near = nearHoles(long, 256);
    const from = long.text.indexOf(near.text);
    assert.ok(from > 0 && from + near.text.length < long.text.length, 'cut on both sides');
    assert.equal(long.text[from - 1], '\n', 'after a line break, not inside \\r\\n');
    assert.ok(near.text.endsWith('\r\n'));
    assert.deepEqual(near.holes.map((h) => [h.start + from, h.end + from]), long.holes.map((h) => [h.start, h.end]));
    // what a canvas of 256 tokens can read (16 characters a token) and a margin, on each side
    assert.ok(hole - from >= 256 * 16 + 32_768 && from + near.text.length - (hole + 6) >= 256 * 16 + 32_768);
    assert.equal(nearHoles(long, 4096).text.length > near.text.length, true, 'a wider canvas reads further');
  });

  it('fills a 20 MB document as its slice, in the time of a short one (re-spacing every line took seconds)', async () => {
    const tokenizer = new FakeTokenizer();
    const fill = async (request: InfillRequest) => {
      const denoiser = new FakeDenoiser(fakeSpec(), (row, position) => (row[position] === FAKE_SPECIAL.mask ? FAKE_SPECIAL.pad : row[position]));
      const engine = new InfillEngine({ denoiser, tokenizer });
      const started = performance.now();
      const result = await engine.fill(request, { ...DEFAULT_INFILL_OPTIONS, lengths: undefined, pruneAfter: undefined, maxTokens: 8, steps: 4, contextTokens: 64 });
      return { ms: performance.now() - started, fills: result.candidates.map((c) => c.fills.map((f) => f.text)), canvases: denoiser.requests.map((r) => [...r.tokens]) };
    };
    const side = FUNCTIONS(190_000);
    const prefix = `${side}def area(r):\r\n  result = `;
    const long: InfillRequest = { text: `${prefix}r\r\n  return result\r\n${side}`, holes: [{ start: prefix.length, end: prefix.length + 1 }], languageId: 'python' };
    assert.ok(long.text.length > 20e6);
    const whole = await fill(long);
    const slice = await fill(nearHoles(long, 64));
    assert.deepEqual(whole.canvases, slice.canvases, 'the model read the same canvases');
    assert.deepEqual(whole.fills, slice.fills);
    assert.ok(whole.ms < 2000, `a fill of the 20 MB document took ${Math.round(whole.ms)} ms`);
  });
});
