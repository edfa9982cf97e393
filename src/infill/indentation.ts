/** The editor's indentation style, for re-indenting a fill (the CLI has none and keeps the model's). */
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
    const columns = [...indent].reduce((width, c) => (c === '\t' ? width + unit - (width % unit) : width + 1), 0);
    return style.insertSpaces ? ' '.repeat(columns) : '\t'.repeat(Math.floor(columns / unit)) + ' '.repeat(columns % unit);
  };
  const rest = text.replace(/(\r?\n)([ \t]+)/g, (_match, newline: string, indent: string) => newline + respell(indent));
  return firstLineToo ? rest.replace(/^[ \t]+/, respell) : rest;
}
