import * as assert from 'node:assert/strict';
import { HolesApartError, InvalidRequestError } from '../../src/core/errors';
import { buildCanvas } from '../../src/infill/canvas';
import { firstTokens, lastTokens } from '../../src/infill/window';
import * as path from 'node:path';
import { loadTokenizer } from '../../src/tokenizer';
import { FAKE_SPECIAL, FakeTokenizer } from './helpers/fakeTokenizer';

const MASK = FAKE_SPECIAL.mask;
const EOS = FAKE_SPECIAL.eos;
const SPEC = { maskId: MASK, eosId: EOS };

/** `words` words `w0 w1 …`: 2 tokens each (the word and a space) with the fake tokenizer. */
function words(from: number, count: number): string {
  return Array.from({ length: count }, (_, i) => `w${from + i} `).join('');
}

describe('infill canvas', () => {
  it('lays out [eos][prefix][masks][suffix][eos], each piece tokenized on its own', async () => {
    const tokenizer = new FakeTokenizer();
    const text = 'x = foo(a, b)\nreturn x';
    const start = text.indexOf('foo');
    const end = text.indexOf('\n');
    const canvas = await buildCanvas(tokenizer, SPEC, { text, holes: [{ start, end }] }, [5], 64);
    const prefix = await tokenizer.ids(text.slice(0, start));
    const suffix = await tokenizer.ids(text.slice(end));
    assert.deepEqual(Array.from(canvas.ids), [EOS, ...prefix, ...Array(5).fill(MASK), ...suffix, EOS]);
    assert.deepEqual(canvas.holes, [{ start: 1 + prefix.length, slots: 5 }]);
    assert.equal(canvas.prefixTokens, 1 + prefix.length);
    assert.equal(canvas.suffixTokens, suffix.length + 1);
  });

  it('marks the document start and end only where the canvas reaches them and has room', async () => {
    const tokenizer = new FakeTokenizer();
    let canvas = await buildCanvas(tokenizer, SPEC, { text: 'abc', holes: [{ start: 0, end: 0 }] }, [4], 16);
    assert.deepEqual(Array.from(canvas.ids), [EOS, MASK, MASK, MASK, MASK, ...(await tokenizer.ids('abc')), EOS]);
    // The whole text fits, but not the markers: text wins.
    canvas = await buildCanvas(tokenizer, SPEC, { text: 'a b', holes: [{ start: 1, end: 2 }] }, [4], 6);
    assert.deepEqual(Array.from(canvas.ids), [EOS, ...(await tokenizer.ids('a')), MASK, MASK, MASK, MASK]);
    canvas = await buildCanvas(tokenizer, SPEC, { text: 'a b', holes: [{ start: 1, end: 2 }] }, [4], 5);
    assert.deepEqual(Array.from(canvas.ids), [...(await tokenizer.ids('a')), MASK, MASK, MASK, MASK]);
  });

  it('respects the budget and gives the prefix three quarters of the room', async () => {
    const tokenizer = new FakeTokenizer();
    const text = words(0, 100) + words(100, 100);
    const at = words(0, 100).length;
    const canvas = await buildCanvas(tokenizer, SPEC, { text, holes: [{ start: at, end: at }] }, [8], 48);
    assert.equal(canvas.ids.length, 48);
    assert.equal(canvas.prefixTokens, 30); // ceil(40 * 3/4)
    assert.equal(canvas.suffixTokens, 10);
    // The prefix window is the END of the prefix, the suffix window the START of the suffix.
    assert.deepEqual(Array.from(canvas.ids.subarray(0, 30)), await tokenizer.ids(words(85, 15)));
    assert.deepEqual(Array.from(canvas.ids.subarray(38)), await tokenizer.ids(words(100, 5)));
  });

  it('gives the room a short suffix leaves to the prefix, and the other way round', async () => {
    const tokenizer = new FakeTokenizer();
    const longPrefix = words(0, 100);
    const shortSuffix = 'end';
    let canvas = await buildCanvas(tokenizer, SPEC, { text: longPrefix + shortSuffix, holes: [{ start: longPrefix.length, end: longPrefix.length }] }, [8], 48);
    assert.deepEqual([canvas.prefixTokens, canvas.suffixTokens, canvas.ids.length], [39, 1, 48]);

    canvas = await buildCanvas(tokenizer, SPEC, { text: 'a' + words(0, 100), holes: [{ start: 1, end: 1 }] }, [8], 48);
    assert.deepEqual([canvas.prefixTokens, canvas.suffixTokens, canvas.ids.length], [2, 38, 48]);
    assert.equal(canvas.ids[0], EOS);
  });

  it('keeps every hole and the text between them, in order, filled jointly on one canvas', async () => {
    const tokenizer = new FakeTokenizer();
    const text = 'f(a, b) + g(c) + h';
    const holes = [
      { start: 2, end: 6 },
      { start: 12, end: 13 },
    ];
    const canvas = await buildCanvas(tokenizer, SPEC, { text, holes }, [4, 3], 64);
    const expected = [
      EOS, ...(await tokenizer.ids('f(')), ...Array(4).fill(MASK),
      ...(await tokenizer.ids(') + g(')), ...Array(3).fill(MASK),
      ...(await tokenizer.ids(') + h')), EOS,
    ];
    assert.deepEqual(Array.from(canvas.ids), expected);
    assert.deepEqual(canvas.holes.map((h) => h.slots), [4, 3]);
    assert.equal(canvas.holes[1].start, 1 + (await tokenizer.ids('f(')).length + 4 + (await tokenizer.ids(') + g(')).length);
  });

  it('refuses a hole larger than the budget, and holes that fit it alone but not together as holes to fill apart', async () => {
    const tokenizer = new FakeTokenizer();
    await assert.rejects(
      buildCanvas(tokenizer, SPEC, { text: 'abc', holes: [{ start: 1, end: 1 }] }, [40], 32),
      (e: unknown) => e instanceof InvalidRequestError && !(e instanceof HolesApartError) && /a hole needs 40 slots/.test((e as Error).message),
    );
    await assert.rejects(
      buildCanvas(tokenizer, SPEC, { text: 'a b c', holes: [{ start: 1, end: 1 }, { start: 3, end: 3 }] }, [20, 20], 32),
      (e: unknown) => e instanceof HolesApartError && /need 4\d tokens/.test((e as Error).message),
    );
  });

  it('never cuts an emoji or a CJK character split over several tokens', async () => {
    const tokenizer = new FakeTokenizer();
    // "😀" is 4 byte tokens and "漢" 3, each reporting the whole character's offsets.
    const prefix = 'a 😀漢';
    const encoded = await tokenizer.encode(prefix);
    assert.equal(encoded.ids.length, 2 + 4 + 3);
    for (let n = 0; n <= encoded.ids.length; n++) {
      const tail = await tokenizer.decode(lastTokens(encoded, n));
      assert.ok(prefix.endsWith(tail) && !tail.includes('\uFFFD'), `last ${n} tokens decode to ${JSON.stringify(tail)}`);
      const head = await tokenizer.decode(firstTokens(encoded, n));
      assert.ok(prefix.startsWith(head) && !head.includes('\uFFFD'), `first ${n} tokens decode to ${JSON.stringify(head)}`);
    }
    assert.equal(await tokenizer.decode(lastTokens(encoded, 5)), '漢');
    assert.equal(await tokenizer.decode(firstTokens(encoded, 5)), 'a ');
  });

  it('cuts a canvas with astral characters at the window edges into whole characters', async () => {
    const tokenizer = new FakeTokenizer();
    const emoji = '😀'.repeat(30);
    const text = emoji + '|' + emoji;
    for (const budget of [13, 14, 15, 16, 17, 18]) {
      const canvas = await buildCanvas(tokenizer, SPEC, { text, holes: [{ start: 60, end: 61 }] }, [2], budget);
      assert.ok(canvas.ids.length <= budget);
      const ids = Array.from(canvas.ids);
      const prefix = await tokenizer.decode(ids.slice(0, canvas.prefixTokens));
      const suffix = await tokenizer.decode(ids.slice(canvas.prefixTokens + 2));
      assert.match(prefix + suffix, /^(😀)*$/u, `budget ${budget}`);
      assert.equal(canvas.prefixTokens % 4, 0);
      assert.equal(canvas.suffixTokens % 4, 0);
    }
  });
});

