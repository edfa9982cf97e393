/**
 * Where a Python string literal ends, read as Python 3.12's tokenizer reads it: only its own
 * delimiter closes it, and a backslash escapes the character after it (in a raw string too: it
 * keeps a quote from closing it). An f-string (PEP 701) closes only outside its replacement fields,
 * and a field is code: any expression, with strings of the same quote (`f"{d["k"]}"`), f-strings
 * inside f-strings, comments, and line breaks even in a one-line f-string. Before 3.12 none of
 * that was valid, so older code reads alike either way. An f-string is read a character at a
 * time: 4 MB of lines holding an f-string of three fields take 78 ms (pairing its quotes, 47).
 */

/** What ends a triple-quoted string of each quote, or escapes a character in it. */
const TRIPLE_STOPS: Readonly<Record<string, RegExp>> = { "'": /\\|'''/g, '"': /\\|"""/g };

/** What a replacement field's code reads specially: comments, strings, brackets, the format spec's colon and line breaks. */
const FIELD_STOPS = /[#'"()[\]{}:\n]/g;

/** An f-string's prefix, which no name character runs into (`elif"` is a keyword and a string); group 1 is it. */
const F_PREFIX = /(?<!\p{ID_Continue})([fF][rR]?|[rR][fF])['"]/uy;

/**
 * A named character's escape in an f-string's text (`\N{EM DASH}`), to its `}`; where a quote, a
 * backslash or a line break comes first (no name holds one), up to there, and the f-string reads
 * on from it as CPython's tokenizer does (`f"\N{"` ends at its quote). Read to the next `}`
 * anywhere, a `\N{` being typed ran past its f-string's close, and a line of them each to the
 * text's end.
 */
const NAMED_ESCAPE = /\\N\{[^}'"\\\n]*\}?/y;

/** A line break, or a backslash and what it escapes (a CRLF at once): a one-line string left open ends at the first such break. */
const LINE_BREAK_OR_ESCAPE = /\\(?:\r\n|[\s\S])|\n/g;

/**
 * How deep fields may nest: CPython reads at most 149 f-strings inside each other (MAXFSTRINGLEVEL
 * 150), and a 150th is a SyntaxError. Counting the fields in format specs too (CPython allows
 * two), reading deeper ones as left open bounds the recursion: a data file of 10 000 `f"{` (or
 * of `{x:` in one f-string) would exhaust the stack.
 */
const MAX_NESTING = 149;

const BACKSLASH = 0x5c;
const LF = 0x0a;
const CR = 0x0d;

/**
 * One left-to-right reading of a text's strings. A one-line f-string whose field runs past its line
 * and never closes (`f"{name` while it is typed) is read to the end of the text. Once one has been
 * left open, the fields of the later ones end with their line (or 100 000 lines of `f"{a` would
 * take 2 s, each read to the end); once a second has been left open, a later one-line f-string is
 * read within its line, whatever its fields hold (a triple-quoted string too). Why: a one-line
 * string left open ends with its line, so what its reading read past the line is wasted, and the
 * next line's string reads it again. Lines of `x = f"{f'''{a` each read the 75 lines below them,
 * down to the 149th f-string, before giving up: 2 MB of them took 3.5 s. So two readings left open
 * may run past their line, each at most the text once, and any later one reads only its line: no
 * character is read by more than four strings (the two, the one that closes past it, and the one
 * whose line holds it), and each regular expression's search stops at the first of what it looks
 * for: any text reads in time linear in its length (2 MB of such lines, 80 ms). Python refuses such
 * a text anyway (an f-string left open); the first left open (one being typed) changes no more than
 * the line breaks of later fields.
 */
export interface StringReading {
  fieldsCrossLines: boolean;
  /** Whether a one-line f-string is read within its line: two have been left open. */
  withinLine?: boolean;
  /** The stretch whose line end lineEnd last found: from past a string's opening quote to that end. */
  lineFrom?: number;
  lineEnd?: number;
}

/**
 * Past the last character of the string literal whose opening quote is at `open` (three of a kind
 * when `triple`), read as part of `reading`. A triple-quoted string left open runs on: Infinity. A
 * one-line string left open ends with its line (the line break no backslash escapes) or with the
 * text, so one broken quote cannot swallow the rest of the file; an f-string too.
 */
export function stringEnd(text: string, open: number, triple: boolean, reading: StringReading): number {
  const prefix = fStringPrefix(text, open);
  const fString = prefix !== undefined;
  const limit = !triple && fString && reading.withinLine === true ? lineEnd(text, open, reading) : text.length;
  const close = literalEnd(text, open, triple, prefix, 0, reading.fieldsCrossLines, limit);
  if (!Number.isNaN(close)) return close;
  if (triple) return Infinity;
  if (fString) {
    if (!reading.fieldsCrossLines) reading.withinLine = true;
    reading.fieldsCrossLines = false;
  }
  return lineEnd(text, open, reading);
}

/**
 * Where the line of the one-line string opened at `open` ends: at the first line break past its
 * opening quote that no backslash escapes, or at the text's end. Kept in `reading` for the line's
 * other strings, each searched once: searched again from another quote inside the same stretch, the
 * search finds the same break (a quote is no backslash, so the pairs of a backslash and what it
 * escapes fall alike).
 */
function lineEnd(text: string, open: number, reading: StringReading): number {
  const { lineFrom, lineEnd: end } = reading;
  if (lineFrom !== undefined && end !== undefined && lineFrom <= open + 1 && open < end) return end;
  reading.lineFrom = open + 1;
  reading.lineEnd = text.length;
  LINE_BREAK_OR_ESCAPE.lastIndex = open + 1;
  for (let found = LINE_BREAK_OR_ESCAPE.exec(text); found !== null; found = LINE_BREAK_OR_ESCAPE.exec(text)) {
    if (found[0] === '\n') {
      reading.lineEnd = found.index;
      break;
    }
  }
  return reading.lineEnd;
}

/**
 * Past the closing delimiter of the string literal whose opening quote is at `open` (an f-string
 * where `prefix`, its `fStringPrefix`, is given), `level` deep in f-strings' fields, or NaN where it
 * is left open. `crossLines`: whether a one-line f-string's fields may hold line breaks
 * (StringReading); `limit`: where the reading stops, a string that reaches it left open (the
 * text's end, or the line's of a one-line f-string read within its line).
 */
function literalEnd(text: string, open: number, triple: boolean, prefix: string | undefined, level: number, crossLines: boolean, limit: number): number {
  const quote = text[open];
  if (prefix !== undefined) {
    const delimiter = triple ? quote.repeat(3) : quote;
    return fStringEnd(text, open + delimiter.length, delimiter, /[rR]/.test(prefix), level, crossLines, limit);
  }
  return triple ? tripleEnd(text, open + 3, quote, limit) : oneLineEnd(text, open + 1, quote, limit);
}

/** The prefix of the f-string whose opening quote is at `open` (`f`, `rF`, ...), or undefined for any other string. */
function fStringPrefix(text: string, open: number): string | undefined {
  for (let from = Math.max(0, open - 2); from < open; from++) {
    F_PREFIX.lastIndex = from;
    const found = F_PREFIX.exec(text);
    if (found !== null && from + found[0].length === open + 1) return found[1];
  }
  return undefined;
}

/** Past the closing quote of a one-line string (not an f-string) whose body starts at `from`, or NaN where its line or the text ends first. */
function oneLineEnd(text: string, from: number, quote: string, limit: number): number {
  const closing = quote.charCodeAt(0);
  for (let at = from; at < limit; at++) {
    const c = text.charCodeAt(at);
    if (c === closing) return at + 1;
    if (c === LF) return NaN;
    if (c === BACKSLASH) {
      // escaped, the next character neither closes the string nor ends its line (nor does a CRLF)
      if (text.charCodeAt(++at) === CR && text.charCodeAt(at + 1) === LF) at++;
    }
  }
  return NaN;
}

/** Past the closing delimiter of a triple-quoted string (not an f-string) whose body starts at `from`, or NaN. */
function tripleEnd(text: string, from: number, quote: string, limit: number): number {
  const stops = TRIPLE_STOPS[quote];
  for (let at = from; ; ) {
    stops.lastIndex = at;
    const found = stops.exec(text);
    if (found === null || found.index + (found[0] === '\\' ? 1 : 3) > limit) return NaN;
    if (found[0] !== '\\') return found.index + 3;
    at = found.index + 2;
  }
}

/**
 * Past the closing `delimiter` of an f-string whose body starts at `from`, `level` deep, or NaN
 * where it is left open. `{{` is a brace; `{` opens a field. A backslash escapes no brace
 * (`f"\{x}"` holds a field, with a warning), and outside a raw f-string `\N{...}` names a character.
 */
function fStringEnd(text: string, from: number, delimiter: string, raw: boolean, level: number, crossLines: boolean, limit: number): number {
  // a field or an escape left open gives NaN, which ends the loop: the f-string is left open too
  for (let at = from; at < limit; ) {
    if (text.startsWith(delimiter, at)) return at + delimiter.length;
    const c = text[at];
    if (c === '\n' && delimiter.length === 1) return NaN;
    if (c === '\\') at = escapeEnd(text, at, raw);
    else if (c === '{') at = text[at + 1] === '{' ? at + 2 : fieldEnd(text, at + 1, delimiter, raw, level, crossLines, limit);
    else at++;
  }
  return NaN;
}

/** Past the escape whose backslash is at `at` in an f-string's text: the backslash alone before a brace. */
function escapeEnd(text: string, at: number, raw: boolean): number {
  const next = text[at + 1];
  if (next === '{' || next === '}') return at + 1;
  if (!raw && next === 'N') {
    NAMED_ESCAPE.lastIndex = at;
    if (NAMED_ESCAPE.test(text)) return NAMED_ESCAPE.lastIndex;
  }
  return text.charCodeAt(at + 1) === CR && text.charCodeAt(at + 2) === LF ? at + 3 : at + 2;
}

/**
 * Where the f-string goes on after the replacement field whose code starts at `from`, `level` deep
 * (in f-strings and in format specs' fields): past its `}`, or NaN. Its code is read as code:
 * brackets nest, a `#` comments out the rest of the line, quotes open strings of their own; a colon
 * outside brackets starts the format spec.
 */
function fieldEnd(text: string, from: number, delimiter: string, raw: boolean, level: number, crossLines: boolean, limit: number): number {
  if (level >= MAX_NESTING) return NaN;
  let depth = 0;
  for (let at = from; ; ) {
    FIELD_STOPS.lastIndex = at;
    const found = FIELD_STOPS.exec(text);
    if (found === null || found.index >= limit) return NaN;
    const c = found[0];
    at = found.index;
    if (c === '\n') {
      if (!crossLines && delimiter.length === 1) return NaN;
      at++;
    } else if (c === '#') {
      const newline = text.indexOf('\n', at);
      if (newline < 0 || newline > limit) return NaN;
      at = newline;
    } else if (c === "'" || c === '"') {
      const triple = text.startsWith(c, at + 1) && text.startsWith(c, at + 2);
      at = literalEnd(text, at, triple, fStringPrefix(text, at), level + 1, crossLines, limit);
      if (Number.isNaN(at)) return NaN;
    } else if (c === '(' || c === '[' || c === '{') {
      depth++;
      at++;
    } else if (depth > 0) {
      if (c !== ':') depth--; // a colon inside brackets is code: a slice's, a dict's, a lambda's
      at++;
    } else if (c === '}') {
      return at + 1;
    } else if (c === ':') {
      return formatSpecEnd(text, at + 1, delimiter, raw, level, crossLines, limit);
    } else {
      at++; // a `)` or `]` nothing opened: a SyntaxError, read past
    }
  }
}

/**
 * Past the `}` that ends a format spec starting at `from` (its field's too), or NaN. It is text
 * like the f-string's, with fields of its own (`f"{x:{width}}"`); the f-string's delimiter inside
 * it leaves the field open.
 */
function formatSpecEnd(text: string, from: number, delimiter: string, raw: boolean, level: number, crossLines: boolean, limit: number): number {
  // as in fStringEnd, NaN from a field or an escape left open ends the loop
  for (let at = from; at < limit; ) {
    if (text.startsWith(delimiter, at)) return NaN;
    const c = text[at];
    if (c === '}') return at + 1;
    if (c === '\n' && !crossLines && delimiter.length === 1) return NaN;
    if (c === '\\') at = escapeEnd(text, at, raw);
    else if (c === '{') at = fieldEnd(text, at + 1, delimiter, raw, level + 1, crossLines, limit);
    else at++;
  }
  return NaN;
}
