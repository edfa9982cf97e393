/**
 * Where a function here puts its result: a new array by default; the worker passes arrays it reuses
 * (keptBuffers.ts), since a fresh array of a context's megabytes costs more than the copy into it.
 */
export type Allocate = (length: number) => Float32Array;

const newArray: Allocate = (length) => new Float32Array(length);

/**
 * The rows `rows` of a keys or values tensor [layers, B, heads, L, headDim] (axis 3), in the order
 * given, with its batch repeated `copies` times ([layers, B·copies, heads, rows, headDim]): what the
 * worker keeps of a refresh call's present keys and values (the context's rows; one row's context
 * kept for a whole batch that shares it).
 */
export function selectRows(
  data: Float32Array,
  dims: readonly number[],
  rows: readonly number[],
  copies = 1,
  allocate: Allocate = newArray,
): { data: Float32Array; dims: number[] } {
  if (dims.length !== 5) throw new Error(`keys/values have shape [${dims.join(', ')}], expected [layers, batch, heads, rows, headDim]`);
  const [layers, batch, heads, length, headDim] = dims as [number, number, number, number, number];
  const bad = rows.find((row) => !Number.isInteger(row) || row < 0 || row >= length);
  if (bad !== undefined) throw new Error(`row ${bad} of the keys/values is outside [0, ${length})`);
  const out = allocate(layers * batch * copies * heads * rows.length * headDim);
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

/**
 * The kept context carried to another canvas of the same document (docs/model-contract.md, "Carrying
 * the context to the next fill"): row `rows[i]` of a shared keys or values tensor [layers, 1, heads,
 * C, headDim] becomes row i, and with `rotary` its key moved by `shifts[i]` positions. A kept key is
 * rotated by its position (rotate-half pairs (j, j + headDim/2) at angle position · base^(-2j/headDim));
 * a rotation by the shift after it is the rotation by the new position, so only the keys change.
 */
export function carryRows(
  data: Float32Array,
  dims: readonly number[],
  rows: readonly number[],
  shifts: readonly number[],
  rotary?: { readonly base: number },
  allocate: Allocate = newArray,
): { data: Float32Array; dims: number[] } {
  if (dims.length !== 5 || dims[1] !== 1) throw new Error(`keys/values have shape [${dims.join(', ')}], expected [layers, 1, heads, rows, headDim]`);
  if (shifts.length !== rows.length) throw new Error(`${rows.length} rows carried with ${shifts.length} shifts`);
  const moved = selectRows(data, dims, rows, 1, allocate);
  if (rotary) rotateRows(moved.data, moved.dims, shifts, rotary.base);
  return moved;
}

/** Rotates each row i of every [layers, 1, heads] plane by `shifts[i]` positions, in place (rotate-half pairs). */
function rotateRows(data: Float32Array, dims: readonly number[], shifts: readonly number[], base: number): void {
  const [layers, , heads, length, headDim] = dims as [number, number, number, number, number];
  const half = headDim / 2;
  // a keystroke moves whole runs of rows by one shift: one table per distinct shift
  const tables = new Map<number, { cos: Float64Array; sin: Float64Array }>();
  for (const shift of shifts) if (shift !== 0 && !tables.has(shift)) tables.set(shift, rotationTable(shift, half, base));
  for (let plane = 0; plane < layers * heads; plane++) {
    shifts.forEach((shift, i) => {
      const table = tables.get(shift);
      if (!table) return;
      const at = (plane * length + i) * headDim;
      for (let j = 0; j < half; j++) {
        const x = data[at + j]!;
        const y = data[at + j + half]!;
        data[at + j] = x * table.cos[j]! - y * table.sin[j]!;
        data[at + j + half] = y * table.cos[j]! + x * table.sin[j]!;
      }
    });
  }
}

/** cos and sin of shift · base^(-2j/(2·half)) for each pair j. */
function rotationTable(shift: number, half: number, base: number): { cos: Float64Array; sin: Float64Array } {
  const cos = new Float64Array(half);
  const sin = new Float64Array(half);
  for (let j = 0; j < half; j++) {
    const angle = shift * Math.pow(base, -j / half);
    cos[j] = Math.cos(angle);
    sin[j] = Math.sin(angle);
  }
  return { cos, sin };
}

/**
 * A shared kept context [layers, 1, heads, C, headDim] with the rows `rows` of the first batch row
 * of a call's present keys or values [layers, B, heads, L, headDim] after its own rows: context
 * positions that a carried context lacked, computed by the call that ran them.
 */
export function appendRows(
  kept: Float32Array,
  keptDims: readonly number[],
  present: Float32Array,
  presentDims: readonly number[],
  rows: readonly number[],
  allocate: Allocate = newArray,
): { data: Float32Array; dims: number[] } {
  if (keptDims.length !== 5 || keptDims[1] !== 1) throw new Error(`kept keys/values have shape [${keptDims.join(', ')}], expected [layers, 1, heads, rows, headDim]`);
  const [layers, , heads, length, headDim] = keptDims as [number, number, number, number, number];
  const firstRow = selectBatch(present, presentDims, [0]);
  const added = selectRows(firstRow.data, firstRow.dims, rows);
  const [presentLayers, , presentHeads, , presentDim] = added.dims as [number, number, number, number, number];
  if (presentLayers !== layers || presentHeads !== heads || presentDim !== headDim) {
    throw new Error(`present keys/values [${presentDims.join(', ')}] do not match the kept [${keptDims.join(', ')}]`);
  }
  const total = length + rows.length;
  const out = allocate(layers * heads * total * headDim);
  for (let plane = 0; plane < layers * heads; plane++) {
    out.set(kept.subarray(plane * length * headDim, (plane + 1) * length * headDim), plane * total * headDim);
    out.set(added.data.subarray(plane * rows.length * headDim, (plane + 1) * rows.length * headDim), (plane * total + length) * headDim);
  }
  return { data: out, dims: [layers, 1, heads, total, headDim] };
}
