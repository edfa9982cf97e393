/**
 * Turns a hole's decoded text into what the editor inserts and the CLI returns: the one
 * post-processing path, so a benchmark of the CLI measures what users see. Each rule answers a
 * complaint users have about inline completion: suggestions that spill over the line, repeat the
 * code right after the cursor, duplicate an auto-closed bracket, or are indented in another style.
 */
import type { HoleShape } from './holeShape';
import { normalizeIndentation, type IndentStyle } from './indentation';

/** The text around one hole, as post-processing needs it. */
export interface HoleContext {
  /** Text after the hole, up to the next hole or the end of the document. */
  readonly after: string;
  readonly shape: HoleShape;
  /** The editor's indentation style; undefined keeps the model's. */
  readonly indentation?: IndentStyle;
  /**
   * A cursor hole inside a line, in front of text, read as a block (InfillOptions.inlineBreaks):
   * the line break the fill ends with stays, so the text after the hole starts the next line.
   */
  readonly keepsLineBreak?: boolean;
  /** How the document spells a line break (`lineBreakAt`): '\r\n' in a CRLF file. */
  readonly lineBreak: string;
}

export interface Processed {
  readonly text: string;
  /** Why the text was emptied or shortened, when it was. */
  readonly reason?: string;
}

/**
 * In order:
 * 1. A 'line' or 'inline' hole keeps the fill's first line (the model may go on past the line;
 *    for a 'line', the first that is not blank); a 'block' keeps every line but trailing blank ones
 *    (with `keepsLineBreak`, the last line break stays: step 5).
 * 2. A fill whose lines are the next lines of the suffix is dropped: it adds nothing. A block's
 *    fill that goes on into them is cut before the first of its lines, after its first, that is
 *    the suffix's next non-blank line (`cutAtNextLine`): the model wrote past the hole into the
 *    closing brace or the `return` that already follow it.
 * 3. The end of the fill overlapping the start of the rest of the line is trimmed when that
 *    balances brackets or quotes (an auto-closed `)` the model wrote again) or when the overlap is
 *    the whole rest of the line.
 * 4. A fill of nothing but whitespace is dropped, and so is one of a comment marker alone (`#`,
 *    `//`, `/*`) where nothing follows it on its line or it starts the line: it says nothing, and
 *    ranked as empty it leaves the choice to a row that wrote code (in front of text, `//` may be
 *    Python's floor division).
 * 5. Where the hole ends a line (`shape.endsLine`), the fill ends with a line break; with
 *    `keepsLineBreak`, the line break the model ended the fill with stays (and that line's
 *    indentation) unless step 3 trimmed the fill's end: the text after the hole then starts the
 *    next line.
 * 6. Indentation in the editor's style, when given.
 * 7. Every line break spelled as the document's (`lineBreak`): a CRLF file gets no bare '\n'.
 */
export function postProcess(raw: string, context: HoleContext): Processed {
  const { shape } = context;
  const restOfLine = shape.endsLine ? '' : firstLine(context.after);
  const trailingBreaks = /(?:\r?\n[ \t]*)+$/.exec(raw);
  let text = trailingBreaks === null ? raw : raw.slice(0, trailingBreaks.index);
  let reason: string | undefined;
  if (shape.kind !== 'block' && text.includes('\n')) {
    // A line-shaped hole wants a line, never a blank one: the first line with text.
    text = firstLine(shape.kind === 'line' ? text.replace(/^(?:[ \t]*\r?\n)+/, '') : text);
    reason = shape.kind === 'line' ? 'kept one line: the hole is a line' : 'kept the first line: the hole is inside a line';
  }
  if (repeatsSuffix(text, context.after)) return REPEATS_SUFFIX;
  if (shape.kind === 'block') {
    const cut = cutAtNextLine(text, nextLine(context.after, shape));
    if (cut !== text) {
      // what stays before the repeated lines may be more of them (or nothing)
      if (cut.trim() === '' || repeatsSuffix(cut, context.after)) return REPEATS_SUFFIX;
      text = cut;
      reason = 'cut where it repeats the lines after the hole';
    }
  }
  const trimmed = trimSuffixOverlap(text, restOfLine);
  const overlapTrimmed = trimmed !== text;
  if (overlapTrimmed) {
    text = trimmed;
    reason = 'trimmed the overlap with the rest of the line';
  }
  if (text.trim() === '') return { text: '', reason: raw === '' ? 'the model filled the hole with padding' : (reason ?? 'only whitespace') };
  if ((!shape.textAfter || shape.atLineStart) && BARE_COMMENT.test(text)) return { text: '', reason: 'only a comment marker' };
  // The model put the text after the hole on a line of its own, indented as the break's last line
  // says (a run of blank lines is one break); not where the fill's end was the rest of the line,
  // which then follows the trimmed fill where it stands.
  if (context.keepsLineBreak && shape.textAfter && !shape.endsLine && trailingBreaks !== null && !overlapTrimmed) {
    text += /\r?\n[ \t]*$/.exec(trailingBreaks[0])![0];
  }
  if (shape.endsLine) text += '\n';
  if (context.indentation) text = normalizeIndentation(text, context.indentation, shape.atLineStart);
  text = text.replace(/\r?\n/g, context.lineBreak);
  return reason === undefined ? { text } : { text, reason };
}

