import * as assert from 'node:assert/strict';
import { DEFAULT_INFILL_OPTIONS, holeShape } from '../../src/infill';
import { planRows, type HoleInput } from '../../src/infill/rows';

const OPTIONS = { ...DEFAULT_INFILL_OPTIONS, maxTokens: 32, lineTokens: 16 };

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

  it('sizes a line-shaped hole by lineTokens without lengths, and others by maxTokens', () => {
    assert.deepEqual(planRows([input('a\n\nb\n', 2)], OPTIONS, 1).map((r) => r.slots), [[16]]);
    assert.deepEqual(planRows([input('x = f(a)\n', 6)], OPTIONS, 1).map((r) => [r.slots[0], r.kinds[0]]), [[32, 'inline']]);
  });

  it('lets lengths that give the same slots share a row, and repeats each row per sampled candidate', () => {
    const selection = input('x = old_value + 1\n', 4, 13, 2);
    const rows = planRows([selection], { ...OPTIONS, lengths: [6, 10, 16, 32] }, 2);
    assert.deepEqual(rows.map((r) => r.slots[0]), [6, 6, 8, 8]);
  });
});
