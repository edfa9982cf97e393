import type { InfillRequest } from './types';

/** The editor's indentation style, for re-indenting a fill (the CLI has none: see spacedRequest). */
export interface IndentStyle {
  readonly insertSpaces: boolean;
  readonly tabSize: number;
}

/**
 * Re-indents the fill's lines in the editor's style: with spaces, each leading tab becomes
 * `tabSize` columns; with tabs, each leading run of `tabSize` columns becomes a tab. The nesting
 * depth is kept, only its spelling changes. The first line continues the line the hole is on, so
 * its leading whitespace is only re-spelled when `firstLineToo` (the hole starts at column 0).
 */
export function normalizeIndentation(text: string, style: IndentStyle, firstLineToo = false): string {
  const unit = Math.max(1, style.tabSize);
  const respell = (indent: string): string => {
    const columns = indentColumns(indent, unit);
    return style.insertSpaces ? ' '.repeat(columns) : '\t'.repeat(Math.floor(columns / unit)) + ' '.repeat(columns % unit);
  };
  const rest = text.replace(/(\r?\n)([ \t]+)/g, (_match, newline: string, indent: string) => newline + respell(indent));
  return firstLineToo ? rest.replace(/^[ \t]+/, respell) : rest;
}

/** The width of leading whitespace in columns, a tab reaching the next multiple of `tabSize`. */
function indentColumns(indent: string, tabSize: number): number {
  return [...indent].reduce((width, c) => (c === '\t' ? width + tabSize - (width % tabSize) : width + 1), 0);
}

/**
 * Columns of a tab in the text the model reads: its corpus indents with spaces, Python by four
 * (PEP 8), and it fills tab-indented Python far worse (bench/README.md §14).
 */
const MODEL_TAB_COLUMNS = 4;

/** Leading whitespace of a line that holds a tab. */
const TABBED_INDENT = /^[ \t]*\t[ \t]*/gm;

/**
 * The request as the model is shown it: every line's leading whitespace that holds a tab written
 * as spaces (tab stops every four columns), the holes moved to match, and the fills to be spelled
 * back with tabs, unless the editor asks for spaces. Only indentation changes: a tab inside a line
 * stays. A request without tab indentation comes back as it is.
 */
export function spacedRequest(request: InfillRequest): InfillRequest {
  const { text } = request;
  const indents = [...text.matchAll(TABBED_INDENT)].map((m) => ({ start: m.index, indent: m[0] }));
  if (indents.length === 0) return request;
  let spaced = '';
  let copied = 0;
  for (const { start, indent } of indents) {
    spaced += text.slice(copied, start) + ' '.repeat(indentColumns(indent, MODEL_TAB_COLUMNS));
    copied = start + indent.length;
  }
  spaced += text.slice(copied);
  // An offset inside a rewritten indentation lands on the column it stood at.
  const moved = (offset: number): number => {
    let shift = 0;
    for (const { start, indent } of indents) {
      if (start >= offset) break;
      if (offset < start + indent.length) return start + shift + indentColumns(indent.slice(0, offset - start), MODEL_TAB_COLUMNS);
      shift += indentColumns(indent, MODEL_TAB_COLUMNS) - indent.length;
    }
    return offset + shift;
  };
  return {
    ...request,
    text: spaced,
    holes: request.holes.map((hole) => ({ ...hole, start: moved(hole.start), end: moved(hole.end) })),
    indentation: request.indentation?.insertSpaces ? request.indentation : { insertSpaces: false, tabSize: MODEL_TAB_COLUMNS },
  };
}
