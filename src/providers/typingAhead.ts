/**
 * Filling ahead of VS Code: a keystroke reaches the extension host at once, as an edit and then a
 * keyboard move of the cursor, but VS Code asks for inline completions only once its own 50 ms
 * debounce has passed (81 ms after the key in the keystroke test, bench/README.md). A fill begun
 * when the cursor moves after an edit has that time to itself; VS Code's request for the same
 * document version and cursor then joins it instead of starting another (`InlineProvider`).
 *
 * `TypingWatch` tells such a move from the others (arrow keys, clicks, an edit by a command or
 * another extension, undo): pure over plain values, so the rules are tested without an editor.
 */
export class TypingWatch {
  private edited: { uri: string; version: number } | undefined;

  /** The document `uri` was edited (not by undo or redo) and is now at `version`. */
  edit(uri: string, version: number): void {
    this.edited = { uri, version };
  }

  /**
   * Whether this cursor move is typing: by the keyboard, one empty cursor, right after an edit of
   * the same document at its current version. Any keyboard move uses up the edit, so an arrow key
   * after typing is not typing again.
   */
  typed(move: { uri: string; version: number; byKeyboard: boolean; oneEmptyCursor: boolean }): boolean {
    if (!move.byKeyboard) return false;
    const edited = this.edited;
    this.edited = undefined;
    return edited?.uri === move.uri && edited.version === move.version && move.oneEmptyCursor;
  }
}

/** What a fill ahead is for: a document version and a cursor, as VS Code's request names them. */
export function aheadKey(uri: string, version: number, offset: number): string {
  return `${uri}#${version}@${offset}`;
}
