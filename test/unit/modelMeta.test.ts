import * as assert from 'node:assert/strict';
import fs, { mkdtempSync, readFileSync, rmSync, unlinkSync, writeFileSync } from 'node:fs';
import fsPromises from 'node:fs/promises';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { ModelLoadError } from '../../src/core/errors';
import { inspectModelFolder } from '../../src/model/folder/modelFolder';
import { parseContextCache } from '../../src/model/folder/contextCacheMeta';
import { MetaFields } from '../../src/model/folder/metaFields';
import { testVocabSize, writeTestModelFolder } from './helpers/onnxTestModel';

describe('model folder validation (meta.json, tokenizer.json, model.onnx)', () => {
  let root: string;
  let count = 0;
  const folder = (options?: Parameters<typeof writeTestModelFolder>[1]): string =>
    writeTestModelFolder(path.join(root, `model-${count++}`), options);

  const expectError = async (dir: string, file: string, reason: RegExp): Promise<void> => {
    await assert.rejects(inspectModelFolder(dir), (e: unknown) => {
      assert.ok(e instanceof ModelLoadError, `expected a ModelLoadError, got ${String(e)}`);
      assert.equal(e.file, path.join(dir, file));
      assert.match(e.reason, reason);
      assert.ok(e.message.startsWith(e.file), 'the message names the file');
      return true;
    });
  };

  before(() => {
    root = mkdtempSync(path.join(tmpdir(), 'diffuse-meta-'));
  });
  after(() => rmSync(root, { recursive: true, force: true }));

  it('accepts a valid folder and derives the diffusion spec', async () => {
    const { meta, spec } = await inspectModelFolder(folder());
    assert.equal(meta.name, 'test-model');
    assert.deepEqual(meta.inputs, { inputIds: 'input_ids', inputVec: null, positions: 'positions', cond: null });
    assert.deepEqual(spec, {
      family: 'mdlm', graph: 'absorb', outputKind: 'x0_logits', condKind: 'none',
      schedule: { type: 'loglinear', eps: 0.001 }, vocabSize: testVocabSize,
      maskId: 1, padId: 0, eosId: 2, bosId: null, maxLength: 64,
    });
  });

  it('accepts a conditioned model, a bos id and absent informational fields', async () => {
    const dir = folder({ meta: { cond_kind: 'sigma', inputs: { input_ids: 'input_ids', positions: 'positions', cond: 'cond' }, bos_id: 2, training: undefined, results: undefined }, graph: { cond: true } });
    const { meta } = await inspectModelFolder(dir);
    assert.equal(meta.inputs.cond, 'cond');
    assert.equal(meta.spec.bosId, 2);
    assert.deepEqual(meta.training, {});
  });

  it('reads tokenizer.json once: its bytes are hashed and then loaded', async () => {
    const dir = folder();
    const tokenizerFile = path.join(dir, 'tokenizer.json');
    const reads: string[] = [];
    // the default imports are the modules themselves, which the code under test calls through
    const spied: Array<[Record<string, unknown>, string]> = [[fsPromises, 'readFile'], [fsPromises, 'open'], [fs, 'createReadStream'], [fs, 'readFileSync']];
    const originals = spied.map(([module, name]) => module[name] as (...args: unknown[]) => unknown);
    spied.forEach(([module, name], k) => {
      module[name] = (...args: unknown[]) => {
        if (args[0] === tokenizerFile) reads.push(name);
        return originals[k](...args);
      };
    });
    try {
      await inspectModelFolder(dir);
    } finally {
      spied.forEach(([module, name], k) => (module[name] = originals[k]));
    }
    assert.deepEqual(reads, ['readFile']);
  });

  it('names a missing folder', async () => {
    const dir = path.join(root, 'nowhere');
    await assert.rejects(inspectModelFolder(dir), (e: unknown) => e instanceof ModelLoadError && e.file === dir && /not found/.test(e.reason));
  });

  for (const file of ['meta.json', 'tokenizer.json', 'model.onnx']) {
    it(`names a missing ${file}`, async () => {
      const dir = folder();
      unlinkSync(path.join(dir, file));
      await expectError(dir, file, /missing file/);
    });
  }

  it('names invalid JSON in meta.json', async () => {
    const dir = folder();
    writeFileSync(path.join(dir, 'meta.json'), '{"format_version": 1,');
    await expectError(dir, 'meta.json', /invalid JSON/);
  });

  it('names a meta.json that is not an object', async () => {
    const dir = folder();
    writeFileSync(path.join(dir, 'meta.json'), '[1, 2]');
    await expectError(dir, 'meta.json', /expected a JSON object, got \[1,2\]/);
  });

  const v = testVocabSize;
  const cacheFields = (patch: Record<string, unknown>): Record<string, unknown> => ({
    row_positions: 'row_positions', past_key: 'past_key', past_value: 'past_value', present_key: 'present_key', present_value: 'present_value',
    layers: 2, heads: 2, head_dim: 16, ...patch,
  });
  const fieldCases: Array<[string, Record<string, unknown>, RegExp]> = [
    ['a missing format_version', { format_version: undefined }, /missing field 'format_version'/],
    ['an unsupported format_version', { format_version: 2 }, /'format_version' must be an integer in \[1, 1\], got 2/],
    ['an empty name', { name: '' }, /'name' must be a non-empty string/],
    ['an unknown family', { family: 'gpt' }, /'family' must be one of 'mdlm', 'md4', 'sedd', 'cedd', 'rdlm', got "gpt"/],
    ['an unknown graph', { graph: 'lattice' }, /'graph' must be one of/],
    ['an unknown output_kind', { output_kind: 'probs' }, /'output_kind' must be one of/],
    ['an unknown cond_kind', { cond_kind: 'time' }, /'cond_kind' must be one of/],
    ['a missing schedule', { schedule: undefined }, /missing field 'schedule'/],
    ['an unknown schedule type', { schedule: { type: 'square', eps: 0.001 } }, /'schedule\.type' must be one of/],
    ['an ill-typed schedule eps', { schedule: { type: 'loglinear', eps: '1e-3' } }, /'schedule\.eps' must be a number in \(0, 1\), got "1e-3"/],
    ['a missing vocab_size', { vocab_size: undefined }, /missing field 'vocab_size'/],
    ['a non-integer vocab_size', { vocab_size: 12.5 }, /'vocab_size' must be an integer >= 1, got 12.5/],
    ['a mask_id out of range', { mask_id: v }, new RegExp(`'mask_id' must be an integer in \\[0, ${v - 1}\\], got ${v}`)],
    ['a negative pad_id', { pad_id: -1 }, /'pad_id' must be an integer in/],
    ['a string eos_id', { eos_id: '2' }, /'eos_id' must be an integer in .*got "2"/],
    ['a bos_id out of range', { bos_id: v + 3 }, /'bos_id' must be an integer in/],
    ['a max_length below 8', { max_length: 4 }, /'max_length' must be an integer >= 8, got 4/],
    ['missing inputs', { inputs: undefined }, /missing field 'inputs'/],
    ['a missing input_ids name', { inputs: { positions: 'positions', cond: null } }, /missing field 'inputs\.input_ids'/],
    ['an ill-typed positions name', { inputs: { input_ids: 'input_ids', positions: 3, cond: null } }, /'inputs\.positions' must be a non-empty string, got 3/],
    ['a cond input without cond_kind', { inputs: { input_ids: 'input_ids', positions: 'positions', cond: 'cond' } }, /'inputs\.cond' must be null when cond_kind is none/],
    ['a cond_kind without cond input', { cond_kind: 't' }, /'inputs\.cond' must be the cond input's name \(cond_kind is t\)/],
    ['missing outputs.logits', { outputs: {} }, /missing field 'outputs\.logits'/],
    ['an unsupported logits_dtype', { logits_dtype: 'float16' }, /'logits_dtype' must be one of 'float32', got "float16"/],
    ['a malformed tokenizer_sha256', { tokenizer_sha256: 'abc' }, /'tokenizer_sha256' must be 64 lowercase hex digits/],
    ['a negative parameters count', { parameters: -5 }, /'parameters' must be an integer >= 0/],
    ['an ill-typed training', { training: 'big' }, /'training' must be an object, got "big"/],
    ['a context_cache that is not an object', { context_cache: true }, /'context_cache' must be an object, got true/],
    ['a context_cache without past_key', { context_cache: cacheFields({ past_key: undefined }) }, /missing field 'context_cache\.past_key'/],
    ['a context_cache of 0 layers', { context_cache: cacheFields({ layers: 0 }) }, /'context_cache\.layers' must be an integer >= 1, got 0/],
    ['a context_cache with a fractional head_dim', { context_cache: cacheFields({ head_dim: 1.5 }) }, /'context_cache\.head_dim' must be an integer >= 1/],
    ['a context_cache whose shared_past is not a boolean', { context_cache: cacheFields({ shared_past: 'yes' }) }, /'context_cache\.shared_past' must be true or false, got "yes"/],
    ['a context_cache rotary_base of 1 (no rotation to move keys by)', { context_cache: cacheFields({ shared_past: true, rotary_base: 1 }) }, /'context_cache\.rotary_base' must be a finite number > 1, got 1/],
    ['a context_cache rotary_base without shared_past', { context_cache: cacheFields({ rotary_base: 10000 }) }, /'context_cache\.rotary_base' .*set shared_past too/],
    ['a context_cache rotary_base with an odd head_dim', { context_cache: cacheFields({ shared_past: true, head_dim: 15, rotary_base: 10000 }) }, /'context_cache\.rotary_base' .*head_dim 15 is odd/],
    ['a context_cache input named like another input', { context_cache: cacheFields({ row_positions: 'positions' }) },
      /'context_cache\.row_positions' is "positions": another input of the graph already has this name/],
    ['a context_cache output named like the logits', { context_cache: cacheFields({ present_value: 'logits' }) },
      /'context_cache\.present_value' is "logits": another output of the graph already has this name/],
  ];
  for (const [what, patch, reason] of fieldCases) {
    it(`names ${what}`, async () => expectError(folder({ meta: patch }), 'meta.json', reason));
  }

  it("reads context_cache.shared_past, absent as false", () => {
    const parse = (cache: Record<string, unknown>): boolean | undefined =>
      parseContextCache(new MetaFields('meta.json', { context_cache: cache }), 'absorb', ['input_ids', 'positions'], ['logits'])?.sharedPast;
    assert.equal(parse(cacheFields({ shared_past: true })), true);
    assert.equal(parse(cacheFields({ shared_past: false })), false);
    assert.equal(parse(cacheFields({})), false);
  });

  it('reads context_cache.rotary_base, absent as undefined (a kept context is then never carried)', () => {
    const parse = (cache: Record<string, unknown>): number | undefined =>
      parseContextCache(new MetaFields('meta.json', { context_cache: cache }), 'absorb', ['input_ids', 'positions'], ['logits'])?.rotaryBase;
    assert.equal(parse(cacheFields({ shared_past: true, rotary_base: 10000 })), 10000);
    assert.equal(parse(cacheFields({})), undefined);
  });

  it('names a tokenizer.json that is not the one the model was trained with', async () => {
    const dir = folder({ meta: { tokenizer_sha256: '0'.repeat(64) } });
    await expectError(dir, 'tokenizer.json', /sha256 [0-9a-f]{64} does not match meta\.json's tokenizer_sha256 0{64}/);
  });

  it('names a vocab_size that differs from the tokenizer vocabulary', async () => {
    await expectError(folder({ meta: { vocab_size: v + 5 } }), 'meta.json', new RegExp(`vocab_size ${v + 5} does not match the tokenizer's vocabulary of ${v} tokens`));
  });

  it("accepts an expand token: the last id, one past the tokenizer's vocabulary", async () => {
    const { spec } = await inspectModelFolder(folder({ meta: { vocab_size: v + 1, expand_id: v }, graph: { width: v + 1 } }));
    assert.equal(spec.vocabSize, v + 1);
    assert.equal(spec.expandId, v);
    assert.ok(!('expandId' in (await inspectModelFolder(folder())).spec), 'no expandId without expand_id');
  });

  for (const [what, patch, reason] of [
    ['an expand_id that is not the last id', { vocab_size: v + 1, expand_id: v - 1 }, new RegExp(`'expand_id' is ${v - 1}: the expand token is the last id, vocab_size - 1 = ${v}`)],
    ['an expand_id on the uniform graph', { family: 'cedd', graph: 'uniform', cond_kind: 'sigma', inputs: { input_ids: 'input_ids', positions: 'positions', cond: 'cond' }, vocab_size: v + 1, expand_id: v },
      /'expand_id' is \d+: a model with an expand token needs the absorb graph and x0_logits \(got uniform, x0_logits\)/],
    ['an expand_id with a vocab_size the tokenizer has', { expand_id: v - 1 }, new RegExp(`vocab_size ${v} does not match the tokenizer's vocabulary of ${v} tokens plus its expand token`)],
  ] as const) {
    it(`names ${what}`, async () => expectError(folder({ meta: patch }), 'meta.json', reason));
  }

  it('names a corrupt tokenizer.json whose hash meta.json vouches for', async () => {
    const dir = folder({ meta: { tokenizer_sha256: 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855' } });
    writeFileSync(path.join(dir, 'tokenizer.json'), '');
    await expectError(dir, 'tokenizer.json', /not a valid tokenizer\.json/);
  });

  describe('model.onnx', () => {
    it('names a truncated file', async () => {
      const dir = folder();
      const bytes = readFileSync(path.join(dir, 'model.onnx'));
      writeFileSync(path.join(dir, 'model.onnx'), bytes.subarray(0, Math.floor(bytes.length * 0.7)));
      await expectError(dir, 'model.onnx', /the file is truncated/);
    });

    it('names an empty file', async () => {
      const dir = folder();
      writeFileSync(path.join(dir, 'model.onnx'), '');
      await expectError(dir, 'model.onnx', /the file is empty/);
    });

    it('names random bytes', async () => {
      const dir = folder();
      // A fixed pseudo-random byte string (LCG), so the case is the same on every run.
      const bytes = Buffer.alloc(4096);
      for (let i = 0, x = 12345; i < bytes.length; i++) bytes[i] = (x = (x * 1103515245 + 12345) >>> 0) >>> 24;
      writeFileSync(path.join(dir, 'model.onnx'), bytes);
      await expectError(dir, 'model.onnx', /not an ONNX model|truncated/);
    });

    it('names a file of another format', async () => {
      const dir = folder();
      writeFileSync(path.join(dir, 'model.onnx'), JSON.stringify({ weights: [1, 2, 3] }));
      await expectError(dir, 'model.onnx', /not an ONNX model/);
    });
  });
});
