import * as vscode from 'vscode';
import { taggedLogger, type Logger } from '../core/logger';
import { indentStyle } from './editorContext';
import type { Filler } from './filler';
import { holesFromSelections } from './fillHoles';
import { errorMessage } from './logging';
import type { ModelManager } from './modelManager';

/** Context key that is true while a "Diffuse fill" runs (enables "Diffuse: Cancel Fill"). */
const FILLING_CONTEXT = 'diffuse.filling';

/**
 * "Diffuse fill": every selection of the active editor is a hole (a cursor inserts), all denoised
 * jointly in one canvas, applied as one edit, so one undo restores the text. Progress shows in the
 * status bar; "Diffuse: Cancel Fill" (or clicking the status item) stops it. If the document
 * changed while the model worked, nothing is applied: the user's typing always wins.
 */
export class FillCommand {
  private readonly log: Logger;
  private running: AbortController | undefined;

  constructor(private readonly filler: Filler, private readonly models: ModelManager, logger: Logger) {
    this.log = taggedLogger(logger, 'fill');
  }

  cancel(): void {
    this.running?.abort();
  }

  /** Resolves to whether the edit was applied. Never rejects. */
  async run(): Promise<boolean> {
    const editor = vscode.window.activeTextEditor;
    if (!editor) {
      void vscode.window.showInformationMessage(vscode.l10n.t('Diffuse fill needs an open editor.'));
      return false;
    }
    this.running?.abort();
    const controller = new AbortController();
    this.running = controller;
    void vscode.commands.executeCommand('setContext', FILLING_CONTEXT, true);
    try {
      return await vscode.window.withProgress(
        { location: vscode.ProgressLocation.Window, title: vscode.l10n.t('Diffuse: filling'), cancellable: true },
        (_progress, token) => {
          token.onCancellationRequested(() => controller.abort());
          return this.fillEditor(editor, controller.signal);
        },
      );
    } catch (error) {
      const message = errorMessage(error);
      this.log.error(`fill failed: ${message}`);
      void vscode.window.showErrorMessage(vscode.l10n.t('Diffuse fill failed: {0}', message));
      return false;
    } finally {
      if (this.running === controller) {
        this.running = undefined;
        void vscode.commands.executeCommand('setContext', FILLING_CONTEXT, false);
      }
    }
  }

  private async fillEditor(editor: vscode.TextEditor, signal: AbortSignal): Promise<boolean> {
    const { document } = editor;
    try {
      await this.models.ready();
    } catch (error) {
      void vscode.window.showErrorMessage(vscode.l10n.t('Diffuse has no model: {0}', errorMessage(error)));
      return false;
    }
    const version = document.version;
    const holes = holesFromSelections(editor.selections.map((s) => ({ start: document.offsetAt(s.start), end: document.offsetAt(s.end) })));
    const result = await this.filler.fill({ text: document.getText(), holes, indentation: indentStyle(document), languageId: document.languageId }, { signal });
    if (!result) {
      this.log.info('fill cancelled');
      return false;
    }
    if (document.isClosed || document.version !== version) {
      this.log.info(`document changed while filling (version ${version} → ${document.version}); fill discarded`);
      vscode.window.setStatusBarMessage(vscode.l10n.t('Diffuse: the document changed while filling; nothing was applied.'), 5000);
      return false;
    }
    const fills = result.candidates[0]?.fills ?? [];
    if (fills.every((fill) => fill.text === '')) {
      this.log.info(`nothing to insert: ${fills.map((fill) => fill.reason ?? 'empty').join('; ')}`);
      vscode.window.setStatusBarMessage(vscode.l10n.t('Diffuse: the model found nothing to insert.'), 5000);
      return false;
    }
    // One edit call is one undo step, whatever the number of holes. A hole the model left empty
    // keeps its text: an empty fill is no reason to delete what the user selected.
    return editor.edit((builder) => {
      holes.forEach((hole, i) => {
        if (fills[i].text === '') return;
        const range = new vscode.Range(document.positionAt(hole.start), document.positionAt(hole.end));
        builder.replace(range, fills[i].text);
      });
    });
  }
}
