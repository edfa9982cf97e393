import * as assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { chmodSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, unlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { ModelLoadError } from '../../src/core/errors';
import { inspectModelFolder } from '../../src/model/folder/modelFolder';
import { testVocabSize, writeTestModelFolder } from './helpers/onnxTestModel';

/** Broken model folders the first checks missed: each named by its precise reason, never "missing file". */
describe('model folder: what exactly is wrong', () => {
  let root: string;
  let count = 0;
  const folder = (meta?: Record<string, unknown>): string => writeTestModelFolder(path.join(root, `model-${count++}`), { meta });

  const expectError = async (dir: string, file: string | undefined, reason: RegExp): Promise<void> => {
    await assert.rejects(inspectModelFolder(dir), (e: unknown) => {
      assert.ok(e instanceof ModelLoadError, `expected a ModelLoadError, got ${String(e)}`);
      assert.equal(e.file, file === undefined ? dir : path.join(dir, file));
      assert.match(e.reason, reason);
      return true;
    });
  };

  before(() => (root = mkdtempSync(path.join(tmpdir(), 'diffuse-folder-'))));
  after(() => rmSync(root, { recursive: true, force: true }));

  describe('files that are not regular files', () => {
    it('a folder where meta.json belongs', async () => {
      const dir = folder();
      unlinkSync(path.join(dir, 'meta.json'));
      mkdirSync(path.join(dir, 'meta.json'));
      await expectError(dir, 'meta.json', /^a folder, not a regular file$/);
    });

    it('a FIFO as tokenizer.json (reading it would wait forever)', async () => {
      const dir = folder();
      unlinkSync(path.join(dir, 'tokenizer.json'));
      assert.equal(spawnSync('mkfifo', [path.join(dir, 'tokenizer.json')]).status, 0);
      await expectError(dir, 'tokenizer.json', /^a FIFO \(named pipe\), not a regular file$/);
    });

    it('a symbolic link loop as model.onnx', async () => {
      const dir = folder();
      unlinkSync(path.join(dir, 'model.onnx'));
      symlinkSync(path.join(dir, 'model.onnx'), path.join(dir, 'model.onnx'));
      await expectError(dir, 'model.onnx', /^a symbolic link loop$/);
    });

    it('a file where the model folder belongs', async () => {
      const file = path.join(root, 'just-a-file');
      writeFileSync(file, '');
      await expectError(file, undefined, /^not a folder/);
    });

    it('an unreadable folder', async function () {
      if (process.getuid?.() === 0) this.skip(); // root reads anything
      const dir = folder();
      chmodSync(dir, 0o000);
      try {
        await expectError(dir, undefined, /^permission denied$/);
      } finally {
        chmodSync(dir, 0o755);
      }
    });
  });

  describe('special ids that are in range but wrong for the tokenizer', () => {
    it('a mask_id on an ordinary token', async () => {
      await expectError(folder({ mask_id: 200 }), 'meta.json', /^field 'mask_id' is 200: the tokenizer's token 200 is ".*", not a special token \(special tokens: 0 <\|pad\|>, 1 <\|mask\|>, 2 <\|endoftext\|>\)$/);
    });

    it("a mask_id on another special token than the tokenizer's <|mask|>", async () => {
      await expectError(folder({ mask_id: 2 }), 'meta.json', /^field 'mask_id' is 2: the tokenizer's <\|mask\|> is id 1$/);
    });

    it('a pad_id or eos_id swapped', async () => {
      await expectError(folder({ pad_id: 2, eos_id: 0 }), 'meta.json', /^field 'pad_id' is 2: the tokenizer's <\|pad\|> is id 0$/);
    });

    it('a bos_id on the mask', async () => {
      await expectError(folder({ bos_id: 1 }), 'meta.json', /^field 'bos_id' is 1: the same id as mask_id$/);
    });
  });

  it('a tokenizer.json token whose id is past vocab_size, though the count of tokens matches', async () => {
    const dir = folder();
    const file = path.join(dir, 'tokenizer.json');
    const tokenizer = JSON.parse(readFileSync(file, 'utf8')) as { model: { vocab: Record<string, number> } };
    tokenizer.model.vocab['Ġt'] = 5000;
    writeFileSync(file, JSON.stringify(tokenizer));
    const meta = path.join(dir, 'meta.json');
    const sha256 = createHash('sha256').update(readFileSync(file)).digest('hex');
    writeFileSync(meta, readFileSync(meta, 'utf8').replace(/"tokenizer_sha256": "[0-9a-f]+"/, `"tokenizer_sha256": "${sha256}"`));
    await expectError(dir, 'tokenizer.json', new RegExp(`^token "Ġt" has id 5000, but meta\\.json's vocab_size ${testVocabSize} leaves the tokenizer ids 0 to ${testVocabSize - 1}$`));
  });

  it('vocab_size: 1e400 is reported as a number too large, not as null', async () => {
    const dir = folder();
    const file = path.join(dir, 'meta.json');
    writeFileSync(file, readFileSync(file, 'utf8').replace(/"vocab_size": \d+/, '"vocab_size": 1e400'));
    await expectError(dir, 'meta.json', /^field 'vocab_size' must be an integer >= 1, got Infinity \(a number too large to be finite\)$/);
  });
});
