/**
 * Writes tiny ONNX models for tests without Python: a minimal protobuf encoder for the handful of
 * ModelProto fields a graph needs (field numbers from onnx/onnx.proto, IR version 8, opset 13).
 */

type Bytes = Buffer;

function varint(value: number | bigint): Bytes {
  let n = BigInt.asUintN(64, BigInt(value));
  const out: number[] = [];
  do {
    let byte = Number(n & 0x7fn);
    n >>= 7n;
    if (n > 0n) byte |= 0x80;
    out.push(byte);
  } while (n > 0n);
  return Buffer.from(out);
}

const varintField = (field: number, value: number | bigint): Bytes => Buffer.concat([varint(field << 3), varint(value)]);
const bytesField = (field: number, payload: Bytes | string): Bytes => {
  const data = typeof payload === 'string' ? Buffer.from(payload, 'utf8') : payload;
  return Buffer.concat([varint((field << 3) | 2), varint(data.length), data]);
};

/** ONNX TensorProto.DataType values. */
export const DataType = { float: 1, int64: 7 } as const;

/** A graph input/output: a named tensor whose dims are numbers (static) or names (dynamic). */
export interface ValueInfo {
  name: string;
  type: number;
  dims: ReadonlyArray<number | string>;
}

export interface Initializer {
  name: string;
  type: number;
  dims: readonly number[];
  data: Float32Array | BigInt64Array;
}

export interface OnnxNode {
  op: string;
  inputs: readonly string[];
  outputs: readonly string[];
  intAttributes?: Readonly<Record<string, number>>;
}

export interface OnnxGraph {
  nodes: readonly OnnxNode[];
  initializers: readonly Initializer[];
  inputs: readonly ValueInfo[];
  outputs: readonly ValueInfo[];
}

function valueInfo(info: ValueInfo): Bytes {
  const dims = info.dims.map((d) => bytesField(1, typeof d === 'number' ? varintField(1, d) : bytesField(2, d)));
  const tensorType = Buffer.concat([varintField(1, info.type), bytesField(2, Buffer.concat(dims))]);
  return Buffer.concat([bytesField(1, info.name), bytesField(2, bytesField(1, tensorType))]);
}

function initializer(tensor: Initializer): Bytes {
  const raw = Buffer.from(tensor.data.buffer, tensor.data.byteOffset, tensor.data.byteLength);
  return Buffer.concat([
    ...tensor.dims.map((d) => varintField(1, d)),
    varintField(2, tensor.type),
    bytesField(8, tensor.name),
    bytesField(9, raw),
  ]);
}

function node(n: OnnxNode, index: number): Bytes {
  const attributes = Object.entries(n.intAttributes ?? {}).map(([name, value]) =>
    // AttributeProto: name = 1, i = 3, type = 20 (INT = 2).
    bytesField(5, Buffer.concat([bytesField(1, name), varintField(3, value), varintField(20, 2)])),
  );
  return Buffer.concat([
    ...n.inputs.map((i) => bytesField(1, i)),
    ...n.outputs.map((o) => bytesField(2, o)),
    bytesField(3, `${n.op}_${index}`),
    bytesField(4, n.op),
    ...attributes,
  ]);
}

/** Serializes `graph` as an ONNX model file's bytes. */
export function encodeOnnxModel(graph: OnnxGraph): Buffer {
  const graphBytes = Buffer.concat([
    ...graph.nodes.map((n, i) => bytesField(1, node(n, i))),
    bytesField(2, 'test_graph'),
    ...graph.initializers.map((t) => bytesField(5, initializer(t))),
    ...graph.inputs.map((v) => bytesField(11, valueInfo(v))),
    ...graph.outputs.map((v) => bytesField(12, valueInfo(v))),
  ]);
  return Buffer.concat([
    varintField(1, 8), // ir_version
    bytesField(2, 'diffuse-tests'), // producer_name
    bytesField(7, graphBytes),
    bytesField(8, varintField(2, 13)), // opset_import { version: 13 } (default domain)
  ]);
}
