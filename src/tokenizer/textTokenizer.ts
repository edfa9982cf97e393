import { readFile } from 'node:fs/promises';
import { Tokenizer } from 'tokenizers';
import { InvalidRequestError, ModelLoadError } from '../core/errors';
import { byteLevelBytes, tokenSpellings, type TokenizerJson } from './byteLevel';
import { codePointToUtf16Offsets } from './utf16Offsets';
import { decodeWholeCharacters } from './utf8';

/** Token ids and, for each, the UTF-16 range `[start, end)` of the text it came from. */
export interface Encoded {
  ids: number[];
  offsets: Array<[number, number]>;
}

export interface TextTokenizer {
  /** Vocabulary size including added (special) tokens: the logits width a model must have. */
  readonly vocabSize: number;
  /** tokenizer.json's special tokens (`added_tokens` marked `special`), id → text. */
  readonly specialTokens: ReadonlyMap<number, string>;
  /** No special tokens are added; text that spells a special token (`<|mask|>`) maps to its id, as in Python. `''` → `[]`. */
  encode(text: string): Promise<Encoded>;
  /**
   * Document text as the characters it is: a spelling of a special token is encoded as plain text,
   * never as the token, which on a canvas would be a hole (the mask), room a growing hole takes
   * (padding) or a document boundary. As training reads its documents (training/diffuse/tokenizer.py
   * `load_for_text`, the library's `encode_special_tokens`); `''` → `[]`.
   */
  encodeText(text: string): Promise<Encoded>;
  /**
   * The exact inverse of `encode` on byte-level BPE, special tokens included. `[]` → `''`.
   * Whole characters only: bytes that do not form a complete UTF-8 character (a fill that stops
   * inside an emoji) are left out, never decoded as U+FFFD. `InvalidRequestError` for an id
   * outside the vocabulary.
   */
  decode(ids: readonly number[]): Promise<string>;
}

/** A tokenizer as loaded from its file, with what the model folder checks the file by. */
export interface LoadedTokenizer extends TextTokenizer {
  /**
   * The token with the largest id in tokenizer.json (`model.vocab`, `added_tokens`), as the file
   * spells it; undefined for a file without tokens. `vocabSize` is a count, which can match a
   * model's vocabulary while one id lies past it (a gap below).
   */
  readonly lastToken: { readonly id: number; readonly text: string } | undefined;
}

/**
 * Loads a Hugging Face `tokenizer.json` with `tokenizers`, HF's own Node binding: the same Rust
 * core as the Python library that trained it, so ids match the training side exactly.
 * @param bytes the file's content, when the caller has read it already (the model folder hashes it first)
 */
export async function loadTokenizer(file: string, bytes?: Buffer): Promise<LoadedTokenizer> {
  let json: string;
  try {
    json = (bytes ?? (await readFile(file))).toString('utf8');
  } catch (error) {
    throw new ModelLoadError(file, `cannot read the tokenizer: ${(error as Error).message}`, { cause: error });
  }
  try {
    const tokenizer = Tokenizer.fromString(json);
    const parsed = JSON.parse(json) as TokenizerJson;
    const specialTokens = new Map((parsed.added_tokens ?? []).filter((t) => t.special).map((t) => [t.id, t.content]));
    // The same tokenizer without its added tokens matches none of their spellings: the Node binding
    // has no `encode_special_tokens` switch, and this is what the switch does in the Rust core.
    const textTokenizer = Tokenizer.fromString(JSON.stringify({ ...parsed, added_tokens: [] }));
    const spellings = tokenSpellings(parsed);
    let lastToken: LoadedTokenizer['lastToken'];
    for (const [text, id] of spellings) if (!lastToken || id > lastToken.id) lastToken = { id, text };
    return new HfTokenizer(tokenizer, textTokenizer, specialTokens, byteLevelBytes(parsed, spellings), lastToken);
  } catch (error) {
    throw new ModelLoadError(file, `not a valid tokenizer.json: ${(error as Error).message}`, { cause: error });
  }
}

class HfTokenizer implements LoadedTokenizer {
  readonly vocabSize: number;

  /** @param bytes ids → bytes for a byte-level tokenizer (see `byteLevelBytes`); other decoders decode through the library. */
  constructor(
    private readonly tokenizer: Tokenizer,
    private readonly textTokenizer: Tokenizer,
    readonly specialTokens: ReadonlyMap<number, string>,
    private readonly bytes: ((ids: readonly number[]) => Uint8Array) | undefined,
    readonly lastToken: LoadedTokenizer['lastToken'],
  ) {
    this.vocabSize = tokenizer.getVocabSize(true);
  }

  encode(text: string): Promise<Encoded> {
    return encodeWith(this.tokenizer, text);
  }

  encodeText(text: string): Promise<Encoded> {
    return encodeWith(this.textTokenizer, text);
  }

  decode(ids: readonly number[]): Promise<string> {
    // The binding silently drops unknown ids and truncates fractions, which would hide a caller's bug.
    const bad = ids.find((id) => !Number.isInteger(id) || id < 0 || id >= this.vocabSize);
    if (bad !== undefined) {
      return Promise.reject(new InvalidRequestError(`cannot decode token id ${bad}: ids lie in [0, ${this.vocabSize})`));
    }
    if (this.bytes) return Promise.resolve(decodeWholeCharacters(this.bytes(ids)));
    // Special tokens are kept: dropping them would break the round trip on text that contains one.
    return this.tokenizer.decode([...ids], false);
  }
}

async function encodeWith(tokenizer: Tokenizer, text: string): Promise<Encoded> {
  const encoding = await tokenizer.encode(text, null, { addSpecialTokens: false });
  return { ids: encoding.getIds(), offsets: codePointToUtf16Offsets(text, encoding.getOffsets()) };
}
