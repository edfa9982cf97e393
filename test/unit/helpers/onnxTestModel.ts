/**
 * A complete model folder for tests (model.onnx + meta.json + tokenizer.json), built in JS: a
 * byte-level BPE tokenizer and a denoiser-shaped graph whose logits are easy to predict.
 */
import { createHash } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { byteLevelAlphabet } from 'tokenizers';
import { DataType, encodeOnnxModel, type OnnxGraph, type OnnxNode, type ValueInfo } from './onnxGraph';

export const specialTokens = ['<|pad|>', '<|mask|>', '<|endoftext|>'] as const;
const merges = [['Ġ', 't'], ['Ġt', 'h'], ['e', 'l'], ['Ġ', 'Ġ'], ['ĠĠ', 'ĠĠ'], ['r', 'e'], ['Ġ', 're']];

/** tokenizer.json text of a GPT-2-style byte-level BPE: specials first, then the 256 bytes, then merges. */
export function byteLevelTokenizerJson(): string {
  const vocab: Record<string, number> = {};
  const add = (token: string): void => {
    vocab[token] = Object.keys(vocab).length;
  };
  specialTokens.forEach(add);
  byteLevelAlphabet().sort().forEach(add);
  merges.forEach(([a, b]) => add(a + b));
  const byteLevel = { type: 'ByteLevel', add_prefix_space: false, trim_offsets: true, use_regex: true };
  return JSON.stringify({
    version: '1.0',
    truncation: null,
    padding: null,
    added_tokens: specialTokens.map((content, id) => ({
      id, content, single_word: false, lstrip: false, rstrip: false, normalized: false, special: true,
    })),
    normalizer: null,
    pre_tokenizer: byteLevel,
    post_processor: null,
    decoder: byteLevel,
    model: {
      type: 'BPE', dropout: null, unk_token: null, continuing_subword_prefix: null, end_of_word_suffix: null,
      fuse_unk: false, byte_fallback: false, ignore_merges: false, vocab, merges: merges.map((m) => m.join(' ')),
    },
  });
}

export const testVocabSize = specialTokens.length + 256 + merges.length;

/** The weight the test graph returns for (token, column): logits[b, q, v] = weight(input_ids[b, positions[b, q]], v) (× cond[b]). */
export const testWeight = (token: number, column: number): number => ((token * 7 + column * 13) % 17) / 4 - 2;

export interface TestGraphOptions {
  /** Logits width V; defaults to the test vocabulary. */
  width?: number;
  /** Adds a `cond float32[B]` input that scales the logits. */
  cond?: boolean;
  names?: { inputIds?: string; positions?: string; cond?: string; logits?: string };
  /** Replaces `testWeight` (e.g. to put an Infinity in the logits). */
  weight?: (token: number, column: number) => number;
  /** Reads the first Q canvas tokens instead of those at `positions` (its shape is all it uses): a broken graph. */
  ignorePositions?: boolean;
  /** Returns a row for every canvas position, [B, L, V], whatever `positions` asks for: a broken graph. */
  allPositions?: boolean;
}

/** logits = Gather(W, GatherElements(input_ids, positions, axis=1)) [× cond]: a real [B,L],[B,Q] → [B,Q,V] signature. */
export function denoiserGraph(options: TestGraphOptions = {}): Buffer {
  const width = options.width ?? testVocabSize;
  const names = { inputIds: 'input_ids', positions: 'positions', cond: 'cond', logits: 'logits', ...options.names };
  const weight = options.weight ?? testWeight;
  const weights = new Float32Array(testVocabSize * width);
  for (let t = 0; t < testVocabSize; t++) for (let v = 0; v < width; v++) weights[t * width + v] = weight(t, v);
  const inputs: ValueInfo[] = [
    { name: names.inputIds, type: DataType.int64, dims: ['B', 'L'] },
    { name: names.positions, type: DataType.int64, dims: ['B', 'Q'] },
  ];
  const gatherOutput = options.cond ? 'unscaled' : names.logits;
  const int64 = (name: string, values: bigint[]) => ({ name, type: DataType.int64, dims: [values.length], data: new BigInt64Array(values) });
  const initializers: OnnxGraph['initializers'][number][] = [
    { name: 'W', type: DataType.float, dims: [testVocabSize, width], data: weights },
  ];
  const nodes: OnnxNode[] = options.allPositions
    ? [{ op: 'Identity', inputs: [names.inputIds], outputs: ['query_ids'] }]
    : options.ignorePositions
    ? [
      // query_ids = input_ids[:, 0:Q], Q = shape(positions)[1]
      { op: 'Shape', inputs: [names.positions], outputs: ['bq'] },
      { op: 'Slice', inputs: ['bq', 'one', 'two'], outputs: ['q'] },
      { op: 'Slice', inputs: [names.inputIds, 'zero', 'q', 'one'], outputs: ['query_ids'] },
    ]
    : [{ op: 'GatherElements', inputs: [names.inputIds, names.positions], outputs: ['query_ids'], intAttributes: { axis: 1 } }];
  if (options.ignorePositions) initializers.push(int64('zero', [0n]), int64('one', [1n]), int64('two', [2n]));
  nodes.push({ op: 'Gather', inputs: ['W', 'query_ids'], outputs: [gatherOutput], intAttributes: { axis: 0 } });
  if (options.cond) {
    inputs.push({ name: names.cond, type: DataType.float, dims: ['B'] });
    initializers.push({ name: 'cond_shape', type: DataType.int64, dims: [3], data: new BigInt64Array([-1n, 1n, 1n]) });
    nodes.push(
      { op: 'Reshape', inputs: [names.cond, 'cond_shape'], outputs: ['cond_3d'] },
      { op: 'Mul', inputs: [gatherOutput, 'cond_3d'], outputs: [names.logits] },
    );
  }
  return encodeOnnxModel({
    nodes,
    initializers,
    inputs,
    outputs: [{ name: names.logits, type: DataType.float, dims: ['B', 'Q', width] }],
  });
}

export function testMeta(tokenizerJson: string, patch: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    format_version: 1,
    name: 'test-model',
    family: 'mdlm',
    graph: 'absorb',
    output_kind: 'x0_logits',
    cond_kind: 'none',
    schedule: { type: 'loglinear', eps: 0.001 },
    vocab_size: testVocabSize,
    mask_id: 1,
    pad_id: 0,
    eos_id: 2,
    bos_id: null,
    max_length: 64,
    inputs: { input_ids: 'input_ids', positions: 'positions', cond: null },
    outputs: { logits: 'logits' },
    logits_dtype: 'float32',
    tokenizer_sha256: createHash('sha256').update(tokenizerJson).digest('hex'),
    parameters: testVocabSize * testVocabSize,
    training: {},
    results: {},
    ...patch,
  };
}

/** Writes a valid test model folder at `dir` (created if needed); `patch` overrides meta.json fields. */
export function writeTestModelFolder(
  dir: string,
  options: { meta?: Record<string, unknown>; graph?: TestGraphOptions } = {},
): string {
  mkdirSync(dir, { recursive: true });
  const tokenizerJson = byteLevelTokenizerJson();
  writeFileSync(path.join(dir, 'tokenizer.json'), tokenizerJson);
  writeFileSync(path.join(dir, 'model.onnx'), denoiserGraph(options.graph));
  writeFileSync(path.join(dir, 'meta.json'), JSON.stringify(testMeta(tokenizerJson, options.meta), null, 2));
  return dir;
}
