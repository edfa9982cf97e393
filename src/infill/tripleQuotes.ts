import { stringEnd, type StringReading } from './pythonStrings';

/**
 * Python's comments and string literals, read left to right as its tokenizer reads them: a `#` in
 * code opens a comment to the end of its line, a quote opens a string (three of a kind a
 * triple-quoted one) that only its own delimiter closes, and a backslash inside a string escapes the
 * character after it. So a `'''` inside a comment or inside a one-line string (`# use ''' for
 * docstrings`, `x = "'''"`) opens nothing, and a `#` inside a string is no comment. A one-line
 * string left open ends with its line, as in pythonSource.ts, so one broken quote cannot swallow
 * the rest of the file. Where each string ends, an f-string's fields and all, is pythonStrings.ts'
 * job: an f-string is one span, however many strings and lines its fields hold (`f"{d["k"]}"`).
 * One pass over the text: a regular expression jumps over code and over a triple-quoted string's
 * body, a loop over characters reads the short one-line strings. On 4 MB of Python code, nearHoles'
 * cut takes 6 to 12 ms and tripleQuoted 17 (pairing the delimiters by parity, blind to comments and
 * strings, took 3 and 5); on 4 MB of nothing but short strings and comments, 16 to 32 and 30.
 */

/** A comment or a string: from its first character (`#`, or the opening quote, a prefix left out) to past its last (Infinity: a triple-quoted string left open). */
export interface PythonSpan {
  readonly open: number;
  readonly close: number;
  /** A comment, a one-line string (an f-string's fields may still hold line breaks), or a triple-quoted string. */
  readonly kind: 'comment' | 'string' | 'triple';
}

/** Takes each span readSpans reads. */
type SpanTaker = (open: number, close: number, kind: PythonSpan['kind']) => void;

/** What opens a comment or a string in code. */
const CODE_STOPS = /[#'"]/g;

/**
 * Reads the comments and strings of `text` from `start` (as code: a place no comment or string
 * holds) that open before `end`, in order, and hands each to `take`.
 */
function readSpans(text: string, start: number, end: number, take: SpanTaker): void {
  const reading: StringReading = { fieldsCrossLines: true };
  for (let at = start; ; ) {
    CODE_STOPS.lastIndex = at;
    const found = CODE_STOPS.exec(text);
    if (found === null || found.index >= end) return;
    const open = found.index;
    const quote = found[0];
    if (quote === '#') {
      const newline = text.indexOf('\n', open);
      at = newline < 0 ? text.length : newline;
      take(open, at, 'comment');
    } else {
      const triple = text.startsWith(quote, open + 1) && text.startsWith(quote, open + 2);
      const close = stringEnd(text, open, triple, reading);
      take(open, close, triple ? 'triple' : 'string');
      if (close === Infinity) return;
      at = close;
    }
  }
}

/**
 * The comments and strings of Python source `text` read from `start` (as code: a place no comment
 * or string holds) that open before `end`, in order; they do not overlap.
 */
export function pythonSpans(text: string, start = 0, end = text.length): PythonSpan[] {
  const spans: PythonSpan[] = [];
  readSpans(text, start, end, (open, close, kind) => spans.push({ open, close, kind }));
  return spans;
}

/** The triple-quoted strings of Python source `text` (either delimiter), in order. */
export function tripleQuoted(text: string): PythonSpan[] {
  const strings: PythonSpan[] = [];
  readSpans(text, 0, text.length, (open, close, kind) => {
    if (kind === 'triple') strings.push({ open, close, kind });
  });
  return strings;
}

/**
 * The span of `spans` (pythonSpans' or tripleQuoted's, or some of them in order) that `offset` is
 * inside: past its first character and before its end. A text cut there would start inside it, a
 * triple-quoted string's delimiter included.
 */
export function stringAround(spans: readonly PythonSpan[], offset: number): PythonSpan | undefined {
  // the last span opened before `offset` is the only one that can hold it: they do not overlap
  let after = 0;
  for (let past = spans.length; after < past; ) {
    const mid = (after + past) >> 1;
    if (spans[mid].open < offset) after = mid + 1;
    else past = mid;
  }
  const span = spans[after - 1];
  return span !== undefined && offset < span.close ? span : undefined;
}

/** How outsideStrings moves a cut out of the comments and strings that hold it. */
export interface CutRules {
  /** Out of a triple-quoted string left open too. */
  readonly unclosed: boolean;
  /** Where a cut in front of the comment or string opened at `open` falls: `open` or the start of its line. */
  readonly startOf: (text: string, open: number) => number;
  /**
   * The line a cut falls on is read by nothing that needs it whole (nearHoles' slice of a long
   * line, which lies farther from the holes than a fill reads): a comment or a one-line string
   * holds the cut only where the rest of its line, read from the cut as code, would end otherwise
   * than the whole text's does (a `'''` in the comment opening a string that runs on, say). Kept
   * whole instead, a long line of data (a string of 800 KB) would be read on every fill.
   */
  readonly partialLine?: boolean;
}

/**
 * `from`, or where a comment or a string holds it, a place in front of it (`rules.startOf`), again
 * until none holds it (the line a string opens on may start inside another): a text cut there is
 * read as Python reads the whole, not code as string and a string as code. At a line's start only
 * a triple-quoted string can hold it (or a one-line string whose line break is escaped, or an
 * f-string whose field holds one); comments and one-line strings matter where a long line is cut
 * inside. A triple-quoted string left open holds it only where `rules.unclosed` asks: no delimiter
 * after it is left to be read the wrong way, so only what is inside it would be.
 */
export function outsideStrings(text: string, from: number, rules: CutRules): number {
  // The cut only moves back, to a line's start or a span's first character, so what can hold it is
  // a span that opens before it and holds a line's start, or the last one that opens before it:
  // only those are kept (a line of data holds 400 000 strings).
  const spans: PythonSpan[] = [];
  let last: PythonSpan | undefined;
  // the first line break at or after the last span's first character: found again only past it, so once in all
  let newline = -1;
  readSpans(text, 0, from, (open, close, kind) => {
    if (newline < open) {
      const at = text.indexOf('\n', open);
      newline = at < 0 ? text.length : at;
    }
    if (newline + 1 < close) spans.push({ open, close, kind });
    else if (close > from) last = { open, close, kind };
  });
  if (last !== undefined) spans.push(last);
  for (let around = stringAround(spans, from); around !== undefined; around = stringAround(spans, from)) {
    const stays = around.kind === 'triple' ? around.close === Infinity && !rules.unclosed : rules.partialLine === true && sameLineEnd(text, around.close, from);
    if (stays) break;
    from = rules.startOf(text, around.open);
  }
  return from;
}

/**
 * Whether the line `cut` is on comes to its end outside any comment or string both as a text cut
 * there reads it (as code from `cut`) and as the whole text does (as code from `close`, past the
 * one-line span that holds `cut`): the lines after it then read alike.
 */
function sameLineEnd(text: string, close: number, cut: number): boolean {
  const newline = text.indexOf('\n', cut);
  const end = newline < 0 ? text.length : newline;
  return close <= end && [close, cut].every((from) => {
    let past = from;
    readSpans(text, from, end, (_open, spanClose) => (past = spanClose));
    return past <= end;
  });
}
