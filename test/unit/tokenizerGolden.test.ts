import * as assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { loadTokenizer, type TextTokenizer } from '../../src/tokenizer';

// Checked-in fixtures written by training/ with the Python `tokenizers` library; a missing file is a failure.
const repoRoot = path.resolve(__dirname, '../../..');

interface GoldenCase {
  /** tokenizer.json that produced the ids, relative to the repository root. */
  tokenizer: string;
  text: string;
  ids: number[];
}

describe('tokenizer parity with the Python library (tokenizer-golden.json)', () => {
  it('encodes every golden text to the golden ids and decodes them back', async () => {
    const golden = path.join(repoRoot, 'test', 'fixtures', 'tokenizer-golden.json');
    const cases = JSON.parse(readFileSync(golden, 'utf8')) as GoldenCase[];
    assert.ok(cases.length > 0, 'tokenizer-golden.json has no cases');
    const tokenizers = new Map<string, TextTokenizer>();
    for (const { tokenizer: file, text, ids } of cases) {
      const tokenizer = tokenizers.get(file) ?? (await loadTokenizer(path.join(repoRoot, file)));
      tokenizers.set(file, tokenizer);
      const encoded = await tokenizer.encode(text);
      assert.deepEqual(encoded.ids, ids, `ids differ for ${JSON.stringify(text)}`);
      assert.equal(await tokenizer.decode(ids), text);
    }
  });
});
