import { open, type FileHandle } from 'node:fs/promises';
import { ModelLoadError } from '../../core/errors';

/** ModelProto field numbers (onnx.proto) the check relies on. */
const irVersionField = 1;
const graphField = 7;
const opsetImportField = 8;
/** OperatorSetIdProto.domain. */
const domainField = 1;

/** What the check learnt about a model file besides its being whole. */
export interface OnnxFileInfo {
  /** The operator domains the graph imports ('' is the standard ONNX domain). */
  readonly operatorDomains: readonly string[];
}

/**
 * onnxruntime's contrib-op domain: graphs importing it (e.g. training/diffuse/quantize.py's int8
 * DynamicQuantizeMatMul) run on the CPU provider; a GPU provider would hand those nodes back to
 * the CPU one by one, slower than the CPU alone.
 */
export const CPU_CONTRIB_DOMAIN = 'com.microsoft';

/**
 * A cheap structural check of model.onnx before a session is created: walks the top-level
 * protobuf fields of the ModelProto, reading a few bytes per field (the graph's weights are
 * skipped by their length prefix, never read). A truncated file shows as a field that runs past
 * the end; random bytes as an invalid tag. onnxruntime still has the last word at session creation.
 */
export async function checkOnnxFile(file: string): Promise<OnnxFileInfo> {
  let handle: FileHandle;
  try {
    handle = await open(file, 'r');
  } catch (error) {
    throw new ModelLoadError(file, `cannot read the model: ${(error as Error).message}`, { cause: error });
  }
  try {
    const operatorDomains: string[] = [];
    const problem = await findProblem(new FieldReader(handle, (await handle.stat()).size), operatorDomains);
    if (problem) throw new ModelLoadError(file, problem);
    return { operatorDomains };
  } finally {
    await handle.close();
  }
}

async function findProblem(reader: FieldReader, operatorDomains: string[]): Promise<string | undefined> {
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
    if (field === opsetImportField && wireType === 2) operatorDomains.push(await reader.domainOf(skip));
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

  /**
   * The domain of the OperatorSetIdProto of `length` bytes at `position` ('' when absent), walked
   * with the same field reading as the top level; `position` is left where it was.
   */
  async domainOf(length: number): Promise<string> {
    const start = this.position;
    const end = start + length;
    try {
      while (this.position < end) {
        const tag = await this.varint();
        if (tag === undefined) return '';
        const size = await this.payloadLength(tag % 8);
        if (size === undefined || this.position + size > end) return '';
        if (Math.floor(tag / 8) === domainField && tag % 8 === 2) {
          const text = Buffer.alloc(size);
          await this.handle.read(text, 0, size, this.position);
          return text.toString('utf8');
        }
        this.position += size;
      }
      return '';
    } finally {
      this.position = start;
    }
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

