/**
 * The rows `rows` of a keys or values tensor [layers, B, heads, L, headDim] (axis 3), in the order
 * given: what the worker keeps of a refresh call's present keys and values (the context's rows).
 */
export function selectRows(data: Float32Array, dims: readonly number[], rows: readonly number[]): { data: Float32Array; dims: number[] } {
  if (dims.length !== 5) throw new Error(`keys/values have shape [${dims.join(', ')}], expected [layers, batch, heads, rows, headDim]`);
  const [layers, batch, heads, length, headDim] = dims as [number, number, number, number, number];
  const bad = rows.find((row) => !Number.isInteger(row) || row < 0 || row >= length);
  if (bad !== undefined) throw new Error(`row ${bad} of the keys/values is outside [0, ${length})`);
  const out = new Float32Array(layers * batch * heads * rows.length * headDim);
  const planes = layers * batch * heads;
  for (let plane = 0; plane < planes; plane++) {
    rows.forEach((row, i) => {
      const from = (plane * length + row) * headDim;
      out.set(data.subarray(from, from + headDim), (plane * rows.length + i) * headDim);
    });
  }
  return { data: out, dims: [layers, batch, heads, rows.length, headDim] };
}
