/**
 * Shapes a fill for the editor: single- or multi-line by context, indentation in the editor's
 * style. Pure (no `vscode`), unit-tested in test/unit/providersShape.test.ts.
 */

export interface IndentStyle {
  readonly insertSpaces: boolean;
  readonly tabSize: number;
}

/** Where a cursor insertion lands. */
export interface LineContext {
  /** The line's text before the cursor. */
  readonly before: string;
  /** The line's text after the cursor. */
  readonly after: string;
}

/** A line ending in one of these opens a block, so a multi-line fill there is expected. */
const BLOCK_OPENER = /(?:[{([:]|=>|\bthen|\bdo|:=)\s*$/;

/**
 * Whether a fill at this cursor may span several lines: at the end of a line that is blank (a new
 * statement) or opens a block. Elsewhere users expect the rest of a line, not a new paragraph.
 */
export function allowsMultiline(line: LineContext): boolean {
  if (line.after.trim() !== '') return false;
  return line.before.trim() === '' || BLOCK_OPENER.test(line.before);
}

/** `text` cut to its first line unless `multiline`; trailing blank lines dropped either way. */
export function fitLines(text: string, multiline: boolean): string {
  const trimmed = text.replace(/(?:\r?\n[ \t]*)+$/, '');
  if (multiline) return trimmed;
  const newline = trimmed.search(/\r?\n/);
  return newline < 0 ? trimmed : trimmed.slice(0, newline);
}

/**
 * Re-indents every line after the first (the first continues the cursor's line) in the editor's
 * style: with spaces, each leading tab becomes `tabSize` spaces; with tabs, each leading run of
 * `tabSize` spaces becomes a tab. The nesting depth is kept, only its spelling changes.
 */
export function normalizeIndentation(text: string, style: IndentStyle): string {
  const unit = ' '.repeat(Math.max(1, style.tabSize));
  return text.replace(/(\r?\n)([ \t]+)/g, (_match, newline: string, indent: string) => {
    const columns = [...indent].reduce((width, c) => (c === '\t' ? width + unit.length - (width % unit.length) : width + 1), 0);
    const spelled = style.insertSpaces
      ? ' '.repeat(columns)
      : '\t'.repeat(Math.floor(columns / unit.length)) + ' '.repeat(columns % unit.length);
    return newline + spelled;
  });
}
