import * as assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { InvalidRequestError, ModelLoadError } from '../../src/core/errors';
import { loadTokenizer, type LoadedTokenizer } from '../../src/tokenizer';
import { byteLevelTokenizerJson, testVocabSize } from './helpers/onnxTestModel';

const roundTripTexts = [
  '',
  ' ',
  'def add(a, b):\n    return a + b\n',
  'if (x) {\r\n\treturn "héllo wörld";\r\n}\r\n',
  'trailing spaces   \nand tabs\t\t\n\n\n',
  'emoji 😀🚀 and ZWJ 👩‍💻, CJK 漢字, Greek λ, combining é',
  'const s = `${a}\\n`; // ≠ ≤ ≥ → ←',
  'a<|mask|>b<|endoftext|><|pad|>',
  '\u0000\u0001\u007f nul and control bytes',
  '   leading spaces',
  '\uFEFFbom',
];

describe('tokenizer', () => {
  let dir: string;
  let tokenizer: LoadedTokenizer;

  before(async () => {
    dir = mkdtempSync(path.join(tmpdir(), 'diffuse-tokenizer-'));
    writeFileSync(path.join(dir, 'tokenizer.json'), byteLevelTokenizerJson());
    tokenizer = await loadTokenizer(path.join(dir, 'tokenizer.json'));
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('reports the vocabulary size including special tokens', () => {
    assert.equal(tokenizer.vocabSize, testVocabSize);
  });

  for (const text of roundTripTexts) {
    it(`round-trips ${JSON.stringify(text).slice(0, 40)}`, async () => {
      const { ids, offsets } = await tokenizer.encode(text);
      assert.equal(ids.length, offsets.length);
      assert.equal(await tokenizer.decode(ids), text);
    });
  }

  it('maps the empty string to no tokens and no tokens to the empty string', async () => {
    assert.deepEqual(await tokenizer.encode(''), { ids: [], offsets: [] });
    assert.equal(await tokenizer.decode([]), '');
  });

  it('reports offsets in UTF-16 code units, also after astral characters', async () => {
    const text = 'a😀b 漢 😀\tz';
    const { ids, offsets } = await tokenizer.encode(text);
    // Offsets tile the text, so the slices they name concatenate back to it (several byte tokens may share one character).
    let rebuilt = '';
    let end = 0;
    for (const [s, e] of offsets) {
      assert.ok(s <= e && e <= text.length, `offset [${s}, ${e}] out of range`);
      if (s >= end) rebuilt += text.slice(s, e);
      end = Math.max(end, e);
    }
    assert.equal(rebuilt, text);
    const last = offsets[offsets.length - 1];
    assert.deepEqual(last, [text.length - 1, text.length]);
    assert.equal(await tokenizer.decode(ids.slice(-1)), 'z');
  });

  it('keeps special tokens as single ids, as the Python library does', async () => {
    const { ids, offsets } = await tokenizer.encode('x<|mask|>y');
    assert.deepEqual(ids.slice(1, 2), [1]);
    assert.deepEqual(offsets[1], [1, 9]);
  });

  it('refuses to decode ids outside the vocabulary instead of dropping them', async () => {
    for (const id of [testVocabSize, -1, 1.5, Number.NaN]) {
      await assert.rejects(tokenizer.decode([5, id]), (e: unknown) => e instanceof InvalidRequestError && e.message.includes(`token id ${id}`));
    }
  });

  describe('load errors', () => {
    const expectLoadError = async (file: string, reason: RegExp): Promise<void> => {
      await assert.rejects(loadTokenizer(file), (e: unknown) => {
        assert.ok(e instanceof ModelLoadError, String(e));
        assert.equal(e.file, file);
        assert.match(e.reason, reason);
        return true;
      });
    };

    it('names a missing file', async () => {
      await expectLoadError(path.join(dir, 'missing.json'), /cannot read the tokenizer: .*ENOENT/);
    });

    it('names a file that is not JSON', async () => {
      const file = path.join(dir, 'random.json');
      writeFileSync(file, Buffer.from([0x8f, 0x00, 0x13, 0xff, 0x42]));
      await expectLoadError(file, /not a valid tokenizer\.json/);
    });

    it('names JSON that is not a tokenizer', async () => {
      const file = path.join(dir, 'other.json');
      writeFileSync(file, '{"model": {"type": "nonsense"}}');
      await expectLoadError(file, /not a valid tokenizer\.json/);
    });

    it('names a truncated tokenizer.json', async () => {
      const file = path.join(dir, 'truncated.json');
      const json = byteLevelTokenizerJson();
      writeFileSync(file, json.slice(0, json.length / 2));
      await expectLoadError(file, /not a valid tokenizer\.json/);
    });
  });

  it('names the token with the largest id as the file spells it', () => {
    assert.deepEqual(tokenizer.lastToken, { id: testVocabSize - 1, text: 'Ġre' });
  });

  it('loads from bytes already read, without reading the file', async () => {
    const fromBytes = await loadTokenizer(path.join(dir, 'missing.json'), Buffer.from(byteLevelTokenizerJson()));
    const text = 'def add(a, b):\n    return a + b\n';
    assert.deepEqual(await fromBytes.encode(text), await tokenizer.encode(text));
    assert.deepEqual(fromBytes.lastToken, tokenizer.lastToken);
  });
});
