import * as assert from 'node:assert/strict';
import { selectBatch, selectRows } from '../../src/model/runtime/cacheRows';

describe('selectRows: the context rows of keys/values [layers, B, heads, L, headDim]', () => {
  // element value = its flat index, so every copied element names where it came from
  const dims = [2, 1, 2, 4, 3];
  const data = Float32Array.from({ length: 2 * 1 * 2 * 4 * 3 }, (_, i) => i);

  it('keeps the given rows of every (layer, row, head) plane, in order', () => {
    const { data: out, dims: outDims } = selectRows(data, dims, [3, 0]);
    assert.deepEqual(outDims, [2, 1, 2, 2, 3]);
    const expected = [0, 1, 2, 3].flatMap((plane) => [3, 0].flatMap((r) => [0, 1, 2].map((d) => (plane * 4 + r) * 3 + d)));
    assert.deepEqual(Array.from(out), expected);
  });

  it('keeps the context around a hole, runs of consecutive rows, as a refresh does', () => {
    const { data: out } = selectRows(data, dims, [0, 1, 3]);
    const expected = [0, 1, 2, 3].flatMap((plane) => [0, 1, 3].flatMap((r) => [0, 1, 2].map((d) => (plane * 4 + r) * 3 + d)));
    assert.deepEqual(Array.from(out), expected);
  });

  it("repeats the batch when asked: one row's context for several", () => {
    const { data: out, dims: outDims } = selectRows(data, dims, [1], 3);
    assert.deepEqual(outDims, [2, 3, 2, 1, 3]);
    const plane = (layer: number, head: number): number[] => [0, 1, 2].map((d) => ((layer * 2 + head) * 4 + 1) * 3 + d);
    const expected = [0, 1].flatMap((layer) => [0, 1, 2].flatMap(() => [0, 1].flatMap((head) => plane(layer, head))));
    assert.deepEqual(Array.from(out), expected);
  });

  it('keeps no row (a canvas that is all hole): an empty cache', () => {
    assert.deepEqual(selectRows(data, dims, []).dims, [2, 1, 2, 0, 3]);
  });

  it('refuses a row outside the tensor and a tensor that is not 5-D', () => {
    assert.throws(() => selectRows(data, dims, [4]), /row 4 of the keys\/values is outside \[0, 4\)/);
    assert.throws(() => selectRows(data, [4, 12], [0]), /expected \[layers, batch, heads, rows, headDim\]/);
  });
});

describe('selectBatch: the kept context of the rows a pruned fill still runs [layers, B, heads, C, headDim]', () => {
  const dims = [2, 3, 2, 4, 3];
  const data = Float32Array.from({ length: 2 * 3 * 2 * 4 * 3 }, (_, i) => i);
  const block = 2 * 4 * 3; // one batch row of one layer

  it('keeps the given batch rows of every layer, in order', () => {
    const { data: out, dims: outDims } = selectBatch(data, dims, [2, 0]);
    assert.deepEqual(outDims, [2, 2, 2, 4, 3]);
    const rowOf = (layer: number, b: number) => Array.from({ length: block }, (_, i) => (layer * 3 + b) * block + i);
    assert.deepEqual(Array.from(out), [...rowOf(0, 2), ...rowOf(0, 0), ...rowOf(1, 2), ...rowOf(1, 0)]);
  });

  it('refuses a batch row outside the tensor', () => {
    assert.throws(() => selectBatch(data, dims, [3]), /batch row 3 of the keys\/values is outside \[0, 3\)/);
  });
});
