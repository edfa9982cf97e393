/**
 * The rows `rows` of a keys or values tensor [layers, B, heads, L, headDim] (axis 3), in the order
 * given, with its batch repeated `copies` times ([layers, B·copies, heads, rows, headDim]): what the
 * worker keeps of a refresh call's present keys and values (the context's rows; one row's context
 * kept for a whole batch that shares it).
 */
export function selectRows(data: Float32Array, dims: readonly number[], rows: readonly number[], copies = 1): { data: Float32Array; dims: number[] } {
  if (dims.length !== 5) throw new Error(`keys/values have shape [${dims.join(', ')}], expected [layers, batch, heads, rows, headDim]`);
  const [layers, batch, heads, length, headDim] = dims as [number, number, number, number, number];
  const bad = rows.find((row) => !Number.isInteger(row) || row < 0 || row >= length);
  if (bad !== undefined) throw new Error(`row ${bad} of the keys/values is outside [0, ${length})`);
  const out = new Float32Array(layers * batch * copies * heads * rows.length * headDim);
  const runs = consecutiveRuns(rows);
  let plane = 0;
  for (let layer = 0; layer < layers; layer++) {
    for (let copy = 0; copy < copies; copy++) {
      for (let source = layer * batch * heads; source < (layer + 1) * batch * heads; source++, plane++) {
        // a refresh keeps the context around one hole: two runs of rows, each copied at once
        for (const { first, at, count } of runs) {
          const from = (source * length + first) * headDim;
          out.set(data.subarray(from, from + count * headDim), (plane * rows.length + at) * headDim);
        }
      }
    }
  }
  return { data: out, dims: [layers, batch * copies, heads, rows.length, headDim] };
}

/** `rows` as runs of consecutive row numbers: the run's first row, where it starts in `rows`, its length. */
function consecutiveRuns(rows: readonly number[]): Array<{ first: number; at: number; count: number }> {
  const runs: Array<{ first: number; at: number; count: number }> = [];
  rows.forEach((row, i) => {
    const last = runs[runs.length - 1];
    if (last && row === last.first + last.count) last.count++;
    else runs.push({ first: row, at: i, count: 1 });
  });
  return runs;
}

/**
 * The batch rows `batchRows` of a keys or values tensor [layers, B, heads, C, headDim] (axis 1),
 * in the order given: the kept context of the canvas rows a sampler still runs once it has
 * dropped the others (pruning).
 */
export function selectBatch(data: Float32Array, dims: readonly number[], batchRows: readonly number[]): { data: Float32Array; dims: number[] } {
  if (dims.length !== 5) throw new Error(`keys/values have shape [${dims.join(', ')}], expected [layers, batch, heads, rows, headDim]`);
  const [layers, batch, heads, length, headDim] = dims as [number, number, number, number, number];
  const bad = batchRows.find((row) => !Number.isInteger(row) || row < 0 || row >= batch);
  if (bad !== undefined) throw new Error(`batch row ${bad} of the keys/values is outside [0, ${batch})`);
  // one batch row of one layer: every head's rows, contiguous
  const block = heads * length * headDim;
  const out = new Float32Array(layers * batchRows.length * block);
  for (let layer = 0; layer < layers; layer++) {
    batchRows.forEach((row, i) => {
      const from = (layer * batch + row) * block;
      out.set(data.subarray(from, from + block), (layer * batchRows.length + i) * block);
    });
  }
  return { data: out, dims: [layers, batchRows.length, heads, length, headDim] };
}
