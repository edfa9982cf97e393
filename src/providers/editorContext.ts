import * as vscode from 'vscode';
import type { IndentStyle } from '../infill';

/** The editor's indentation style for `document`: its visible editor's options, else the settings. */
export function indentStyle(document: vscode.TextDocument): IndentStyle {
  const options = vscode.window.visibleTextEditors.find((e) => e.document === document)?.options;
  const config = vscode.workspace.getConfiguration('editor', document);
  const insertSpaces = typeof options?.insertSpaces === 'boolean' ? options.insertSpaces : config.get<boolean>('insertSpaces', true);
  return { insertSpaces, tabSize: tabSizeOf(document, options) };
}

/** The tab size of an editor of `document` with `options`: theirs, else the `editor.tabSize` setting (an option may read 'auto'). */
export function tabSizeOf(document: vscode.TextDocument, options: vscode.TextEditorOptions | undefined): number {
  return typeof options?.tabSize === 'number' ? options.tabSize : vscode.workspace.getConfiguration('editor', document).get<number>('tabSize', 4);
}

/** The line of a hole at `position` as the denoising view names it: 1-based (VS Code's are 0-based). */
export function holeLine(position: vscode.Position): number {
  return position.line + 1;
}

/** Where a hole at `position` is, as the denoising view names it: workspace-relative file, 1-based line (`holeLine`). */
export function sourceOf(document: vscode.TextDocument, position: vscode.Position): { file: string; line: number } {
  return { file: vscode.workspace.asRelativePath(document.uri), line: holeLine(position) };
}

/**
 * The non-empty selection of `document`'s active editor that ends at `position`, if any: its
 * cursor, or its end whichever way it was made (VS Code asks for inline completions at a
 * selection's end even where the cursor is at its start: a selection made upwards or leftwards).
 */
export function selectionAt(document: vscode.TextDocument, position: vscode.Position): vscode.Selection | undefined {
  const editor = vscode.window.activeTextEditor;
  if (editor?.document !== document) return undefined;
  return editor.selections.find((s) => !s.isEmpty && (s.active.isEqual(position) || s.end.isEqual(position)));
}
