import { lineEnd, lineStart, linesWithin } from './lines';
import { MARGIN_CHARS } from './nearHoles';
import { outsideStrings } from './tripleQuotes';

/**
 * A parser's verdict on a filled document, for dropping candidates that break the syntax. The
 * engine only sees this interface; src/syntax implements it with tree-sitter.
 */
export interface SyntaxChecker {
  /** Errors in `text` for `languageId` (parse errors; for Python also indentation errors and undefined names), or undefined when the language has no grammar here. */
  errors(text: string, languageId: string): number | undefined;
}

/** Characters of context around the holes a check parses: enough for the enclosing definitions, cheap on a long file. */
export const SYNTAX_WINDOW_CHARS = 4000;

/**
 * The part of `text` a check looks at: whole lines from `SYNTAX_WINDOW_CHARS` before `start` to as
 * far after `end`. In Python the window never starts inside a triple-quoted string (read as
 * Python's tokenizer reads it, tripleQuotes.ts): it starts at the line that opens the string, or the
 * rest would be read inside out, code as string and the string as code.
 * It never reaches more than nearHoles' margin (MARGIN_CHARS) from the holes: a long document's
 * slice keeps that much on each side whatever the canvas, so the window is the same cut or whole,
 * and a minified file's or a data file's line (800 KB) is not parsed whole for each candidate. A
 * line at the window's edge that reaches past it is left out; where the holes' own lines, or the
 * string the window would start in, reach past it, there is no window (undefined) and no check:
 * cut inside a line, the window could start inside a string or a comment and read the holes' line
 * inside out, which would rank the cut, not the fills.
 */
export function syntaxWindow(text: string, start: number, end: number, languageId?: string): [number, number] | undefined {
  const [near, far] = linesWithin(text, start, end, MARGIN_CHARS);
  if (near > lineStart(text, start) || far < lineEnd(text, end)) return undefined;
  let from = Math.max(near, lineStart(text, start - SYNTAX_WINDOW_CHARS));
  if (languageId === 'python') {
    // out of an unclosed string too: the holes may be in one being written, which is no code
    from = outsideStrings(text, from, { unclosed: true, startOf: lineStart });
    if (from < near) return undefined;
  }
  return [from, Math.min(far, lineEnd(text, end + SYNTAX_WINDOW_CHARS))];
}
