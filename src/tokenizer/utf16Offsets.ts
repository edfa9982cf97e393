/**
 * The `tokenizers` Node binding reports offsets in Unicode code points (Rust `char`s), while
 * JavaScript strings — and every editor offset — count UTF-16 code units. The two differ only
 * after an astral character (emoji, some CJK), which takes two code units but one code point.
 */

const surrogate = /[\uD800-\uDFFF]/;

/** Converts code-point offsets into `text` to UTF-16 offsets. */
export function codePointToUtf16Offsets(
  text: string,
  offsets: ReadonlyArray<readonly number[]>,
): Array<[number, number]> {
  if (!surrogate.test(text)) return offsets.map(([start, end]) => [start, end]);
  // utf16At[c] = UTF-16 index of code point c; one extra entry for the end of the text.
  const utf16At: number[] = [];
  let unit = 0;
  for (const char of text) {
    utf16At.push(unit);
    unit += char.length;
  }
  utf16At.push(unit);
  return offsets.map(([start, end]) => [utf16At[start], utf16At[end]]);
}
