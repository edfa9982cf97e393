/**
 * The byte format between `WorkerProcess` and the worker's stdin/stdout: each frame is a JSON header
 * and typed arrays as raw bytes, so a [1, 32, 8192] logits tensor crosses as 1 MiB copied once, not
 * through a serializer (Node's 'advanced' IPC took ~5x longer for it). Layout, little-endian:
 *
 *   u32 magic 'DFW1' | u32 header bytes | u32 array count | per array: u8 kind, u32 bytes |
 *   header (UTF-8 JSON) | array bytes, in order
 *
 * The magic makes stray output on the worker's stdout (a native library printing there) a
 * protocol error rather than a misread tensor.
 */

export type WireArray = Int32Array | Float32Array;

export interface Frame {
  readonly header: unknown;
  readonly arrays: readonly WireArray[];
}

const MAGIC = 0x31574644; // 'DFW1' read as a little-endian u32
const kinds = [Int32Array, Float32Array] as const;
/** A header past this is no header of ours: a corrupted stream must not make us allocate gigabytes. */
const MAX_HEADER_BYTES = 1 << 20;
const MAX_ARRAYS = 16;

/** The frame as buffers to write in order; array bytes are views, not copies. */
export function encodeFrame(header: unknown, arrays: readonly WireArray[] = []): Buffer[] {
  const json = Buffer.from(JSON.stringify(header), 'utf8');
  const prefix = Buffer.alloc(12 + 5 * arrays.length);
  prefix.writeUInt32LE(MAGIC, 0);
  prefix.writeUInt32LE(json.length, 4);
  prefix.writeUInt32LE(arrays.length, 8);
  arrays.forEach((array, i) => {
    prefix.writeUInt8(array instanceof Int32Array ? 0 : 1, 12 + 5 * i);
    prefix.writeUInt32LE(array.byteLength, 13 + 5 * i);
  });
  return [prefix, json, ...arrays.map((a) => Buffer.from(a.buffer, a.byteOffset, a.byteLength))];
}

/** Reassembles frames from stream chunks of any size; `push` throws on bytes that are not a frame. */
export class FrameReader {
  private chunks: Buffer[] = [];
  private length = 0;
  /** Bytes the next step needs before it is worth joining the chunks (a frame's end, once known). */
  private needed = 12;

  /** The frames completed by `chunk`. */
  push(chunk: Buffer): Frame[] {
    this.chunks.push(chunk);
    this.length += chunk.length;
    const frames: Frame[] = [];
    while (this.length >= this.needed) {
      const buffer = this.chunks.length === 1 ? this.chunks[0] : Buffer.concat(this.chunks, this.length);
      this.chunks = [buffer];
      const result = parse(buffer);
      if (typeof result === 'number') {
        this.needed = result;
        continue;
      }
      frames.push(result.frame);
      const rest = buffer.subarray(result.end);
      this.chunks = rest.length > 0 ? [rest] : [];
      this.length = rest.length;
      this.needed = 12;
    }
    return frames;
  }
}

/** The frame at the start of `buffer` and where it ends, or how many bytes it needs to be read. */
function parse(buffer: Buffer): { frame: Frame; end: number } | number {
  if (buffer.readUInt32LE(0) !== MAGIC) throw new Error('the worker wrote something that is not a frame');
  const headerBytes = buffer.readUInt32LE(4);
  const count = buffer.readUInt32LE(8);
  if (headerBytes > MAX_HEADER_BYTES || count > MAX_ARRAYS) throw new Error('the worker wrote a malformed frame');
  const tableEnd = 12 + 5 * count;
  if (buffer.length < tableEnd) return tableEnd;
  const sizes = Array.from({ length: count }, (_, i) => ({ kind: buffer.readUInt8(12 + 5 * i), bytes: buffer.readUInt32LE(13 + 5 * i) }));
  const end = tableEnd + headerBytes + sizes.reduce((sum, s) => sum + s.bytes, 0);
  if (buffer.length < end) return end;
  const header: unknown = JSON.parse(buffer.toString('utf8', tableEnd, tableEnd + headerBytes));
  let offset = tableEnd + headerBytes;
  const arrays = sizes.map(({ kind, bytes }) => {
    const Kind = kinds[kind];
    if (!Kind || bytes % Kind.BYTES_PER_ELEMENT !== 0) throw new Error('the worker wrote a malformed frame');
    // A copy: aligned for the typed array, and it lets the stream's buffer go.
    const array = new Kind(bytes / Kind.BYTES_PER_ELEMENT);
    new Uint8Array(array.buffer).set(buffer.subarray(offset, offset + bytes));
    offset += bytes;
    return array;
  });
  return { frame: { header, arrays }, end };
}
