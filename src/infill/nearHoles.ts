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
 * `request` cut to the text around its holes that a fill reads, with the holes moved to match:
 * for a canvas of `canvasTokens`, as many characters as it could take on each side (window.ts
 * reads at most MAX_CHARS_PER_TOKEN a token) plus MARGIN_CHARS. The request itself when nothing
 * would be cut.
 * The cuts fall after a '\n', so never inside a character or a CRLF, and in Python never inside a
 * closed triple-quoted string: the syntax check and the indentation read Python's comments and
 * strings from the start of the text they get (tripleQuotes.ts), so a cut inside one would read
 * the code after it as a string (no other language reads them so). But a line that reaches more
 * than MARGIN_CHARS past a cut (a minified script's or a data file's, 800 KB) is cut inside, next
 * to a letter, digit or underscore (sliceStart, sliceEnd), in Python in front of a string's opening
 * delimiter (stringStart), or of a comment or one-line string whose rest, read as code, would run
 * past the line (a `'''` in it), which keeps those reasons true: kept whole, such lines made every
 * keystroke's fill work on megabytes.
 * The partial lines such cuts leave lie more than MARGIN_CHARS from the holes, where the syntax
 * window and the indentation variants read no line (lines.ts linesWithin).
 * What the model reads is the slice's: the canvas and the syntax window lie inside it, and the
 * indentation style is read from it (a tab or an odd indentation 32 K characters away no longer
 * decides how a fill is spelled).
 */
export function nearHoles(request: InfillRequest, canvasTokens: number): InfillRequest {
  const { text, holes } = request;
  const reach = canvasTokens * MAX_CHARS_PER_TOKEN + MARGIN_CHARS;
  const before = holes[0].start - reach;
  const after = holes[holes.length - 1].end + reach;
  const cut = before <= 0 ? 0 : sliceStart(text, before);
  // not out of an unclosed one: going back to a string left open (one being written, say) would keep the whole file
  const from = cut > 0 && request.languageId === 'python' ? outsideStrings(text, cut, { unclosed: false, startOf: stringStart, partialLine: true }) : cut;
  const to = sliceEnd(text, after);
  if (from === 0 && to === text.length) return request;
  return { ...request, text: text.slice(from, to), holes: holes.map((hole) => ({ ...hole, start: hole.start - from, end: hole.end - from })) };
}

/**
 * Where a slice cut at `at` starts: the start of its line or, on a line that starts more than
 * MARGIN_CHARS before `at`, the nearest letter, digit or underscore at or before `at` (the line's
 * start where there is none that near). In front of one, the cut falls inside no character, CRLF
 * or string delimiter, and the slice's first line starts with text: read as a line with no
 * indentation, which decides no style (indentation.ts).
 */
function sliceStart(text: string, at: number): number {
  const start = lineStart(text, at);
  if (at - start <= MARGIN_CHARS) return start;
  for (let inLine = at; inLine > at - MARGIN_CHARS; inLine--) {
    if (wordCharacterAt(text, inLine) !== undefined) return inLine;
  }
  return start;
}

/**
 * Where a slice cut at `at` ends: past its line or, on a line that ends more than MARGIN_CHARS
 * after `at`, past the nearest letter, digit or underscore at or after `at` (past the line where
 * there is none that near): the slice's last line then has text where the line has, so a hole on
 * it has text after it as in the whole document (holeShape.ts).
 */
function sliceEnd(text: string, at: number): number {
  const end = lineEnd(text, at);
  if (end - at <= MARGIN_CHARS) return end;
  for (let inLine = at; inLine < at + MARGIN_CHARS; inLine++) {
    const character = wordCharacterAt(text, inLine);
    if (character !== undefined) return inLine + character.length;
  }
  return end;
}

/**
 * Where a Python slice starts that keeps the string or comment opened at `open` whole: the start
 * of its line or, on a line that starts more than MARGIN_CHARS before it, its opening delimiter or
 * `#` (the slice then reads it as an opening one, as the whole document does).
 */
function stringStart(text: string, open: number): number {
  const start = lineStart(text, open);
  return open - start <= MARGIN_CHARS ? start : open;
}

/** A letter, digit or underscore of any script. */
const WORD_CHARACTER = /^[\p{L}\p{N}_]$/u;

/** The word character (WORD_CHARACTER, one or two UTF-16 code units) that starts at `at`; none starts in a surrogate pair's second half. */
function wordCharacterAt(text: string, at: number): string | undefined {
  const character = String.fromCodePoint(text.codePointAt(at)!);
  return WORD_CHARACTER.test(character) ? character : undefined;
}
