/**
 * Python's indentation errors, which tree-sitter's Python grammar recovers from without a trace:
 * a block opener with no deeper line after it (a lone `try:`), a line indented deeper than its
 * block for no reason, a dedent to a column no enclosing block has, and CPython's TabError: an
 * indentation that compares otherwise with its block's when a tab counts 1 column instead of 8
 * (`\t  for ...:` then `\t\t` lines: deeper at 8, shallower at 1). A fill that brings one in
 * is as wrong as one that breaks the parse, and a fill that takes one away (the body of an `if`
 * the hole cut out) likely right, so the syntax check counts them with the parse errors.
 *
 * `code` is Python source as `blankStringsAndComments` leaves it (pythonSource.ts), a window of a
 * file (syntax.ts): its first line sets the base column, and a dedent
 * below every open block starts a new base, as the window can begin inside a deeper block. A
 * window that ends right after a block opener is not an error: the block's body lies beyond it.
 */
export function indentationErrors(code: string): number {
  let errors = 0;
  let stack: Indentation[] = [];
  let expectIndent = false;
  for (const line of logicalLines(code)) {
    const top = stack.at(-1);
    if (top === undefined) {
      stack = [line];
    } else if (expectIndent) {
      if (line.column > top.column) {
        if (line.columnAtTab1 <= top.columnAtTab1) errors++;
        stack.push(line);
      } else errors++;
    } else if (line.column > top.column) {
      errors++;
      stack.push(line);     // count it once, not again for every line of the block it opens
    } else if (line.column < top.column) {
      while (stack.length > 0 && line.column < stack.at(-1)!.column) stack.pop();
      const level = stack.at(-1);
      if (level === undefined) stack = [line];
      else if (line.column !== level.column || line.columnAtTab1 !== level.columnAtTab1) errors++;
    } else if (line.columnAtTab1 !== top.columnAtTab1) {
      errors++;
    }
    expectIndent = line.opensBlock;
  }
  return errors;
}

interface Indentation {
  /** The first physical line's indentation, tabs to the next multiple of 8 (CPython's rule). */
  readonly column: number;
  /** The same with a tab as 1 column: CPython refuses indentation whose order the two disagree on (TabError). */
  readonly columnAtTab1: number;
}

interface LogicalLine extends Indentation {
  /** Its last code character, outside strings, brackets and comments, is a colon. */
  readonly opensBlock: boolean;
}

const CLOSING: Readonly<Record<string, true>> = { ')': true, ']': true, '}': true };
const OPENING: Readonly<Record<string, true>> = { '(': true, '[': true, '{': true };

/**
 * The logical lines of Python source that hold code: physical lines joined inside brackets,
 * strings and after a backslash; blank and comment-only lines left out.
 */
function* logicalLines(code: string): Generator<LogicalLine> {
  let i = 0;
  while (i < code.length) {
    let column = 0;
    let columnAtTab1 = 0;
    for (; code[i] === ' ' || code[i] === '\t'; i++, columnAtTab1++) column = code[i] === '\t' ? column - (column % 8) + 8 : column + 1;
    let depth = 0;
    let last = '';
    for (; i < code.length; i++) {
      const c = code[i];
      if (c === '\n') {
        if (depth === 0 && last !== '\\') break;
        if (last === '\\') last = '';
        continue;
      }
      if (OPENING[c]) depth++;
      else if (CLOSING[c] && depth > 0) depth--;
      if (c !== ' ' && c !== '\t' && c !== '\r') last = c;
    }
    i++;
    if (last !== '') yield { column, columnAtTab1, opensBlock: last === ':' && depth === 0 };
  }
}
