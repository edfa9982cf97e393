import * as vscode from 'vscode';
import { errorMessage, HolesApartError } from '../core/errors';
import { taggedLogger, type Logger } from '../core/logger';
import type { HoleFill, InfillRequest } from '../infill';
import { holeLine, indentStyle, sourceOf } from './editorContext';
import type { Filler } from './filler';
import { holesFromSelections } from './fillHoles';
import type { FillPreview } from './fillPreview';
import { holeOf } from './holeProgress';
import type { ModelManager } from './modelManager';
import type { Notices } from './notices';
import { proposalsFor } from './proposals';
import type { Settings } from './settings';

type Progress = vscode.Progress<{ message?: string }>;

/**
 * "Diffuse fill": every selection of the active editor is a hole (a cursor inserts), all denoised
 * jointly in one canvas, or one at a time where they are too far apart for one. The fills are
 * proposed, not written: they show as a preview (`fillPreview.ts`) that the user accepts (one edit,
 * one undo step) or rejects. Progress shows in the status bar; "Diffuse: Cancel Fill" (or clicking
 * the status item) stops it (`Filler.cancelAll`). If the document changed while the model worked,
 * nothing is proposed: the user's typing always wins.
 */
export class FillCommand {
  private readonly log: Logger;
  private running: AbortController | undefined;

  constructor(
    private readonly filler: Filler,
    private readonly models: ModelManager,
    private readonly settings: Settings,
    private readonly preview: FillPreview,
    private readonly notices: Notices,
    logger: Logger,
  ) {
    this.log = taggedLogger(logger, 'fill');
  }

  /** Resolves to whether a preview is shown. Never rejects. */
  async run(): Promise<boolean> {
    const editor = vscode.window.activeTextEditor;
    if (!editor) {
      void vscode.window.showInformationMessage(vscode.l10n.t('Diffuse fill needs an open editor.'));
      return false;
    }
    this.running?.abort();
    this.preview.reject();
    const controller = new AbortController();
    this.running = controller;
    try {
      return await vscode.window.withProgress(
        { location: vscode.ProgressLocation.Window, title: vscode.l10n.t('Diffuse: filling'), cancellable: true },
        (progress, token) => {
          token.onCancellationRequested(() => controller.abort());
          return this.fillEditor(editor, controller.signal, progress);
        },
      );
    } catch (error) {
      const message = errorMessage(error);
      this.log.error(`fill failed: ${message}`);
      void vscode.window.showErrorMessage(vscode.l10n.t('Diffuse fill failed: {0}', message));
      return false;
    } finally {
      if (this.running === controller) this.running = undefined;
    }
  }

  private async fillEditor(editor: vscode.TextEditor, signal: AbortSignal, progress: Progress): Promise<boolean> {
    const { document } = editor;
    // The holes are the selections when the command ran: the wait for a model loading must not move them
    const version = document.version;
    const holes = holesFromSelections(editor.selections.map((s) => ({ start: document.offsetAt(s.start), end: document.offsetAt(s.end) })));
    const request = { text: document.getText(), holes, indentation: indentStyle(document), languageId: document.languageId };
    try {
      await this.models.ready();
    } catch (error) {
      void vscode.window.showErrorMessage(vscode.l10n.t('Diffuse has no model: {0}', errorMessage(error)));
      return false;
    }
    // typed into while the model loaded: no fill of text that is gone
    const stale = signal.aborted || document.isClosed || document.version !== version;
    const fills = stale ? undefined : await this.fillHoles(document, version, request, signal, progress);
    if (document.isClosed || document.version !== version) {
      this.log.info(`document changed while filling (version ${version} → ${document.version}); fill discarded`);
      this.notices.say(vscode.l10n.t('the document changed while filling; nothing to preview'));
      return false;
    }
    if (!fills) {
      this.log.info('fill cancelled');
      return false;
    }
    const { minConfidence } = this.settings.for(document);
    const { proposals, empty, belowFloor } = proposalsFor(holes, fills, minConfidence);
    if (empty.length > 0) this.log.info(`${empty.length} hole(s) left empty: ${empty.join('; ')}`);
    if (belowFloor > 0) this.log.info(`${belowFloor} fill(s) hidden: below minConfidence ${minConfidence}`);
    if (proposals.length === 0) {
      this.notices.say(vscode.l10n.t('nothing to insert ({0})', empty[0] ?? 'empty fill'));
      return false;
    }
    this.preview.show(document, version, proposals);
    const what = proposals.some((p) => p.lowConfidence)
      ? vscode.l10n.t('low-confidence fill to review (below diffuse.minConfidence {0})', minConfidence)
      : proposals.length === 1 ? vscode.l10n.t('1 fill to review') : vscode.l10n.t('{0} fills to review', proposals.length);
    const hidden = belowFloor > 0 ? vscode.l10n.t(', {0} hidden below diffuse.minConfidence', belowFloor) : '';
    this.notices.say(`${what}${hidden}: ${vscode.l10n.t('Alt+Enter accepts, Escape rejects')}`);
    return true;
  }

  /**
   * The best fill of each hole, in order: all denoised jointly, or, when the holes and the text
   * between them outgrow one canvas, one fill per hole, each seeing the others' text as it is (they
   * stop once the document leaves `version`: nothing is proposed then). Undefined when cancelled or
   * stopped so.
   */
  private async fillHoles(
    document: vscode.TextDocument,
    version: number,
    request: InfillRequest,
    signal: AbortSignal,
    progress: Progress,
  ): Promise<ReadonlyArray<HoleFill | undefined> | undefined> {
    const source = (offset: number) => sourceOf(document, document.positionAt(offset));
    // one canvas, one trace of several holes: the view says which line each hole's tokens are on
    const holeLines = request.holes.length > 1 ? request.holes.map((hole) => holeLine(document.positionAt(hole.start))) : undefined;
    try {
      const result = await this.filler.fill(request, { signal, source: { ...source(request.holes[0].start), holeLines } });
      return result && (result.candidates[0]?.fills ?? []);
    } catch (error) {
      if (!(error instanceof HolesApartError) || request.holes.length < 2) throw error;
      this.log.info(`${error.message}: filling the ${request.holes.length} holes one at a time`);
    }
    return this.filler.asOneFill(signal, request.holes.length, async (fill) => {
      const fills: Array<HoleFill | undefined> = [];
      for (const hole of request.holes) {
        // the user's typing wins (fillEditor proposes nothing then): no fill of the holes left is wasted on it
        if (document.isClosed || document.version !== version) return undefined;
        const result = await fill({ ...request, holes: [hole] }, { source: source(hole.start) });
        if (!result) return undefined;
        fills.push(result.candidates[0]?.fills[0]);
      }
      return fills;
    }, (hole) => progress.report({ message: holeOf(hole, vscode.l10n.t) }));
  }
}
