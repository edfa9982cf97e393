import { lineStart } from './lines';
import type { Hole } from './types';

/**
 * What a fill may look like where the hole is, read from the text around it (pure, no editor):
 * the one place that decides it, for the CLI, the ghost text and "Diffuse fill" alike.
 *
 * - 'line': the hole is a line of its own: a cursor on a blank line, a cursor at the start of a
 *   line in front of its text (a new line goes there), or a selection of one whole line. One line
 *   is what users expect there, and the canvas can be sized for one.
 * - 'inline': inside a line (text after the cursor on its line, or a selection within a line):
 *   the insertion goes in that line, so only the fill's first line is kept (with the engine's
 *   `inlineBreaks`, a hole in front of text keeps the model's line breaks: rows.ts reads it as a
 *   'block').
 * - 'block': several lines make sense: at the end of a line that opens a block, or a selection
 *   spanning lines.
 */
export type HoleKind = 'line' | 'inline' | 'block';

export interface HoleShape {
  readonly kind: HoleKind;
  /**
   * The fill must end with a line break: the hole is in front of a line's text (a cursor at
   * column 0 before text) or replaced a line break (a selection of whole lines).
   */
  readonly endsLine: boolean;
  /** The hole starts at column 0: the fill's first line carries its own indentation. */
  readonly atLineStart: boolean;
  /** Text follows the hole on its line (after a selection, the text after it): the fill goes in front of it. */
  readonly textAfter: boolean;
}

/** A line ending in one of these opens a block, so a multi-line fill there is expected. */
export const BLOCK_OPENER = /(?:[{([:]|=>|\bthen|\bdo|:=)\s*$/;

export function holeShape(text: string, hole: Hole): HoleShape {
  const before = text.slice(lineStart(text, hole.start), hole.start);
  const newline = text.indexOf('\n', hole.end);
  const after = text.slice(hole.end, newline < 0 ? text.length : newline).replace(/\r$/, '');
  const selected = text.slice(hole.start, hole.end);
  const takesLineBreak = selected.endsWith('\n');
  const body = takesLineBreak ? selected.slice(0, selected.endsWith('\r\n') ? -2 : -1) : selected;
  const atLineStart = before === '';
  const textAfter = after.trim() !== '';
  const endsLine = takesLineBreak || (atLineStart && hole.start === hole.end && textAfter);
  const shape = (kind: HoleKind): HoleShape => ({ kind, endsLine, atLineStart, textAfter });
  if (body.includes('\n')) return shape('block');
  if (before.trim() === '' && (!textAfter || endsLine)) return shape('line');
  if (hole.start === hole.end && !textAfter && BLOCK_OPENER.test(before)) return shape('block');
  return shape('inline');
}
