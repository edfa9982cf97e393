/**
 * Turns a hole's decoded text into what the editor should insert. Each rule answers a complaint
 * users have about inline completion: suggestions that spill over the rest of a line, that repeat
 * the code right after the cursor, or that duplicate an auto-closed bracket.
 */

/** The text around one hole, as post-processing needs it. */
export interface HoleContext {
  /** Text after the hole, up to the next hole or the end of the document. */
  readonly after: string;
  /** An insertion at a cursor (not a replaced selection). */
  readonly atCursor: boolean;
}

export interface Processed {
  readonly text: string;
  /** Why the text was emptied or shortened, when it was. */
  readonly reason?: string;
}

/**
 * In order:
 * 1. At a cursor with code after it on the same line, only the first line is kept: the insertion
 *    must fit inside that line. (At the end of a line, multi-line fills stay whole; a selection's
 *    replacement is never cut.)
 * 2. A fill whose lines are the next lines of the suffix is dropped: it adds nothing.
 * 3. The end of the fill overlapping the start of the rest of the line is trimmed when that
 *    balances brackets or quotes (an auto-closed `)` the model wrote again) or when the overlap is
 *    the whole rest of the line.
 * 4. A fill of nothing but whitespace is dropped.
 */
export function postProcess(raw: string, context: HoleContext): Processed {
  const restOfLine = firstLine(context.after);
  let text = raw;
  let reason: string | undefined;
  if (context.atCursor && restOfLine.trim() !== '' && text.includes('\n')) {
    text = firstLine(text);
    reason = 'kept the first line: the cursor is inside a line';
  }
  if (repeatsSuffix(text, context.after)) return { text: '', reason: 'repeats the suffix' };
  const trimmed = trimSuffixOverlap(text, restOfLine);
  if (trimmed !== text) {
    text = trimmed;
    reason = 'trimmed the overlap with the rest of the line';
  }
  if (text.trim() === '') return { text: '', reason: raw === '' ? 'the model filled the hole with padding' : (reason ?? 'only whitespace') };
  return reason === undefined ? { text } : { text, reason };
}

/** Whether the fill's non-blank lines are, indentation aside, the suffix's first non-blank lines. */
export function repeatsSuffix(fill: string, after: string): boolean {
  const fillLines = nonBlankLines(fill);
  if (fillLines.length === 0) return false;
  const afterLines = nonBlankLines(after).slice(0, fillLines.length);
  return afterLines.length === fillLines.length && afterLines.every((line, i) => line === fillLines[i]);
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

/** The text before the first line break (`\n` or `\r\n`). */
function firstLine(text: string): string {
  const newline = text.indexOf('\n');
  return newline < 0 ? text : text.slice(0, text[newline - 1] === '\r' ? newline - 1 : newline);
}

function nonBlankLines(text: string): string[] {
  return text.split('\n').map((line) => line.trim()).filter((line) => line !== '');
}
