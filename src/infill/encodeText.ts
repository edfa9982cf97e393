import type { Encoded, TextTokenizer } from '../tokenizer';

/**
 * Document text encoded as the characters it is. The tokenizer maps text that spells a special
 * token to the token's id (`<|mask|>` in a tokenizer's own source, `<|endoftext|>` in a training
 * script), as the Python library does; on a canvas that id would be a hole to the sampler (the
 * mask), room a growing hole takes (padding) or a document boundary (end-of-text). So each such
 * spelling is cut after its first character and the pieces encoded apart, which no special token
 * matches; offsets stay the text's own. Training reads its documents the same way
 * (training/diffuse/tokenizer.py `load_for_text`; test/fixtures/tokenizer-golden.json's `text_ids`).
 */
export async function encodeText(tokenizer: TextTokenizer, text: string): Promise<Encoded> {
  const cuts = specialSpellingCuts(text, tokenizer.specialTokens);
  if (cuts.length === 0) return tokenizer.encode(text);
  const encoded: Encoded = { ids: [], offsets: [] };
  const bounds = [0, ...cuts, text.length];
  for (let i = 1; i < bounds.length; i++) {
    const from = bounds[i - 1];
    const piece = await tokenizer.encode(text.slice(from, bounds[i]));
    encoded.ids.push(...piece.ids);
    encoded.offsets.push(...piece.offsets.map(([start, end]): [number, number] => [from + start, from + end]));
  }
  return encoded;
}

/** Ascending offsets just after the first character of every spelling of a special token in `text`. */
function specialSpellingCuts(text: string, specialTokens: ReadonlyMap<number, string>): number[] {
  const cuts = new Set<number>();
  for (const spelling of specialTokens.values()) {
    // a single character cannot be cut
    if ([...spelling].length < 2) continue;
    const first = spelling.codePointAt(0)! > 0xffff ? 2 : 1;
    for (let at = text.indexOf(spelling); at >= 0; at = text.indexOf(spelling, at + 1)) cuts.add(at + first);
  }
  return [...cuts].sort((a, b) => a - b);
}
