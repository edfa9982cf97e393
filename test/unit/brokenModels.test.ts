import * as assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, unlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { ModelLoadError } from '../../src/core/errors';
import { loadModel } from '../../src/model';
import { encodeOnnxModel } from './helpers/onnxGraph';
import { byteLevelTokenizerJson, denoiserGraph, testMeta, testVocabSize, type TestGraphOptions } from './helpers/onnxTestModel';

/**
 * A corpus of broken model folders, one per way a folder can be wrong, each loaded for real: every
 * one must be refused with a `ModelLoadError` that names a file of the folder (or the folder) and
 * says why on one line — no hang, no silent acceptance, no crash.
 */
const ENDLESS = path.join(__dirname, '..', '..', '..', 'test', 'fixtures', 'endless-loop-model');

type Breakage = (dir: string) => void;

const write = (file: string, content: string | Buffer): void => writeFileSync(file, content);
const editMeta = (patch: (meta: Record<string, unknown>) => void): Breakage => (dir) => {
  const file = path.join(dir, 'meta.json');
  const meta = JSON.parse(readFileSync(file, 'utf8')) as Record<string, unknown>;
  patch(meta);
  write(file, JSON.stringify(meta));
};
const setMeta = (key: string, value: unknown): Breakage => editMeta((meta) => {
  meta[key] = value;
});
const graph = (options: TestGraphOptions): Breakage => (dir) => write(path.join(dir, 'model.onnx'), denoiserGraph(options));
/** A tokenizer.json text that meta.json vouches for (its sha256 updated), so the content itself is judged. */
const tokenizer = (text: string): Breakage => (dir) => {
  write(path.join(dir, 'tokenizer.json'), text);
  editMeta((meta) => {
    meta.tokenizer_sha256 = createHash('sha256').update(text).digest('hex');
  })(dir);
};
const replaceFile = (name: string, make: (file: string) => void): Breakage => (dir) => {
  const file = path.join(dir, name);
  unlinkSync(file);
  make(file);
};

const REQUIRED_META = Object.keys(testMeta(byteLevelTokenizerJson())).filter((key) => key !== 'training' && key !== 'results');