describe('infill windows with the fixture tokenizer', () => {
  it('cut only between whole characters of real byte-level BPE tokens', async () => {
    const tokenizer = await loadTokenizer(path.join(__dirname, '..', '..', '..', 'test', 'fixtures', 'tiny-model', 'tokenizer.json'));
    const text = 'x = "héllo wörld 🎉🎉"\n    return 中文字 # ok';
    const encoded = await tokenizer.encode(text);
    for (let n = 0; n <= encoded.ids.length; n++) {
      const tail = await tokenizer.decode(lastTokens(encoded, n));
      const head = await tokenizer.decode(firstTokens(encoded, n));
      assert.ok(text.endsWith(tail) && !tail.includes('\uFFFD'), `last ${n}: ${JSON.stringify(tail)}`);
      assert.ok(text.startsWith(head) && !head.includes('\uFFFD'), `first ${n}: ${JSON.stringify(head)}`);
      assert.ok(lastTokens(encoded, n).length >= n - 3, 'a cut backs off at most one character');
    }
  });

  it('keeps document text that spells a special token as that text: no mask, padding or end-of-text id outside the holes and markers', async () => {
    const tokenizer = await loadTokenizer(path.join(__dirname, '..', '..', '..', 'test', 'fixtures', 'tiny-model', 'tokenizer.json'));
    const spec = { maskId: 1, eosId: 2 };
    const before = 'MASK = "<|mask|>"\nPAD = "<|pad|>';
    const between = '"\nEOS = "<|endoftext|><|mask|>';
    const after = '"\n# <|pad|>';
    const text = before + between + after;
    const holes = [{ start: before.length, end: before.length }, { start: before.length + between.length, end: before.length + between.length }];
    const canvas = await buildCanvas(tokenizer, spec, { text, holes }, [3, 2], 256);
    const ids = Array.from(canvas.ids);
    const [first, second] = canvas.holes;
    const context = [ids.slice(1, first.start), ids.slice(first.start + first.slots, second.start), ids.slice(second.start + second.slots, -1)];
    assert.deepEqual([ids[0], ids.at(-1)], [2, 2]);
    assert.ok(context.flat().every((id) => !tokenizer.specialTokens.has(id)), 'no special id in the context');
    assert.deepEqual(await Promise.all(context.map((piece) => tokenizer.decode(piece))), [before, between, after]);
  });
});
