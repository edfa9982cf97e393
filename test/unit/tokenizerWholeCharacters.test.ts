import * as assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import * as path from 'node:path';
import { Tokenizer } from 'tokenizers';
import { Rng } from '../../src/core/rng';
import { loadTokenizer, type TextTokenizer } from '../../src/tokenizer';
import { decodeWholeCharacters } from '../../src/tokenizer/utf8';

const ROOT = packageRoot(__dirname);
const BUNDLED_TOKENIZER = path.join(ROOT, 'models', 'diffuse-small', 'tokenizer.json');
const PROMPTS = path.join(ROOT, 'test', 'fixtures', 'non-ascii-prompts.jsonl');

function packageRoot(from: string): string {
  return existsSync(path.join(from, 'package.json')) ? from : packageRoot(path.dirname(from));
}

const bytes = (...values: number[]): Uint8Array => Uint8Array.from(values);
const utf8 = (text: string): number[] => [...Buffer.from(text, 'utf8')];

describe('whole characters', () => {
  describe('decodeWholeCharacters', () => {
    it('decodes well-formed UTF-8 as any decoder does', () => {
      const text = 'a é 漢 😀 👩‍💻 \u0000 \u{10FFFF}';
      assert.equal(decodeWholeCharacters(Uint8Array.from(utf8(text))), text);
    });

    it('leaves out the bytes of a character cut at either end', () => {
      const emoji = utf8('😀'); // F0 9F 98 80
      assert.equal(decodeWholeCharacters(bytes(...emoji.slice(2), ...utf8('ok'), ...emoji.slice(0, 3))), 'ok');
      assert.equal(decodeWholeCharacters(bytes(...utf8('é').slice(0, 1))), '');
    });

    it('leaves out ill-formed sequences inside the text, keeping what follows them', () => {
      const cases: Array<[number[], string]> = [
        [[0x61, 0x80, 0x62], 'ab'], // a lone continuation byte
        [[0xc0, 0x80, 0x63], 'c'], // an overlong NUL
        [[0xed, 0xa0, 0x80, 0x64], 'd'], // a UTF-16 surrogate
        [[0xf4, 0x90, 0x80, 0x80, 0x65], 'e'], // above U+10FFFF
        [[0xe2, 0x82, 0x41], 'A'], // a 3-byte lead cut short by ASCII
        [[0xff, 0xfe, ...utf8('λ')], 'λ'],
      ];
      for (const [input, expected] of cases) assert.equal(decodeWholeCharacters(Uint8Array.from(input)), expected, JSON.stringify(input));
    });
  });

  describe('the tokenizer decodes byte-level tokens to whole characters', function () {
    this.timeout(20_000);
    let ours: TextTokenizer;
    let library: Tokenizer;
    before(async () => {
      ours = await loadTokenizer(BUNDLED_TOKENIZER);
      library = Tokenizer.fromFile(BUNDLED_TOKENIZER);
    });

    it('as the library does wherever the library writes no U+FFFD; without U+FFFD where it would', async () => {
      const rng = new Rng(13);
      const sequences: number[][] = Array.from({ length: ours.vocabSize }, (_, id) => [id]);
      for (let i = 0; i < 2000; i++) sequences.push(Array.from({ length: 1 + Math.floor(rng.nextUniform() * 12) }, () => Math.floor(rng.nextUniform() * ours.vocabSize)));
      // A token that spells U+FFFD itself (the training text had one) decodes to it, as a whole character.
      const genuine = new Set<number>();
      for (let id = 0; id < ours.vocabSize; id++) if ((await ours.decode([id])).includes('\uFFFD')) genuine.add(id);
      assert.ok(genuine.size <= 2, `tokens that spell U+FFFD: ${[...genuine]}`);
      let lossy = 0;
      for (const ids of sequences) {
        const expected = await library.decode(ids, false);
        const actual = await ours.decode(ids);
        if (!ids.some((id) => genuine.has(id))) assert.ok(!actual.includes('\uFFFD'), JSON.stringify(ids));
        if (expected.includes('\uFFFD')) lossy++;
        else assert.equal(actual, expected, JSON.stringify(ids));
      }
      assert.ok(lossy > 100, `the sample holds partial characters (${lossy})`);
    });

    it('and still round-trips text through encode', async () => {
      for (const line of readFileSync(PROMPTS, 'utf8').split('\n').filter(Boolean)) {
        const { prefix, suffix } = JSON.parse(line) as { prefix: string; suffix: string };
        assert.equal(await ours.decode((await ours.encode(prefix + suffix)).ids), prefix + suffix);
      }
    });
  });

  it('the bundled model writes no U+FFFD into completions of the non-ASCII prompts (CLI, default options)', function () {
    this.timeout(120_000);
    const lines = readFileSync(PROMPTS, 'utf8').split('\n').filter((line) => /[^\u0020-\u007e]/.test(line));
    assert.ok(lines.length >= 60, `${lines.length} non-ASCII prompts`);
    const run = spawnSync(process.execPath, [path.join(ROOT, 'dist', 'cli.js'), 'infill', '--ep', 'cpu'], { input: lines.join('\n'), encoding: 'utf8' });
    assert.equal(run.status, 0, run.stderr);
    const records = run.stdout.trim().split('\n').map((line) => JSON.parse(line) as { task_id: string; completion?: string });
    assert.equal(records.length, lines.length);
    assert.deepEqual(records.filter((r) => typeof r.completion !== 'string' || r.completion.includes('\uFFFD')), []);
  });
});
