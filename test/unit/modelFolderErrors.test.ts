import * as assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { chmodSync, mkdirSync, mkdtempSync, promises, readFileSync, rmSync, symlinkSync, unlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { ModelLoadError } from '../../src/core/errors';
import { inspectModelFolder } from '../../src/model/folder/modelFolder';
import { testVocabSize, writeTestModelFolder } from './helpers/onnxTestModel';

/** User and group `nobody`, whom the permission bits bind, unlike root. */
const NOBODY = 65534;

/**
 * `inspectModelFolder(dir)`'s error as nobody sees it, checked in a child Node process run as
 * nobody; undefined when nobody cannot run Node or reach the compiled modules.
 */
function inspectAsNobody(dir: string): { modelLoadError: boolean; file?: string; reason?: string } | undefined {
  const modules = { folder: require.resolve('../../src/model/folder/modelFolder'), errors: require.resolve('../../src/core/errors') };
  const script = `
    let loaded;
    try {
      loaded = { folder: require(${JSON.stringify(modules.folder)}), errors: require(${JSON.stringify(modules.errors)}) };
    } catch (error) {
      process.stdout.write(JSON.stringify({ unreachable: String(error) }));
    }
    if (loaded) {
      loaded.folder.inspectModelFolder(${JSON.stringify(dir)}).then(
        () => process.stdout.write(JSON.stringify({ modelLoadError: false })),
        (e) => process.stdout.write(JSON.stringify({ modelLoadError: e instanceof loaded.errors.ModelLoadError, file: e.file, reason: e.reason ?? String(e) })),
      );
    }`;
  const child = spawnSync(process.execPath, ['-e', script], { uid: NOBODY, gid: NOBODY, cwd: '/', encoding: 'utf8', timeout: 20000 });
  if (child.error || child.status !== 0) return undefined;
  const seen = JSON.parse(child.stdout) as { unreachable?: string; modelLoadError: boolean; file?: string; reason?: string };
  return seen.unreachable === undefined ? seen : undefined;
}

/** Runs `check` with fs.promises.access failing on `dir` as it does for a user the folder's mode shuts out. */
async function withAccessDenied(dir: string, check: () => Promise<void>): Promise<void> {
  const access = promises.access;
  promises.access = async (file, mode) => {
    if (file === dir) throw Object.assign(new Error(`EACCES: permission denied, access '${dir}'`), { errno: -13, code: 'EACCES', syscall: 'access', path: dir });
    return access(file, mode);
  };
  try {
    await check();
  } finally {
    promises.access = access;
  }
}

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

    it('an unreadable folder', async () => {
      const dir = folder();
      chmodSync(dir, 0o000);
      try {
        if (process.getuid?.() !== 0) return await expectError(dir, undefined, /^permission denied$/);
        // root reads any folder (CI runs as root): the check runs as nobody in a child process
        chmodSync(root, 0o755);
        const seen = inspectAsNobody(dir);
        if (seen !== undefined) return assert.deepEqual(seen, { modelLoadError: true, file: dir, reason: 'permission denied' });
        // nobody cannot reach the compiled modules (a checkout in a private home): the access
        // check's error, as the system gives it, stubbed in this process instead
        await withAccessDenied(dir, () => expectError(dir, undefined, /^permission denied$/));
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
