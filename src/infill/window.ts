import type { Encoded, TextTokenizer } from '../tokenizer';
import { isInsideSurrogatePair } from './unicode';

/**
 * Context windows cut at token boundaries that are also clean character boundaries. Byte-level
 * BPE can split one character (an emoji, a CJK ideograph) over several tokens, all reporting the
 * character's offsets; cutting between them would leave half a character's bytes on the canvas.
 */

/**
 * Generous upper bound on characters per token, so only a slice of a long document is encoded.
 * A window that ends up with fewer tokens than wanted just gives the model less context.
 */
export const MAX_CHARS_PER_TOKEN = 16;

/** A slice of the context, encoded; `whole` when the slice is all of it. */
export interface EncodedSlice {
  readonly encoded: Encoded;
  readonly whole: boolean;
}

/** The last characters of `prefix` likely to hold `tokens` tokens, encoded. */
export async function encodePrefixTail(tokenizer: TextTokenizer, prefix: string, tokens: number): Promise<EncodedSlice> {
  let start = Math.max(0, prefix.length - tokens * MAX_CHARS_PER_TOKEN);
  if (isInsideSurrogatePair(prefix, start)) start++;
  return { encoded: await tokenizer.encodeText(prefix.slice(start)), whole: start === 0 };
}

/** The first characters of `suffix` likely to hold `tokens` tokens, encoded. */
export async function encodeSuffixHead(tokenizer: TextTokenizer, suffix: string, tokens: number): Promise<EncodedSlice> {
  let end = Math.min(suffix.length, tokens * MAX_CHARS_PER_TOKEN);
  if (isInsideSurrogatePair(suffix, end)) end--;
  return { encoded: await tokenizer.encodeText(suffix.slice(0, end)), whole: end === suffix.length };
}

/** The ids of the longest tail of `encoded` with at most `tokens` tokens that starts on a clean cut. */
export function lastTokens(encoded: Encoded, tokens: number): number[] {
  for (let first = Math.max(0, encoded.ids.length - tokens); first < encoded.ids.length; first++) {
    if (isCleanCut(encoded, first)) return encoded.ids.slice(first);
  }
  return [];
}

/** The ids of the longest head of `encoded` with at most `tokens` tokens that ends on a clean cut. */
export function firstTokens(encoded: Encoded, tokens: number): number[] {
  for (let end = Math.min(tokens, encoded.ids.length); end > 0; end--) {
    if (isCleanCut(encoded, end)) return encoded.ids.slice(0, end);
  }
  return [];
}

/** Whether the text can be cut between token `index - 1` and token `index`. */
function isCleanCut({ ids, offsets }: Encoded, index: number): boolean {
  if (index === 0 || index === ids.length) return true;
  return offsets[index][0] >= offsets[index - 1][1];
}
