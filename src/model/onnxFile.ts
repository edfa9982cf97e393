import { open, type FileHandle } from 'node:fs/promises';
import { ModelLoadError } from '../core/errors';

/** ModelProto field numbers (onnx.proto) the check relies on. */
const irVersionField = 1;
const graphField = 7;

/**
 * A cheap structural check of model.onnx before a session is created: walks the top-level
 * protobuf fields of the ModelProto, reading a few bytes per field (the graph's weights are
 * skipped by their length prefix, never read). A truncated file shows as a field that runs past
 * the end; random bytes as an invalid tag. onnxruntime still has the last word at session creation.
 */
export async function checkOnnxFile(file: string): Promise<void> {
  let handle: FileHandle;
  try {
    handle = await open(file, 'r');
  } catch (error) {
    throw new ModelLoadError(file, `cannot read the model: ${(error as Error).message}`, { cause: error });
  }
  try {
    const problem = await findProblem(new FieldReader(handle, (await handle.stat()).size));
    if (problem) throw new ModelLoadError(file, problem);
  } finally {
    await handle.close();
  }
}

async function findProblem(reader: FieldReader): Promise<string | undefined> {
  if (reader.size === 0) return 'the file is empty';
  const notOnnx = 'not an ONNX model (the file is not a serialized ModelProto)';
  let sawIrVersion = false;
  let sawGraph = false;
  while (reader.position < reader.size) {
    const tag = await reader.varint();
    if (tag === undefined) return notOnnx;
    const field = Math.floor(tag / 8);
    const wireType = tag % 8;
    if (field === 0) return notOnnx;
    if (field === irVersionField) sawIrVersion ||= wireType === 0;
    if (field === graphField) sawGraph ||= wireType === 2;
    const skip = await reader.payloadLength(wireType);
    if (skip === undefined) return notOnnx;
    if (reader.position + skip > reader.size) {
      return `the file is truncated (${reader.size} bytes; a field needs ${reader.position + skip})`;
    }
    reader.position += skip;
  }
  if (!sawIrVersion) return `${notOnnx}: no ir_version`;
  return sawGraph ? undefined : `${notOnnx}: no graph`;
}

class FieldReader {
  position = 0;
  private readonly buffer = Buffer.alloc(10);

  constructor(
    private readonly handle: FileHandle,
    readonly size: number,
  ) {}

  /** Reads a varint at `position` and advances past it; undefined if malformed or cut off. */
  async varint(): Promise<number | undefined> {
    const { bytesRead } = await this.handle.read(this.buffer, 0, this.buffer.length, this.position);
    let value = 0;
    for (let i = 0; i < bytesRead; i++) {
      const byte = this.buffer[i];
      value += (byte & 0x7f) * 2 ** (7 * i);
      if ((byte & 0x80) === 0) {
        this.position += i + 1;
        return value;
      }
    }
    return undefined;
  }

  /** Bytes to skip after a tag of `wireType` (its length prefix is consumed); undefined for an invalid wire type. */
  async payloadLength(wireType: number): Promise<number | undefined> {
    switch (wireType) {
      case 0:
        return (await this.varint()) === undefined ? undefined : 0;
      case 1:
        return 8;
      case 2:
        return this.varint();
      case 5:
        return 4;
      default:
        return undefined;
    }
  }
}
