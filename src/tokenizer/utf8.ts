/**
 * Decodes UTF-8 keeping only whole characters: a byte that does not start a well-formed sequence
 * (Unicode Table 3-7) is left out, where a lossy decoder would write U+FFFD in its place. A fill is
 * a run of byte-level tokens the model chose, and it may begin or end inside a character (half an
 * emoji) or hold bytes that never form one; the editor must get text, not replacement marks.
 */
export function decodeWholeCharacters(bytes: Uint8Array): string {
  const kept = new Uint8Array(bytes.length);
  let length = 0;
  for (let i = 0; i < bytes.length; ) {
    const size = sequenceLength(bytes, i);
    if (size === 0) {
      i++;
      continue;
    }
    kept.set(bytes.subarray(i, i + size), length);
    length += size;
    i += size;
  }
  return Buffer.from(kept.buffer, 0, length).toString('utf8');
}

/** The length of the well-formed UTF-8 sequence at `i`, or 0 if none starts there. */
function sequenceLength(bytes: Uint8Array, i: number): number {
  const lead = bytes[i];
  if (lead <= 0x7f) return 1;
  // [length, lowest and highest second byte]; later bytes are always 80..BF.
  const shape: readonly [number, number, number] | undefined =
    lead >= 0xc2 && lead <= 0xdf ? [2, 0x80, 0xbf]
    : lead === 0xe0 ? [3, 0xa0, 0xbf]
    : lead === 0xed ? [3, 0x80, 0x9f] // no UTF-16 surrogates
    : lead >= 0xe1 && lead <= 0xef ? [3, 0x80, 0xbf]
    : lead === 0xf0 ? [4, 0x90, 0xbf]
    : lead === 0xf4 ? [4, 0x80, 0x8f] // nothing above U+10FFFF
    : lead >= 0xf1 && lead <= 0xf3 ? [4, 0x80, 0xbf]
    : undefined;
  if (!shape) return 0;
  const [size, low, high] = shape;
  if (i + size > bytes.length) return 0;
  if (bytes[i + 1] < low || bytes[i + 1] > high) return 0;
  for (let k = 2; k < size; k++) if (bytes[i + k] < 0x80 || bytes[i + k] > 0xbf) return 0;
  return size;
}
