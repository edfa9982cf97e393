import { lineEnd, lineStart } from './lines';
import { outsideStrings } from './tripleQuotes';
import type { InfillRequest } from './types';
import { MAX_CHARS_PER_TOKEN } from './window';

/**
 * Characters kept on each side of the holes besides what the canvas can read: as far as the
 * syntax check's window (syntax.ts) and the indentation variants (indentVariants.ts) read, and
 * more than any run of lines a fill is compared with. What the cut saves is work on the rest:
 * re-spacing, reading its indentation and scanning it for a repeated suffix took 0.3 s a fill in a
 * 5.6 MB Python file (a keystroke's fill in the editor, which sends the whole document) and 5.3 s
 * in a 20 MB one.
 */
export const MARGIN_CHARS = 32_768;

/**
 * `request` cut to the whole lines around its holes that a fill reads, with the holes moved to
 * match: for a canvas of `canvasTokens`, as many characters as it could take on each side
 * (window.ts reads at most MAX_CHARS_PER_TOKEN a token) plus MARGIN_CHARS. The request itself when
 * nothing would be cut. The cuts fall after a '\n', so never inside a character or a CRLF, and in
 * Python never inside a closed triple-quoted string: the syntax check and the indentation pair
 * those delimiters from the start of the text they get, so a cut inside one would read the code
 * after it as a string (no other language reads them so).
 * What the model reads is the slice's: the canvas and the syntax window lie inside it, and the
 * indentation style is read from it (a tab or an odd indentation 32 K characters away no longer
 * decides how a fill is spelled).
 */
export function nearHoles(request: InfillRequest, canvasTokens: number): InfillRequest {
  const { text, holes } = request;
  const reach = canvasTokens * MAX_CHARS_PER_TOKEN + MARGIN_CHARS;
  const before = holes[0].start - reach;
  const after = holes[holes.length - 1].end + reach;
  const cut = before <= 0 ? 0 : lineStart(text, before);
  // not out of an unclosed one: going back to a lone delimiter in a comment would keep the whole file
  const from = cut > 0 && request.languageId === 'python' ? outsideStrings(text, cut, false) : cut;
  const to = lineEnd(text, after);
  if (from === 0 && to === text.length) return request;
  return { ...request, text: text.slice(from, to), holes: holes.map((hole) => ({ ...hole, start: hole.start - from, end: hole.end - from })) };
}
