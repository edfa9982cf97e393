import * as assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import * as path from 'node:path';
import { columnAfter, nextTabStop, normalizeIndentation } from '../../src/infill';

const ROOT = packageRoot(__dirname);
const PROMPTS = path.join(ROOT, 'test', 'fixtures', 'non-ascii-prompts.jsonl');

function packageRoot(from: string): string {
  return existsSync(path.join(from, 'package.json')) ? from : packageRoot(path.dirname(from));
}

/** The non-ASCII prompts' prefixes (emoji, CJK, Hebrew, Arabic, Cyrillic, accents). */
const prefixes = (): string[] => readFileSync(PROMPTS, 'utf8').split('\n').filter(Boolean).map((line) => JSON.parse(line).prefix as string);

describe('infill: the column after a text (columnAfter)', () => {
  it('reaches the next tab stop at a tab, one column further at anything else', () => {
    assert.equal(columnAfter('', 4), 0);
    assert.equal(columnAfter('abc', 4), 3);
    assert.equal(columnAfter('\t', 4), 4);
    assert.equal(columnAfter('ab\t', 4), 4);
    assert.equal(columnAfter('abcd\t', 4), 8, 'a tab on a tab stop reaches the next one');
    assert.equal(columnAfter(' \t \t', 3), 6);
    assert.equal(columnAfter('\tx', 8), 9);
  });

  it('counts from the column the text begins at', () => {
    assert.equal(columnAfter('\t', 4, 1), 4);
    assert.equal(columnAfter('\t\t', 3, 2), 6);
    assert.equal(columnAfter('ab', 4, 5), 7);
  });

  it('counts UTF-16 units, as VS Code\'s line renderer places tab stops: a character outside the BMP takes two columns', () => {
    assert.equal(columnAfter('😀', 4), 2);
    assert.equal(columnAfter('😀😀\t', 4), 8, 'two emoji reach column 4: the tab goes on to 8 (code points would reach 2, then 4)');
    assert.equal(columnAfter('𝑥\t', 2), 4, 'a mathematical letter (U+1D465, not an emoji) too');
    assert.equal(columnAfter('👍🏽\t', 4), 8, 'an emoji with its skin tone: two surrogate pairs, four columns');
    assert.equal(columnAfter('e\u0301\t', 2), 4, 'a combining accent: one unit, one column');
    assert.equal(columnAfter('é\t', 2), 2, 'a precomposed é: one');
    assert.equal(columnAfter('naïve Ωμέγα русский שלום مرحبا\t', 4), 32);
  });

  it('counts a full-width character two columns, as VS Code draws it: CJK, kana, Hangul, full-width forms', () => {
    assert.equal(columnAfter('数据', 4), 4);
    assert.equal(columnAfter('数据 = ', 4), 7);
    assert.equal(columnAfter('数 =\t', 4), 8, 'four columns: the tab goes on to 8 (one column for 数 would stop at 4)');
    assert.equal(columnAfter('かな한글', 8), 8);
    assert.equal(columnAfter('Ａ１', 4), 4, 'full-width Latin letters and digits (U+FF21, U+FF11)');
    assert.equal(columnAfter('ｱｲ', 4), 2, 'half-width katakana (U+FF71): one column each');
    assert.equal(columnAfter('\u2e7f\u2e80', 4), 3, 'the range begins at the CJK radicals (U+2E80)');
    assert.equal(columnAfter('\ud7af\ud7b0', 4), 3, 'and ends with the Hangul block (U+D7AF)');
  });

  it('holds on the non-ASCII prompts: a prompt\'s last line without East Asian script is as wide as its UTF-16 length, one with it wider', () => {
    const lines = prefixes().map((prefix) => prefix.slice(prefix.lastIndexOf('\n') + 1));
    assert.ok(lines.length >= 100, `${lines.length} prompts`);
    const eastAsian = /[\p{Script=Han}\p{Script=Hiragana}\p{Script=Katakana}\p{Script=Hangul}]/u;
    let astral = 0;
    let wide = 0;
    for (const line of lines) {
      assert.ok(!line.includes('\t'), JSON.stringify(line));
      for (const tabSize of [2, 4, 8]) {
        const columns = columnAfter(line, tabSize);
        assert.equal(columnAfter(`${line}\t`, tabSize), nextTabStop(columns, tabSize), JSON.stringify(line));
        if (eastAsian.test(line)) {
          assert.ok(columns > line.length, JSON.stringify(line));
          wide++;
          continue;
        }
        assert.equal(columns, line.length, JSON.stringify(line));
        if (nextTabStop([...line].length, tabSize) !== nextTabStop(line.length, tabSize)) astral++;
      }
    }
    assert.ok(astral > 0, 'no prompt where counting code points would move a tab stop');
    assert.ok(wide > 0, 'no prompt with East Asian script');
  });

  it('is the width of an indentation that normalizeIndentation respells', () => {
    assert.equal(normalizeIndentation('x\n\t  y', { insertSpaces: true, tabSize: 4 }), 'x\n      y');
    assert.equal(normalizeIndentation('x\n  \ty', { insertSpaces: true, tabSize: 4 }), 'x\n    y', 'two spaces, then a tab to column 4');
    assert.equal(normalizeIndentation('x\n      y', { insertSpaces: false, tabSize: 4 }), 'x\n\t  y');
  });
});
