import { stringAround, tripleQuoted, TRIPLE_QUOTES } from './tripleQuotes';

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
 * far after `end`. In Python the window never starts inside a triple-quoted string (an odd count of
 * one delimiter before it): it starts at the line that opens the string, or the rest would be read
 * inside out, code as string and the string as code.
 */
export function syntaxWindow(text: string, start: number, end: number, languageId?: string): [number, number] {
  let from = start <= SYNTAX_WINDOW_CHARS ? 0 : text.lastIndexOf('\n', start - SYNTAX_WINDOW_CHARS) + 1;
  if (languageId === 'python') {
    for (const quote of TRIPLE_QUOTES) {
      const string = stringAround(tripleQuoted(text, quote), from);
      if (string) from = text.lastIndexOf('\n', string.open) + 1;
    }
  }
  const cut = text.indexOf('\n', end + SYNTAX_WINDOW_CHARS);
  return [from, cut < 0 ? text.length : cut + 1];
}
