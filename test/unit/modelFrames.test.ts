import * as assert from 'assert';
import { encodeFrame, FrameReader, type Frame, type WireArray } from '../../src/model/runtime/frames';
import { Rng } from '../../src/core/rng';

/** Frames of every shape the worker sends: no arrays, empty arrays, both kinds, arrays of several chunks' size. */
function sampleFrames(rng: Rng): Array<{ header: unknown; arrays: WireArray[] }> {
  const floats = (n: number): Float32Array => Float32Array.from({ length: n }, () => rng.nextUniform() * 20 - 10);
  return [
    { header: { id: 1, ok: true, value: { inputs: [], outputs: [] } }, arrays: [] },
    { header: { id: 2, note: 'ünïcode ✓' }, arrays: [new Float32Array(0), Int32Array.from([3, -4, 5])] },
    { header: { id: 3, value: { dims: [2, 4, 8192] } }, arrays: [floats(2 * 4 * 8192)] },
    { header: { id: 4 }, arrays: [Int32Array.from({ length: 1000 }, (_, i) => i * 7 - 300), floats(5), new Int32Array(0)] },
  ];
}

function split(bytes: Buffer, sizes: () => number): Buffer[] {
  const chunks: Buffer[] = [];
  for (let at = 0; at < bytes.length; ) {
    const size = Math.max(1, sizes());
    chunks.push(bytes.subarray(at, at + size));
    at += size;
  }
  return chunks;
}

describe('worker frames', () => {
  it('FrameReader gives back every frame, whatever the chunks the stream cuts the bytes into', () => {
    const rng = new Rng(8);
    const frames = sampleFrames(rng);
    const bytes = Buffer.concat(frames.flatMap((f) => encodeFrame(f.header, f.arrays)));
    const cuts: Array<() => number> = [() => bytes.length, () => 65536, () => 1, () => 3, () => 13, () => Math.floor(rng.nextUniform() * 70_000)];
    for (const cut of cuts) {
      const reader = new FrameReader();
      const read: Frame[] = split(bytes, cut).flatMap((chunk) => reader.push(chunk));
      assert.strictEqual(read.length, frames.length);
      read.forEach((frame, i) => {
        assert.deepStrictEqual(frame.header, frames[i]!.header);
        assert.strictEqual(frame.arrays.length, frames[i]!.arrays.length);
        frame.arrays.forEach((array, j) => {
          assert.strictEqual(array.constructor, frames[i]!.arrays[j]!.constructor);
          assert.deepStrictEqual(Array.from(array), Array.from(frames[i]!.arrays[j]!));
        });
      });
    }
  });

  it('FrameReader copies the arrays out of the chunks: a chunk written over later does not change them', () => {
    const [prefix, json, data] = encodeFrame({ id: 9 }, [Float32Array.of(1.5, -2)]);
    const chunk = Buffer.concat([prefix!, json!, data!]);
    const [frame] = new FrameReader().push(chunk);
    chunk.fill(0);
    assert.deepStrictEqual(Array.from(frame!.arrays[0]!), [1.5, -2]);
  });

  it('FrameReader reads float arrays into those its allocator gives, whole or a view, and int arrays into fresh ones', () => {
    const given = new Float32Array(64).fill(-1);
    const asked: number[] = [];
    const reader = new FrameReader((length) => {
      asked.push(length);
      return given.subarray(0, length);
    });
    const floats = Float32Array.from({ length: 40 }, (_, i) => i / 4);
    const [frame] = split(Buffer.concat(encodeFrame({ id: 1 }, [floats, Int32Array.from([7, 8])])), () => 13).flatMap((chunk) => reader.push(chunk));
    assert.deepStrictEqual(asked, [40]);
    assert.strictEqual(frame!.arrays[0]!.buffer, given.buffer);
    assert.deepStrictEqual(Array.from(frame!.arrays[0]!), Array.from(floats));
    assert.strictEqual(given[40], -1, 'nothing past the view is written');
    assert.deepStrictEqual(Array.from(frame!.arrays[1]!), [7, 8]);
  });

  it('FrameReader rejects bytes that are not a frame before it allocates anything for them', () => {
    assert.throws(() => new FrameReader().push(Buffer.from('stray output of a native library\n')), /not a frame/);
    const [prefix] = encodeFrame({ id: 1 }, [new Float32Array(4)]);
    const badKind = Buffer.from(prefix!);
    badKind.writeUInt8(7, 12);
    assert.throws(() => new FrameReader().push(badKind), /malformed/);
    const oddBytes = Buffer.from(prefix!);
    oddBytes.writeUInt32LE(6, 13); // not a whole number of float32s
    assert.throws(() => new FrameReader().push(oddBytes), /malformed/);
    const huge = Buffer.from(prefix!);
    huge.writeUInt32LE(0xfffffffc, 13);
    assert.throws(() => new FrameReader().push(huge), /malformed/);
  });
});
