import { BLOCK_OPENER, type HoleShape } from './holeShape';
import { indentOf, unit } from './indentVariants';
import type { Candidate, Hole } from './types';

/**
 * A whole line inserted at column 0 carries its own indentation, and the model gets it wrong more
 * often than the line's text: on MBPP-Infill's validation and train single lines, 31 of v8's
 * failed fills are Python's IndentationError or TabError (`\t  den = num1` where the block is
 * `\t\t`, `  else:` where its `if` is at one space). So each such fill is also offered at the
 * indentation of every block that encloses the hole; these cost no network call (the model's
 * tokens and score are kept), and the syntax check, which counts indentation errors
 * (src/syntax/pythonIndentation.ts), chooses: the model's own indentation stays unless it adds
 * errors that another level does not.
 */

/** Lines looked at above the hole for the enclosing blocks' indentation. */
const LOOKBACK_LINES = 200;

/**
 * The indentations a line inserted at `at` (a line start) may take: the previous code line's, then
 * each shallower one of the blocks enclosing it, deepest first, then, when the previous line opens
 * a block, one level deeper than it. Width counts a tab as 8 columns (CPython's rule).
 */
export function enclosingIndents(text: string, at: number): string[] {
  const lines = text.slice(0, at).split('\n').slice(-LOOKBACK_LINES - 1, -1).filter(isCode);
  const indents: string[] = [];
  let narrowest = Infinity;
  for (const line of lines.reverse()) {
    const indent = indentOf(line);
    if (width(indent) < narrowest) {
      indents.push(indent);
      narrowest = width(indent);
    }
  }
  const previous = lines[0];
  if (previous !== undefined && BLOCK_OPENER.test(previous)) indents.push(indentOf(previous) + unit(lines));
  return [...new Set(indents)];
}

/** `fill` (one line, ended) at each of `indents` other than its own. */
export function reindented(fill: string, indents: readonly string[]): string[] {
  const own = indentOf(fill);
  const body = fill.slice(own.length);
  if (body.trim() === '') return [];
  return indents.filter((indent) => indent !== own).map((indent) => indent + body);
}

function isCode(line: string): boolean {
  const trimmed = line.trim();
  return trimmed !== '' && !trimmed.startsWith('#');
}

function width(indent: string): number {
  let column = 0;
  for (const c of indent) column = c === '\t' ? column - (column % 8) + 8 : column + 1;
  return column;
}

/**
 * `candidates` and, when the request is one cursor on a line of its own at column 0 (shape 'line'),
 * each one-line fill again at every other enclosing indentation, after them all (so that, the score
 * being the same, the model's own indentation wins a tie).
 */
export function withIndentRepairs(text: string, holes: readonly Hole[], shape: HoleShape, candidates: readonly Candidate[]): Candidate[] {
  if (holes.length !== 1 || holes[0].start !== holes[0].end || shape.kind !== 'line' || !shape.atLineStart) return [...candidates];
  const indents = enclosingIndents(text, holes[0].start);
  const repairs = candidates.flatMap((candidate) => {
    const [fill] = candidate.fills;
    if (fill.text.replace(/\n$/, '').includes('\n')) return [];
    return reindented(fill.text, indents).map((text) => ({ ...candidate, fills: [{ ...fill, text }] }));
  });
  return [...candidates, ...repairs];
}
