/** Offsets of whole lines: a cut there never falls inside a line, a character or a CRLF. */

/** The start of the line `at` is on. */
export function lineStart(text: string, at: number): number {
  // lastIndexOf reads a negative position as 0, where a '\n' is no line before `at`
  return at <= 0 ? 0 : text.lastIndexOf('\n', at - 1) + 1;
}

/** Past the end of the line `at` is on: after its '\n', or the end of the text. */
export function lineEnd(text: string, at: number): number {
  const newline = text.indexOf('\n', at);
  return newline < 0 ? text.length : newline + 1;
}

/**
 * `[from, to)`: the whole lines that lie within `reach` characters before `start` and after `end`.
 * A line that reaches past that is left out, even one that `start` or `end` is on.
 */
export function linesWithin(text: string, start: number, end: number, reach: number): [number, number] {
  return [start <= reach ? 0 : lineEnd(text, start - reach - 1), end + reach >= text.length ? text.length : lineStart(text, end + reach)];
}