const REPEATS_SUFFIX: Processed = { text: '', reason: 'repeats the suffix' };

/** A comment marker and nothing else (v6 writes a bare `#` for some import lines at a program's top). */
const BARE_COMMENT = /^\s*(?:#|\/\/|\/\*)\s*$/;

/** Whether the fill's non-blank lines are, indentation aside, the suffix's first non-blank lines. */
export function repeatsSuffix(fill: string, after: string): boolean {
  const fillLines = nonBlankLines(fill);
  if (fillLines.length === 0) return false;
  const afterLines = nonBlankLines(after).slice(0, fillLines.length);
  return afterLines.length === fillLines.length && afterLines.every((line, i) => line === fillLines[i]);
}

/**
 * The suffix's next non-blank line, as the editor shows it (indentation kept, trailing whitespace
 * not), where the fill's last line ends its line; none where text follows the hole on its line:
 * that text continues the fill's last line, and step 3 trims the overlap with it.
 */
function nextLine(after: string, shape: HoleShape): string | undefined {
  if (shape.textAfter && !shape.endsLine) return undefined;
  return after.split('\n').map((line) => line.trimEnd()).find((line) => line.trim() !== '');
}

/**
 * `fill` before the first of its lines, after its first, that is `next` (trailing whitespace
 * aside, indentation not: `}` is not the outer block's `  }`), without the blank lines that leaves
 * at its end; the whole fill where none is. Language-neutral: a closing brace, an `end` or a
 * Python `return` alike.
 */
export function cutAtNextLine(fill: string, next: string | undefined): string {
  if (next === undefined) return fill;
  const lines = fill.split('\n');
  const at = lines.findIndex((line, i) => i > 0 && line.trimEnd() === next);
  if (at < 0) return fill;
  return lines.slice(0, at).join('\n').replace(/\r$/, '').replace(/(?:\r?\n[ \t]*)+$/, '');
}

/** `fill` without the longest tail that both repeats the start of `restOfLine` and should go (see `postProcess`). */
export function trimSuffixOverlap(fill: string, restOfLine: string): string {
  for (let k = Math.min(fill.length, restOfLine.length); k > 0; k--) {
    const overlap = restOfLine.slice(0, k);
    if (!fill.endsWith(overlap)) continue;
    const kept = fill.slice(0, fill.length - k);
    const imbalanceBefore = imbalance(fill);
    const imbalanceAfter = imbalance(kept);
    if (imbalanceAfter < imbalanceBefore) return kept;
    if (imbalanceAfter === imbalanceBefore && overlap.trim() !== '' && overlap.trim() === restOfLine.trim()) return kept;
  }
  return fill;
}

const BRACKET_PAIRS = ['()', '[]', '{}'];
const QUOTES = ['"', "'", '`'];

/** How far `text` is from balanced: unmatched brackets of each kind plus quote kinds used an odd number of times. */
function imbalance(text: string): number {
  let total = 0;
  for (const [open, close] of BRACKET_PAIRS) total += Math.abs(count(text, open) - count(text, close));
  for (const quote of QUOTES) total += count(text, quote) % 2;
  return total;
}

function count(text: string, char: string): number {
  let n = 0;
  for (const c of text) if (c === char) n++;
  return n;
}

/**
 * How the document at `at` spells a line break: as the line `at` is on ends (on the last line, as
 * the line before it ends); '\n' in a text of one line.
 */
export function lineBreakAt(text: string, at: number): string {
  const next = text.indexOf('\n', at);
  const newline = next < 0 ? text.lastIndexOf('\n', at - 1) : next;
  return text[newline - 1] === '\r' ? '\r\n' : '\n';
}

/** The text before the first line break (`\n` or `\r\n`). */
export function firstLine(text: string): string {
  const newline = text.indexOf('\n');
  return newline < 0 ? text : text.slice(0, text[newline - 1] === '\r' ? newline - 1 : newline);
}

function nonBlankLines(text: string): string[] {
  return text.split('\n').map((line) => line.trim()).filter((line) => line !== '');
}
