/**
 * The bytes behind byte-level BPE tokens (GPT-2's scheme, the one Diffuse's tokenizers use). Such a
 * tokenizer writes every byte as one printable character (`bytes_to_unicode`: a space is 'Ġ'), so
 * a token is a string of those characters and decoding maps each back to its byte. Decoding here
 * rather than in the library lets `decodeWholeCharacters` see the bytes before they become text.
 */

/** The parts of tokenizer.json the tokenizer module reads. */
export interface TokenizerJson {
  readonly decoder?: { readonly type?: string } | null;
  /** token → id; a Unigram model's is a list of `[token, score]` whose ids are its indices */
  readonly model?: { readonly vocab?: Readonly<Record<string, number>> | ReadonlyArray<readonly [string, number]> };
  readonly added_tokens?: ReadonlyArray<{ readonly id: number; readonly content: string; readonly special?: boolean }>;
}

/** Every token as tokenizer.json spells it, with its id: `model.vocab`, then `added_tokens`. */
export function tokenSpellings(json: TokenizerJson): Array<[string, number]> {
  const vocab = json.model?.vocab ?? {};
  return [
    ...(Array.isArray(vocab) ? vocab.map(([text]: readonly [string, number], id): [string, number] => [text, id]) : Object.entries(vocab)),
    ...(json.added_tokens ?? []).map((t): [string, number] => [t.content, t.id]),
  ];
}

/** GPT-2's `bytes_to_unicode`, inverted: printable character → the byte it stands for. */
function characterBytes(): Map<string, number> {
  const printable = (from: number, to: number): number[] => Array.from({ length: to - from + 1 }, (_, k) => from + k);
  const bytes = [...printable(0x21, 0x7e), ...printable(0xa1, 0xac), ...printable(0xae, 0xff)];
  const codes = [...bytes];
  let shifted = 0;
  for (let b = 0; b < 256; b++) {
    if (bytes.includes(b)) continue;
    bytes.push(b);
    codes.push(256 + shifted++);
  }
  return new Map(codes.map((code, k) => [String.fromCharCode(code), bytes[k]]));
}

/**
 * For a tokenizer whose decoder is ByteLevel: a function from ids to the bytes they decode to, as
 * the library's ByteLevel decoder computes them (a character outside the byte table, as in an added
 * token's text, stands for its own UTF-8). Undefined for any other decoder.
 * @param spellings `tokenSpellings` of the same tokenizer.json
 */
export function byteLevelBytes(json: TokenizerJson, spellings: ReadonlyArray<readonly [string, number]>): ((ids: readonly number[]) => Uint8Array) | undefined {
  if (json.decoder?.type !== 'ByteLevel') return undefined;
  const table = characterBytes();
  const tokens: Uint8Array[] = [];
  for (const [text, id] of spellings) {
    const bytes: number[] = [];
    for (const char of text) {
      const byte = table.get(char);
      if (byte === undefined) bytes.push(...Buffer.from(char, 'utf8'));
      else bytes.push(byte);
    }
    tokens[id] = Uint8Array.from(bytes);
  }
  return (ids) => {
    const parts = ids.map((id) => tokens[id] ?? new Uint8Array(0));
    return Buffer.concat(parts);
  };
}
