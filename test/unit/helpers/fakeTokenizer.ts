import type { Encoded, TextTokenizer } from '../../../src/tokenizer';

/**
 * A deterministic stand-in for a byte-level BPE tokenizer, for tests that must not depend on a
 * trained tokenizer.json. Text splits into runs of whitespace, runs of ASCII word characters and
 * single ASCII symbols, one token each; every other character becomes one token per UTF-8 byte,
 * all carrying that character's UTF-16 offsets — as a byte-level BPE splits a rare emoji or CJK
 * character. Word ids are assigned on first sight; `decode` is the exact inverse of `encode`.
 *
 * Ids: 0 `<|pad|>`, 1 `<|mask|>`, 2 `<|endoftext|>`, 3..258 the 256 bytes, 259.. words.
 */
export const FAKE_SPECIAL = { pad: 0, mask: 1, eos: 2 } as const;
const SPECIAL_TEXT = ['<|pad|>', '<|mask|>', '<|endoftext|>'];
const BYTE_BASE = 3;
const WORD_BASE = BYTE_BASE + 256;

// eslint-disable-next-line no-control-regex -- every ASCII character, control ones included, is a token
const PIECES = /\s+|[A-Za-z0-9_]+|[\x00-\x7f]|[^\x00-\x7f]/gu;

export class FakeTokenizer implements TextTokenizer {
  private readonly words: string[] = [];
  private readonly wordIds = new Map<string, number>();

  readonly specialTokens: ReadonlyMap<number, string> = new Map(SPECIAL_TEXT.map((text, id) => [id, text]));

  constructor(readonly vocabSize = 4096) {}

  async encode(text: string): Promise<Encoded> {
    const ids: number[] = [];
    const offsets: Array<[number, number]> = [];
    for (const match of text.matchAll(PIECES)) {
      const piece = match[0];
      const range: [number, number] = [match.index, match.index + piece.length];
      if (piece.charCodeAt(0) < 0x80) {
        ids.push(this.wordId(piece));
        offsets.push(range);
      } else {
        for (const byte of new TextEncoder().encode(piece)) {
          ids.push(BYTE_BASE + byte);
          offsets.push(range);
        }
      }
    }
    return { ids, offsets };
  }

  async decode(ids: readonly number[]): Promise<string> {
    const bytes: number[] = [];
    for (const id of ids) {
      if (id >= BYTE_BASE && id < WORD_BASE) bytes.push(id - BYTE_BASE);
      else bytes.push(...new TextEncoder().encode(id < BYTE_BASE ? SPECIAL_TEXT[id] : this.words[id - WORD_BASE]));
    }
    return new TextDecoder().decode(Uint8Array.from(bytes));
  }

  /** As `encode`: this stand-in never reads a special token's spelling as the token. */
  encodeText(text: string): Promise<Encoded> {
    return this.encode(text);
  }

  /** Ids for `text`, for tests that script what a fake model answers. */
  async ids(text: string): Promise<number[]> {
    return (await this.encode(text)).ids;
  }

  private wordId(word: string): number {
    let id = this.wordIds.get(word);
    if (id === undefined) {
      id = WORD_BASE + this.words.length;
      if (id >= this.vocabSize) throw new Error(`FakeTokenizer: vocabulary of ${this.vocabSize} is full`);
      this.words.push(word);
      this.wordIds.set(word, id);
    }
    return id;
  }
}
