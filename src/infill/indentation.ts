import { stringAround, tripleQuoted } from './tripleQuotes';
import type { Hole, InfillRequest } from './types';

/**
 * The editor's indentation style, for re-indenting a fill (the CLI has none: see requestForModel),
 * or the document's, when the model was shown it re-indented.
 */
export interface IndentStyle {
  readonly insertSpaces: boolean;
  readonly tabSize: number;
  /**
   * Columns of one indentation level in the document, where the fill's levels are the model's
   * four columns (requestForModel re-indented the document); undefined: the fill's columns stay.
   */
  readonly levelColumns?: number;
}

/**
 * Re-indents the fill's lines in the editor's style: with spaces, each leading tab becomes
 * `tabSize` columns; with tabs, each leading run of `tabSize` columns becomes a tab. The nesting
 * depth is kept, only its spelling changes (and, with `levelColumns`, the width of a level). The
 * first line continues the line the hole is on, so its leading whitespace is only re-spelled when
 * `firstLineToo` (the hole starts at column 0).
 */
export function normalizeIndentation(text: string, style: IndentStyle, firstLineToo = false): string {
  const unit = Math.max(1, style.tabSize);
  const respell = (indent: string): string => {
    const modelColumns = columnAfter(indent, style.levelColumns === undefined ? unit : MODEL_LEVEL);
    const columns = style.levelColumns === undefined ? modelColumns : Math.round((modelColumns * style.levelColumns) / MODEL_LEVEL);
    return style.insertSpaces ? ' '.repeat(columns) : '\t'.repeat(Math.floor(columns / unit)) + ' '.repeat(columns % unit);
  };
  const rest = text.replace(/(\r?\n)([ \t]+)/g, (_match, newline: string, indent: string) => newline + respell(indent));
  return firstLineToo ? rest.replace(/^[ \t]+/, respell) : rest;
}

/** A tab's char code. */
const TAB = 9;

/**
 * The visual column after `text` drawn from `column` at tab size `tabSize`, as VS Code's line
 * renderer counts when it places a line's tab stops (it walks char codes): a tab reaches the next
 * tab stop, a full-width character (`isFullWidth`: CJK, Hangul, full-width forms) takes two
 * columns, any other UTF-16 unit one, so a character outside the BMP, a surrogate pair (an emoji,
 * 𝑥), two as well, and a combining accent one. The one writer of that rule: an indentation's
 * width, and where a fill preview's tabs reach.
 */
export function columnAfter(text: string, tabSize: number, column = 0): number {
  let at = column;
  for (let i = 0; i < text.length; i++) {
    const code = text.charCodeAt(i);
    at = code === TAB ? nextTabStop(at, tabSize) : at + (isFullWidth(code) ? 2 : 1);
  }
  return at;
}

/**
 * Whether VS Code draws this UTF-16 unit two columns wide: the BMP's East Asian blocks from the
 * CJK radicals to the end of the Hangul ones (U+2E80-U+D7AF), the CJK compatibility ideographs
 * (U+F900-U+FAFF) and the full-width forms (U+FF01-U+FF5E, U+FFE0-U+FFE6): the ranges its
 * renderer tests (VS Code 1.139), not Unicode's whole East Asian Width table.
 */
function isFullWidth(code: number): boolean {
  return (code >= 0x2e80 && code <= 0xd7af) || (code >= 0xf900 && code <= 0xfaff) || (code >= 0xff01 && code <= 0xff5e) || (code >= 0xffe0 && code <= 0xffe6);
}

/** Where a tab at `column` reaches: the next multiple of `tabSize`, as editors lay tabs out. */
export function nextTabStop(column: number, tabSize: number): number {
  return column + tabSize - (column % tabSize);
}

/**
 * Columns of one indentation level in the text the model reads: its corpus indents with spaces,
 * Python by four (PEP 8), and it fills Python indented otherwise far worse (bench/README.md §14-15).
 */
const MODEL_LEVEL = 4;

/** Every line's leading whitespace (possibly empty). */
const LINE_INDENT = /^[ \t]*/gm;

/** A line's whole leading whitespace where it holds a tab (spaces first: no backtracking over a long run). */
const TAB_INDENT = /^ *\t[ \t]*/gm;

/**
 * The request as the model is shown it: every line's leading whitespace written as spaces, four
 * columns a level (a tab reaches the next multiple of four; Python whose indentation is all in
 * multiples of another width, two or eight columns, is re-spaced to four a level), the holes moved
 * to match, and the style its fills are to be spelled back in: with tabs where the document is
 * indented with tabs (tabIndented), unless the editor asks for spaces; with the document's own level
 * width (a tab's, spelled in spaces, is the editor's tabSize).
 * A request already indented so comes back as it is.
 */
export function requestForModel(request: InfillRequest): InfillRequest {
  // the corpus indents Python by four a level, its TypeScript and JavaScript mostly by two
  const levelColumns = request.languageId === 'python' ? documentLevel(request.text, request.holes) : undefined;
  const tabbed = tabIndented(request.text, request.holes);
  // the common case, on every keystroke: nothing to re-space, and no line built to find that out
  if (levelColumns === undefined && !tabbed) return request;
  const shown = respaced(request, levelColumns, tabbed);
  // A narrower level (eight columns shown as four) can put two cursors in one line's indentation
  // on one column, where the engine could not tell their fills apart, or shrink a selection of a
  // space or two to nothing, which the fill would then not replace: the widths then stay.
  const kept = (hole: Hole, i: number) =>
    (i === 0 || hole.start > shown.holes[i - 1].end) && (hole.end > hole.start || request.holes[i].end === request.holes[i].start);
  if (!shown.holes.every(kept)) return tabbed ? respaced(request, undefined, tabbed) : request;
  return shown;
}

