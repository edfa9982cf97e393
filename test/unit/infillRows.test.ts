import * as assert from 'node:assert/strict';
import { DEFAULT_INFILL_OPTIONS, holeShape } from '../../src/infill';
import { canvasSlots, planRows, rowHoles, type HoleInput } from '../../src/infill/rows';

const OPTIONS = { ...DEFAULT_INFILL_OPTIONS, lengths: undefined, maxTokens: 32, lineTokens: 16, inlineBreaks: false };

function input(text: string, start: number, end = start, selectionTokens = 0): HoleInput {
  const hole = { start, end };
  return { hole, shape: holeShape(text, hole), selectionTokens };
}

describe('infill: batch rows of a fill', () => {
  it('tries each length as a row, capped at maxTokens; a line-shaped hole is one line up to lineTokens', () => {
    const line = input('def f(x):\n    return x\n', 10);
    const rows = planRows([line], { ...OPTIONS, lengths: [6, 16, 32, 64] }, 1);
    assert.deepEqual(rows.map((r) => [r.size, r.slots[0], r.kinds[0]]), [[6, 6, 'line'], [16, 16, 'line'], [32, 32, 'block']]);
  });

  it('tries inlineLengths instead when every hole is inside a line before text, and lengths when one is not', () => {
    const inline = input('x = f(a)\n', 6);
    assert.deepEqual(planRows([input('x = f(a)\n', 8)], { ...OPTIONS, lengths: [6, 10, 16], inlineLengths: [3, 16] }, 1).map((r) => r.size), [6, 10, 16], 'at the end of the line');
    const line = input('a = f()\n\nb = g()\n', 8);
    const options = { ...OPTIONS, lengths: [6, 10, 16], inlineLengths: [3, 16] };
    assert.deepEqual(planRows([inline], options, 1).map((r) => [r.size, r.kinds[0]]), [[3, 'inline'], [16, 'inline']]);
    assert.deepEqual(planRows([input('x = f(a) + g(b)\n', 6), input('x = f(a) + g(b)\n', 13)], options, 1).map((r) => r.size), [3, 16]);
    assert.deepEqual(planRows([line, input('a = f()\n\nb = g()\n', 14)], options, 1).map((r) => r.size), [6, 10, 16]);
    assert.deepEqual(planRows([inline], { ...options, inlineLengths: undefined }, 1).map((r) => r.size), [6, 10, 16]);
    assert.deepEqual(planRows([inline], { ...options, lengths: undefined }, 1).map((r) => r.size), [32], 'no length search at all');
  });

  it('reads a hole inside a line before text as a block with inlineBreaks, and only that hole', () => {
    const options = { ...OPTIONS, lengths: [6, 10, 16], inlineLengths: [3, 16], inlineBreaks: true };
    assert.deepEqual(planRows([input('x = f(a)\n', 6)], options, 1).map((r) => [r.size, r.kinds[0]]), [[3, 'block'], [16, 'block']], 'the sizes stay inlineLengths');
    assert.deepEqual(planRows([input('x = f(a)\n', 8)], options, 1).map((r) => r.kinds[0]), ['inline', 'inline', 'inline'], 'at the end of the line');
    assert.deepEqual(planRows([input('a\n\nb\n', 2)], options, 1).map((r) => r.kinds[0]), ['line', 'line', 'line']);
    assert.deepEqual(planRows([input('x = a + b  # c\n', 4, 9, 3)], options, 1).map((r) => r.kinds[0]), ['inline'], 'a selection inside a line stays one line');
  });

  it('sizes a line-shaped hole by lineTokens without lengths, and others by maxTokens', () => {
    assert.deepEqual(planRows([input('a\n\nb\n', 2)], OPTIONS, 1).map((r) => r.slots), [[16]]);
    assert.deepEqual(planRows([input('x = f(a)\n', 6)], OPTIONS, 1).map((r) => [r.slots[0], r.kinds[0]]), [[32, 'inline']]);
  });

  it('sizes a selection by its own length and a block by maxTokens in every row; rows that agree are one', () => {
    const selection = input('x = old_value + 1\n', 4, 13, 2);
    assert.deepEqual(planRows([selection], { ...OPTIONS, lengths: [6, 10, 16] }, 2).map((r) => r.slots[0]), [8, 8]);
    const block = input('def f(x):\n', 9);
    assert.deepEqual(planRows([block], { ...OPTIONS, lengths: [6, 10, 16] }, 1).map((r) => [r.slots[0], r.kinds[0]]), [[32, 'block']]);
    const both = planRows([input('a = f()\nb = g()\n', 6), block], { ...OPTIONS, lengths: [6, 10] }, 1);
    assert.deepEqual(both.map((r) => r.slots), [[6, 32], [10, 32]]);
  });

  it('gives each row its slots as capacity, and where the model grows holes the most its kind may take: lineTokens for one line, else maxTokens', () => {
    const line = input('a = f()\n\nb = g()\n', 8);
    const inside = input('x = f(a)\n', 6);
    const options = { ...OPTIONS, lengths: [3, 6], inlineLengths: [2] };
    assert.deepEqual(planRows([line], options, 1).map((r) => r.capacity), [[3], [6]], 'a model without the expand token');
    const growing = planRows([line], options, 1, true);
    assert.deepEqual(growing.map((r) => [r.slots[0], r.capacity[0]]), [[3, 16], [6, 16]]);
    assert.deepEqual(canvasSlots(growing), [16], 'the canvas keeps the capacity');
    assert.deepEqual(planRows([inside], options, 1, true).map((r) => [r.slots[0], r.kinds[0], r.capacity[0]]), [[2, 'inline', 16]]);
    const breaking = planRows([inside], { ...options, inlineBreaks: true }, 1, true);
    assert.deepEqual(breaking.map((r) => [r.kinds[0], r.capacity[0]]), [['block', 16]], 'a hole inside a line read as a block stays line-sized');
    const opener = planRows([input('def f(x):\n', 9)], options, 1, true);
    assert.deepEqual(opener.map((r) => [r.kinds[0], r.capacity[0]]), [['block', 32]]);
    // a hole is read over the canvas hole where it grows (into all the padding after it), over the row's slots elsewhere
    const canvas = { ids: new Int32Array(40), holes: [{ start: 2, slots: 20 }], prefixTokens: 2, suffixTokens: 2 };
    assert.deepEqual(rowHoles(canvas, growing, true), [[{ start: 2, slots: 20 }], [{ start: 2, slots: 20 }]]);
    assert.deepEqual(rowHoles(canvas, growing), [[{ start: 2, slots: 3 }], [{ start: 2, slots: 6 }]]);
  });
});
