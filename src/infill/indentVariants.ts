import { BLOCK_OPENER, type HoleShape } from './holeShape';
import { linesWithin } from './lines';
import { MARGIN_CHARS } from './nearHoles';
import type { InfillRequest } from './types';

/**
 * A whole line to insert at column 0 in front of a line's text (the shape of MBPP's and
 * HumanEval-Infilling's single-line holes, and of a cursor at a line start in the editor) must get
 * its indentation from the model, and training shows it that far less often than a hole that
 * starts after the indentation (training/diffuse/data.py: 'line' holes 25 %, 'line_with_indent'
 * 6 %). So such a hole is also tried as a new blank line already indented like its neighbours,
 * which is what an editor's auto-indent gives: each indentation is a variant of the request with
 * batch rows of its own, and the model's score and the syntax check choose among them and the
 * model's own indentation.
 */
export interface IndentVariant {
  /** The request with the hole on a new line after `indent`, in front of the original line. */
  readonly request: InfillRequest;
  readonly indent: string;
}

/** Lines looked at on each side of the hole for the indentation unit. */
const UNIT_LINES = 50;

/**
 * The variants of a single cursor hole of shape 'line' that ends a line at column 0: the previous
 * non-blank line's indentation, the next one's, and one level deeper than the previous line when
 * that opens a block. None for any other request. The new line ends in `eol`, the document's line
 * break (lineBreakAt), as the fill read from it will: the model is shown a CRLF file's lines as
 * they are, and a lone '\n' there is a line no other in the file looks like.
 */
export function indentVariants(request: InfillRequest, shape: HoleShape, eol: string): IndentVariant[] {
  const { text, holes } = request;
  if (holes.length !== 1 || holes[0].start !== holes[0].end || shape.kind !== 'line' || !shape.endsLine || !shape.atLineStart) return [];
  const at = holes[0].start;
  // Only the whole lines within nearHoles' margin of the hole: a long document's slice keeps them
  // whatever the canvas, so its variants are the whole document's (50 lines of 800 characters
  // reach past the margin); a line reaching past it (a minified file's) is not read at all.
  const [first, last] = linesWithin(text, at, at, MARGIN_CHARS);
  const before = text.slice(first, at).split('\n').filter((line) => line.trim() !== '');
  const after = text.slice(at, last).split('\n').filter((line) => line.trim() !== '');
  const previous = before.at(-1);
  const indents = new Set<string>();
  if (previous !== undefined) indents.add(indentOf(previous));
  if (after.length > 0) indents.add(indentOf(after[0]));
  if (previous !== undefined && BLOCK_OPENER.test(previous)) {
    indents.add(indentOf(previous) + unit([...before.slice(-UNIT_LINES), ...after.slice(0, UNIT_LINES)]));
  }
  return [...indents].map((indent) => ({
    indent,
    request: { ...request, text: `${text.slice(0, at)}${indent}${eol}${text.slice(at)}`, holes: [{ start: at + indent.length, end: at + indent.length }] },
  }));
}

function indentOf(line: string): string {
  return /^[ \t]*/.exec(line)![0];
}

/** One level of indentation as these lines spell it: their shortest indentation, else four spaces. */
function unit(lines: readonly string[]): string {
  const indents = lines.map(indentOf).filter((indent) => indent !== '');
  if (indents.length === 0) return '    ';
  return indents.reduce((a, b) => (b.length < a.length ? b : a));
}