/**
 * Whether the document is indented with tabs: a tab is in the indentation of a line with text, or
 * in front of a hole on its line (the line being written). A blank line's tab says nothing: editors
 * leave them behind in space-indented files, whose fills then came back in tabs (a TabError in Python).
 */
function tabIndented(text: string, holes: readonly Hole[]): boolean {
  for (const { index: start, 0: indent } of text.matchAll(TAB_INDENT)) {
    const end = start + indent.length;
    if (hasText(text, end) || holes.some((hole) => hole.start <= end && text.slice(start, hole.start).includes('\t'))) return true;
  }
  return false;
}

/** Whether more lines with text are indented with a tab than with spaces alone. */
function mostlyTabs(text: string): boolean {
  const count = (lines: RegExp) => {
    let n = 0;
    for (const _ of text.matchAll(lines)) n++;
    return n;
  };
  return count(/^ *\t[ \t]*\S/gm) > count(/^ +\S/gm);
}

/** `request` with every line's indentation in spaces, `levelColumns` (if any) shown as four. */
function respaced(request: InfillRequest, levelColumns: number | undefined, tabbed: boolean): InfillRequest {
  const { text } = request;
  const lines = [...text.matchAll(LINE_INDENT)].map((m) => ({ start: m.index, indent: m[0], columns: columnAfter(m[0], MODEL_LEVEL) }));
  const shownColumns = (columns: number) => (levelColumns === undefined ? columns : Math.round((columns / levelColumns) * MODEL_LEVEL));
  const changed = lines
    .map((line) => ({ ...line, shown: ' '.repeat(shownColumns(line.columns)) }))
    .filter((line) => line.shown !== line.indent);
  let shownText = '';
  let copied = 0;
  for (const { start, indent, shown } of changed) {
    shownText += text.slice(copied, start) + shown;
    copied = start + indent.length;
  }
  shownText += text.slice(copied);
  // An offset inside a rewritten indentation lands on the column it stood at.
  const moved = (offset: number): number => {
    let shift = 0;
    for (const { start, indent, shown } of changed) {
      if (start >= offset) break;
      if (offset < start + indent.length) {
        return start + shift + shownColumns(columnAfter(indent.slice(0, offset - start), MODEL_LEVEL));
      }
      shift += shown.length - indent.length;
    }
    return offset + shift;
  };
  const { indentation } = request;
  const style = indentation?.insertSpaces || !tabbed ? indentation ?? { insertSpaces: true, tabSize: MODEL_LEVEL } : { insertSpaces: false, tabSize: MODEL_LEVEL };
  // a tab, shown as the model's level, is the editor's tabSize columns when spelled in spaces; in a
  // file indented mostly by spaces (a stray tab line) the model's columns are the file's already
  const level = levelColumns ?? (tabbed && indentation?.insertSpaces && mostlyTabs(request.text) ? indentation.tabSize : undefined);
  return {
    ...request,
    text: shownText,
    holes: request.holes.map((hole) => ({ ...hole, start: moved(hole.start), end: moved(hole.end) })),
    indentation: level === undefined ? style : { ...style, levelColumns: level },
  };
}

/**
 * The width of one indentation level of a document indented in spaces in other steps than the
 * model's four: the narrowest indentation of a line with text, when every such line's indentation
 * is a multiple of it (a continuation line aligned under a bracket breaks that: then undefined).
 * The lines a hole touches do not count (it may leave part of an indentation, or add to one), but
 * for the line a hole ends in front of; nor do lines inside a triple-quoted string (a query or a
 * docstring's text is indented as its author liked, not in the code's levels).
 */
function documentLevel(text: string, holes: readonly Hole[]): number | undefined {
  // A hole that ends where the line starts leaves the line whole: its fill ends with a line break
  // (holeShape.ts `endsLine`: a cursor at column 0 in front of text, or whole lines selected).
  const touched = (start: number) => {
    const end = text.indexOf('\n', start);
    return holes.some((hole) => hole.start <= (end < 0 ? text.length : end) && hole.end > start);
  };
  const strings = tripleQuoted(text);
  const quoted = (start: number) => stringAround(strings, start) !== undefined;
  const widths: number[] = [];
  for (const { index: start, 0: indent } of text.matchAll(LINE_INDENT)) {
    if (indent === '' || !hasText(text, start + indent.length) || touched(start) || quoted(start)) continue;
    widths.push(columnAfter(indent, MODEL_LEVEL));
  }
  if (widths.length === 0) return undefined;
  // a loop, not Math.min(...widths): spreading one argument a line overflows the stack past ~125k lines
  const level = widths.reduce((min, w) => Math.min(min, w));
  return level === MODEL_LEVEL || level > 2 * MODEL_LEVEL || widths.some((w) => w % level !== 0) ? undefined : level;
}

/** Whether `text` goes on after offset `at` before its line ends. */
function hasText(text: string, at: number): boolean {
  return !/^\r?(\n|$)/.test(text.slice(at, at + 2));
}
