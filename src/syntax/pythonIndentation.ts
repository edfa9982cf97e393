/**
 * Python's indentation errors, which tree-sitter's Python grammar recovers from without a trace:
 * a block opener with no deeper line after it (a lone `try:`), a line indented deeper than its
 * block for no reason, and a dedent to a column no enclosing block has. A fill that brings one in
 * is as wrong as one that breaks the parse, and a fill that takes one away (the body of an `if`
 * the hole cut out) likely right, so the syntax check counts them with the parse errors.
 *
 * `text` may be a window of a file (syntax.ts): its first line sets the base column, and a dedent
 * below every open block starts a new base, as the window can begin inside a deeper block. A
 * window that ends right after a block opener is not an error: the block's body lies beyond it.
 */
export function indentationErrors(text: string): number {
  let errors = 0;
  let stack: number[] = [];
  let expectIndent = false;
  for (const line of logicalLines(text)) {
    const top = stack.at(-1);
    if (top === undefined) {
      stack = [line.column];
    } else if (expectIndent) {
      if (line.column > top) stack.push(line.column);
      else errors++;
    } else if (line.column > top) {
      errors++;
      stack.push(line.column);     // count it once, not again for every line of the block it opens
    } else if (line.column < top) {
      while (stack.length > 0 && line.column < stack.at(-1)!) stack.pop();
      if (stack.length === 0) stack = [line.column];
      else if (line.column !== stack.at(-1)) errors++;
    }
    expectIndent = line.opensBlock;
  }
  return errors;
}

interface LogicalLine {
  /** The first physical line's indentation, tabs to the next multiple of 8 (CPython's rule). */
  readonly column: number;
  /** Its last code character, outside strings, brackets and comments, is a colon. */
  readonly opensBlock: boolean;
}

const CLOSING: Readonly<Record<string, true>> = { ')': true, ']': true, '}': true };
const OPENING: Readonly<Record<string, true>> = { '(': true, '[': true, '{': true };

/**
 * The logical lines of Python source that hold code: physical lines joined inside brackets,
 * strings and after a backslash; blank and comment-only lines left out. A quote left open at
 * the end of a line that is not triple-quoted closes there, so one broken string cannot swallow
 * the rest of the window.
 */
function* logicalLines(text: string): Generator<LogicalLine> {
  let i = 0;
  while (i < text.length) {
    let column = 0;
    for (; text[i] === ' ' || text[i] === '\t'; i++) column = text[i] === '\t' ? column - (column % 8) + 8 : column + 1;
    let depth = 0;
    let last = '';
    let code = false;
    while (i < text.length) {
      const c = text[i];
      if (c === '\n') {
        i++;
        if (depth === 0 && last !== '\\') break;
        if (last === '\\') last = '';
        continue;
      }
      if (c === '#') {
        while (i < text.length && text[i] !== '\n') i++;
        continue;
      }
      if (c === '"' || c === "'") {
        i = endOfString(text, i);
        last = c;
        code = true;
        continue;
      }
      if (OPENING[c]) depth++;
      else if (CLOSING[c] && depth > 0) depth--;
      if (c !== ' ' && c !== '\t' && c !== '\r') {
        last = c;
        code = true;
      }
      i++;
    }
    if (code) yield { column, opensBlock: last === ':' && depth === 0 };
  }
}

/** The index after the string literal whose opening quote is at `start`. */
function endOfString(text: string, start: number): number {
  const quote = text[start];
  const triple = text.startsWith(quote.repeat(3), start);
  const closing = triple ? quote.repeat(3) : quote;
  let i = start + closing.length;
  while (i < text.length) {
    if (text[i] === '\\') i += 2;
    else if (text.startsWith(closing, i)) return i + closing.length;
    else if (!triple && text[i] === '\n') return i;
    else i++;
  }
  return text.length;
}
