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
/**
 * Nor arrays past this (a refresh's kept keys and values are ~12 MB): the reader allocates them
 * before their bytes arrive. The worker refuses a larger answer itself, as an ordinary error.
 */
export const MAX_ARRAY_BYTES = 1 << 30;
const EMPTY: Buffer = Buffer.alloc(0);

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

/** Where a frame's float arrays are read into: fresh ones, or arrays handed back (logitsPool.ts). */
export type AllocateFloats = (length: number) => Float32Array;

/** Reassembles frames from stream chunks of any size; `push` throws on bytes that are not a frame. */
export class FrameReader {
  /** The start of the next frame (table and header) while it is incomplete. */
  private head: Buffer = EMPTY;
  /** The frame whose array bytes are arriving, once its head is read. */
  private body: FrameBody | undefined;

  constructor(private readonly allocateFloats: AllocateFloats = (length) => new Float32Array(length)) {}

  /** The frames completed by `chunk`. */
  push(chunk: Buffer): Frame[] {
    const frames: Frame[] = [];
    let rest = chunk;
    for (;;) {
      if (this.body === undefined) {
        const head = this.head.length === 0 ? rest : Buffer.concat([this.head, rest]);
        const read = readHead(head);
        if (read === undefined) {
          this.head = head;
          return frames;
        }
        this.head = EMPTY;
        this.body = new FrameBody(read.header, read.sizes, this.allocateFloats);
        rest = head.subarray(read.end);
      }
      rest = this.body.fill(rest);
      if (!this.body.complete) return frames;
      frames.push({ header: this.body.header, arrays: this.body.arrays });
      this.body = undefined;
      if (rest.length === 0) return frames;
    }
  }
}

/** What a frame's head says: its header, its arrays' kinds and sizes, and where its array bytes start; undefined until all of it is in `buffer`. */
function readHead(buffer: Buffer): { header: unknown; sizes: Array<{ kind: number; bytes: number }>; end: number } | undefined {
  if (buffer.length < 12) return undefined;
  if (buffer.readUInt32LE(0) !== MAGIC) throw new Error('the worker wrote something that is not a frame');
  const headerBytes = buffer.readUInt32LE(4);
  const count = buffer.readUInt32LE(8);
  if (headerBytes > MAX_HEADER_BYTES || count > MAX_ARRAYS) throw new Error('the worker wrote a malformed frame');
  const tableEnd = 12 + 5 * count;
  if (buffer.length < tableEnd) return undefined;
  const sizes = Array.from({ length: count }, (_, i) => ({ kind: buffer.readUInt8(12 + 5 * i), bytes: buffer.readUInt32LE(13 + 5 * i) }));
  const malformed = sizes.some(({ kind, bytes }) => kinds[kind] === undefined || bytes % kinds[kind].BYTES_PER_ELEMENT !== 0);
  if (malformed || sizes.reduce((sum, s) => sum + s.bytes, 0) > MAX_ARRAY_BYTES) throw new Error('the worker wrote a malformed frame');
  const end = tableEnd + headerBytes;
  if (buffer.length < end) return undefined;
  return { header: JSON.parse(buffer.toString('utf8', tableEnd, end)) as unknown, sizes, end };
}

/**
 * A frame's arrays, filled as their bytes arrive: each byte is copied once, from its chunk into
 * its typed array (aligned, and apart from the stream's buffers, which can go), where joining the
 * chunks first copied every byte twice (~1 ms a single-line fill's 5 MB of logits).
 */
class FrameBody {
  readonly arrays: WireArray[];
  private readonly views: Uint8Array[];
  /** The array being filled and its bytes so far. */
  private index = 0;
  private filled = 0;

  constructor(
    readonly header: unknown,
    sizes: ReadonlyArray<{ kind: number; bytes: number }>,
    allocateFloats: AllocateFloats,
  ) {
    this.arrays = sizes.map(({ kind, bytes }) => {
      const length = bytes / kinds[kind]!.BYTES_PER_ELEMENT;
      return kinds[kind] === Float32Array ? allocateFloats(length) : new Int32Array(length);
    });
    this.views = this.arrays.map((array) => new Uint8Array(array.buffer, array.byteOffset, array.byteLength));
  }

  get complete(): boolean {
    return this.index === this.views.length;
  }

  /** Copies the start of `chunk` into the arrays; returns the rest of it, past the frame's end. */
  fill(chunk: Buffer): Buffer {
    let at = 0;
    for (; this.index < this.views.length; this.index++, this.filled = 0) {
      const view = this.views[this.index]!;
      const count = Math.min(view.length - this.filled, chunk.length - at);
      view.set(chunk.subarray(at, at + count), this.filled);
      this.filled += count;
      at += count;
      if (this.filled < view.length) break;
    }
    return chunk.subarray(at);
  }
}