const cases: Array<[string, Breakage]> = [
  ['the folder is a file', (dir) => {
    rmSync(dir, { recursive: true });
    write(dir, '');
  }],
  ['the folder is a symbolic link loop', (dir) => {
    rmSync(dir, { recursive: true });
    symlinkSync(dir, dir);
  }],
  ...['meta.json', 'tokenizer.json', 'model.onnx'].flatMap((name): Array<[string, Breakage]> => [
    [`${name} missing`, (dir) => unlinkSync(path.join(dir, name))],
    [`${name} a folder`, replaceFile(name, (file) => mkdirSync(file))],
    [`${name} a FIFO`, replaceFile(name, (file) => assert.equal(spawnSync('mkfifo', [file]).status, 0))],
    [`${name} a symbolic link loop`, replaceFile(name, (file) => symlinkSync(file, file))],
    [`${name} empty`, (dir) => write(path.join(dir, name), '')],
  ]),
  ['meta.json not JSON', (dir) => write(path.join(dir, 'meta.json'), '{"format_version": 1,')],
  ['meta.json an array', (dir) => write(path.join(dir, 'meta.json'), '[]')],
  ...REQUIRED_META.map((key): [string, Breakage] => [`meta.json without ${key}`, editMeta((meta) => delete meta[key])]),
  ...REQUIRED_META.map((key): [string, Breakage] => [`meta.json ${key}: 1e400`, (dir) => {
    const file = path.join(dir, 'meta.json');
    const text = readFileSync(file, 'utf8');
    const edited = text.replace(new RegExp(`"${key}":(\\{[^}]*\\}|"[^"]*"|[^,}]*)`), `"${key}":1e400`);
    assert.notEqual(edited, text, key);
    write(file, edited);
  }]),
  ['meta.json mask_id on an ordinary token', setMeta('mask_id', 200)],
  ['meta.json mask_id on the eos token', setMeta('mask_id', 2)],
  ['meta.json pad and eos swapped', editMeta((meta) => Object.assign(meta, { pad_id: 2, eos_id: 0 }))],
  ['meta.json mask_id out of range', setMeta('mask_id', testVocabSize)],
  ['meta.json family rdlm', setMeta('family', 'rdlm')],
  ['meta.json schedule eps 0', setMeta('schedule', { type: 'loglinear', eps: 0 })],
  ['meta.json max_length 4', setMeta('max_length', 4)],
  ['meta.json vocab_size off by one', setMeta('vocab_size', testVocabSize + 1)],
  ['meta.json tokenizer_sha256 of another file', setMeta('tokenizer_sha256', '0'.repeat(64))],
  ['meta.json p_m on the absorbing graph', setMeta('p_m', 0.5)],
  ['tokenizer.json not JSON', tokenizer('{"version": ')],
  ['tokenizer.json JSON but no tokenizer', tokenizer('{"hello": "world"}')],
  ['model.onnx truncated', (dir) => {
    const file = path.join(dir, 'model.onnx');
    write(file, readFileSync(file).subarray(0, 200));
  }],
  ['model.onnx random bytes', (dir) => write(path.join(dir, 'model.onnx'), Buffer.from(Array.from({ length: 512 }, (_, i) => (i * 73 + 11) % 256)))],
  ['model.onnx text', (dir) => write(path.join(dir, 'model.onnx'), 'version https://git-lfs.github.com/spec/v1\noid sha256:abc\nsize 12\n')],
  ['model.onnx an unknown operator', (dir) => write(path.join(dir, 'model.onnx'), encodeOnnxModel({
    nodes: [{ op: 'NoSuchOperator', inputs: ['input_ids'], outputs: ['logits'] }],
    initializers: [],
    inputs: [{ name: 'input_ids', type: 7, dims: ['B', 'L'] }],
    outputs: [{ name: 'logits', type: 1, dims: ['B', 'Q', testVocabSize] }],
  }))],
  ['model.onnx without the positions input', graph({ names: { positions: 'where' } })],
  ['model.onnx with an input meta.json does not name', graph({ cond: true })],
  ['model.onnx with another output name', graph({ names: { logits: 'scores' } })],
  ['model.onnx logits one wider than vocab_size', graph({ width: testVocabSize + 1 })],
  ['model.onnx +Infinity logits', graph({ weight: (_t, v) => (v === 5 ? Infinity : 0) })],
  ['model.onnx NaN logits', graph({ weight: () => NaN })],
  ['model.onnx all -Infinity logits', graph({ weight: () => -Infinity })],
  ['model.onnx ignoring positions', graph({ ignorePositions: true })],
  ['model.onnx a row per canvas position', graph({ allPositions: true })],
  ['model.onnx an endless Loop', (dir) => cpSync(path.join(ENDLESS, 'model.onnx'), path.join(dir, 'model.onnx'))],
];

describe(`broken model folders (${cases.length} kinds)`, function () {
  this.timeout(120_000);
  let root: string;
  before(() => (root = mkdtempSync(path.join(tmpdir(), 'diffuse-broken-'))));
  after(() => rmSync(root, { recursive: true, force: true }));

  it('every one is refused with a one-line ModelLoadError naming the folder or a file in it', async () => {
    const wrong: string[] = [];
    for (const [index, [what, breakIt]] of cases.entries()) {
      const dir = path.join(root, `case-${index}`);
      mkdirSync(dir);
      write(path.join(dir, 'tokenizer.json'), byteLevelTokenizerJson());
      write(path.join(dir, 'model.onnx'), denoiserGraph());
      write(path.join(dir, 'meta.json'), JSON.stringify(testMeta(byteLevelTokenizerJson())));
      breakIt(dir);
      const outcome = await loadModel(dir, { executionProvider: 'cpu', timeoutMs: 1500 }).then(
        async (model) => {
          await model.dispose();
          return 'loaded';
        },
        (error: unknown) => error,
      );
      const named = outcome instanceof ModelLoadError && (outcome.file === dir || path.dirname(outcome.file) === dir);
      if (!named || outcome.reason.trim() === '' || /\n/.test(outcome.reason.trim())) {
        wrong.push(`${what}: ${outcome instanceof Error ? `${outcome.name}: ${outcome.message}` : String(outcome)}`);
      }
    }
    assert.deepEqual(wrong, [], `${wrong.length} of ${cases.length} not refused with a named file`);
  });
});
