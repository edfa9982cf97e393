/**
 * Python's triple-quoted strings, read by parity: the delimiters of one kind pair off in turn from
 * the start of the text, so one in a comment or inside a string of the other kind counts too. No
 * tokenizer: one pass on a long file, and right in the code people write.
 */
export const TRIPLE_QUOTES = ['"""', "'''"] as const;

/** One string: from its opening delimiter's first character to past its closing one (Infinity while unclosed). */
export interface TripleQuoted {
  readonly open: number;
  readonly close: number;
}

/** The strings `quote` (one of TRIPLE_QUOTES) delimits in `text`, in order. */
export function tripleQuoted(text: string, quote: string): TripleQuoted[] {
  const strings: TripleQuoted[] = [];
  for (let open = text.indexOf(quote); open >= 0; ) {
    const closing = text.indexOf(quote, open + quote.length);
    const close = closing < 0 ? Infinity : closing + quote.length;
    strings.push({ open, close });
    open = closing < 0 ? -1 : text.indexOf(quote, close);
  }
  return strings;
}

/**
 * The string of `strings` (tripleQuoted's, of one delimiter) that `offset` is inside: past its
 * opening delimiter and before the end of its closing one, where an odd count of delimiters ends
 * before `offset`.
 */
export function stringAround(strings: readonly TripleQuoted[], offset: number): TripleQuoted | undefined {
  // the last string opened before `offset` is the only one that can hold it: they do not overlap
  let after = 0;
  for (let past = strings.length; after < past; ) {
    const mid = (after + past) >> 1;
    if (strings[mid].open + TRIPLE_QUOTES[0].length <= offset) after = mid + 1;
    else past = mid;
  }
  const string = strings[after - 1];
  return string !== undefined && offset < string.close ? string : undefined;
}

/**
 * `from`, or where a triple-quoted string holds it, a place in front of the string's opening
 * delimiter (`startOf(text, open)`, at most `open`: the start of its line, say), again until no
 * string holds it (out of one kind may be inside one of the other): a text cut there is read as
 * Python reads the whole, not code as string and a string as code. An unclosed string (a lone
 * delimiter, in a comment say) holds it only where `unclosed` asks: no delimiter after it is left
 * to be read the wrong way, so only what is inside it would be.
 */
export function outsideStrings(text: string, from: number, unclosed: boolean, startOf: (text: string, open: number) => number): number {
  const strings = TRIPLE_QUOTES.map((quote) => tripleQuoted(text, quote));
  for (let moved = true; moved && from > 0; ) {
    moved = false;
    for (const of of strings) {
      const around = stringAround(of, from);
      if (around !== undefined && (unclosed || around.close !== Infinity)) {
        from = startOf(text, around.open);
        moved = true;
      }
    }
  }
  return from;
}
