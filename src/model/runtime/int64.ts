/**
 * Widens int32 ids to the int64 the graph takes without a BigInt per element: each int64 is
 * written as two int32 words, low then high (the sign), which is its little-endian layout —
 * the byte order of every platform onnxruntime-node ships binaries for (x64, arm64).
 */
export function toBigInt64Array(values: Int32Array): BigInt64Array {
  const out = new BigInt64Array(values.length);
  const words = new Int32Array(out.buffer);
  for (let i = 0; i < values.length; i++) {
    words[2 * i] = values[i];
    words[2 * i + 1] = values[i] >> 31;
  }
  return out;
}
