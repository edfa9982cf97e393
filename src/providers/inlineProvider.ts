import * as vscode from 'vscode';
import { taggedLogger, type Logger } from '../core/logger';
import type { Candidate, Hole } from '../infill';
import { AdaptiveDebounce } from './adaptiveDebounce';
import { Disposable } from './disposable';
import { delay, indentStyle, selectionAt } from './editorContext';
import type { Filler } from './filler';
import { errorMessage } from './logging';
import type { Settings } from './settings';
import { isEnabledFor } from './settingsModel';
import { anchorAt, remainderAfterTyping, type ShownSuggestion } from './shownSuggestion';

/** Candidates to cycle through on explicit invoke: the best fills of the hole lengths tried, one batch. */
const INVOKE_CANDIDATES = 3;

/** Where the fill goes and what the item replaces. */
interface Target {
  readonly hole: Hole;
  readonly range: vscode.Range;
  /** Text the item must start with (the selected IntelliSense item it extends). */
  readonly lead: string;
  /** The document text the model sees (with `lead` in place of its range). */
  readonly text: string;
  readonly atCursor: boolean;
}

/**
 * Ghost-text infill. A non-empty selection is the hole and the suggestion replaces it; at a cursor
 * the hole is an insertion. Automatic requests wait an adaptive debounce and the latest one wins
 * (a new request aborts the running fill between denoising steps); typing into a shown suggestion
 * is answered from it. Never throws into VS Code and never notifies: problems go to the log.
 */
export class InlineProvider extends Disposable implements vscode.InlineCompletionItemProvider {
  private readonly log: Logger;
  private readonly debounce = new AdaptiveDebounce();
  private running: AbortController | undefined;
  private shown: ShownSuggestion | undefined;

  constructor(private readonly filler: Filler, private readonly settings: Settings, logger: Logger) {
    super();
    this.log = taggedLogger(logger, 'inline');
    // A shown suggestion was sampled with the old settings; new ones deserve a new fill.
    this._register(settings.onDidChange(() => {
      this.shown = undefined;
    }));
  }

  async provideInlineCompletionItems(
    document: vscode.TextDocument,
    position: vscode.Position,
    context: vscode.InlineCompletionContext,
    token: vscode.CancellationToken,
  ): Promise<vscode.InlineCompletionItem[] | undefined> {
    try {
      return await this.provide(document, position, context, token);
    } catch (error) {
      this.log.error(`completion failed: ${errorMessage(error)}`);
      return undefined;
    }
  }

  private async provide(
    document: vscode.TextDocument,
    position: vscode.Position,
    context: vscode.InlineCompletionContext,
    token: vscode.CancellationToken,
  ): Promise<vscode.InlineCompletionItem[] | undefined> {
    const settings = this.settings.current;
    const invoked = context.triggerKind === vscode.InlineCompletionTriggerKind.Invoke;
    const selection = selectionAt(document, position);
    if (!isEnabledFor(settings, document.languageId)) return this.silent(`disabled for ${document.languageId}`);
    if (settings.trigger === 'manual' && !invoked) return this.silent('trigger is manual');
    if (settings.trigger === 'selection' && !invoked && !selection) return this.silent('trigger is selection-only');

    const text = document.getText();
    const target = this.target(document, text, position, selection, context.selectedCompletionInfo);
    if (!selection && !context.selectedCompletionInfo) {
      const remainder = remainderAfterTyping(this.shown, { uri: document.uri.toString(), text, offset: target.hole.start });
      if (remainder !== undefined) {
        this.log.trace('typed into the shown suggestion: reusing its rest');
        return [new vscode.InlineCompletionItem(remainder, target.range)];
      }
    }

    this.running?.abort();
    const controller = new AbortController();
    this.running = controller;
    const cancel = token.onCancellationRequested(() => controller.abort());
    try {
      if (!invoked && !(await delay(this.debounce.next(), token))) return undefined;
      const result = await this.filler.fill(
        { text: target.text, holes: [target.hole], indentation: indentStyle(document), languageId: document.languageId },
        invoked ? { signal: controller.signal, candidates: INVOKE_CANDIDATES } : { signal: controller.signal },
      );
      if (!result || token.isCancellationRequested) return undefined;
      const items = result.candidates
        .map((candidate) => this.item(target, candidate, settings.minConfidence))
        .filter((item): item is vscode.InlineCompletionItem => item !== undefined);
      if (items.length > 0 && target.atCursor && !context.selectedCompletionInfo) {
        this.shown = anchorAt(document.uri.toString(), text, target.hole.start, items[0].insertText as string);
      }
      return items;
    } finally {
      cancel.dispose();
      if (this.running === controller) this.running = undefined;
    }
  }

  private target(
    document: vscode.TextDocument,
    text: string,
    position: vscode.Position,
    selection: vscode.Selection | undefined,
    selected: vscode.SelectedCompletionInfo | undefined,
  ): Target {
    if (selection) {
      const start = document.offsetAt(selection.start);
      const end = document.offsetAt(selection.end);
      return { hole: { start, end }, range: selection, lead: '', text, atCursor: false };
    }
    if (selected) {
      // Extend the highlighted IntelliSense item: the model sees it accepted, the item starts with it.
      const from = document.offsetAt(selected.range.start);
      const to = document.offsetAt(selected.range.end);
      const accepted = text.slice(0, from) + selected.text + text.slice(to);
      const at = from + selected.text.length;
      return { hole: { start: at, end: at }, range: selected.range, lead: selected.text, text: accepted, atCursor: true };
    }
    const offset = document.offsetAt(position);
    return { hole: { start: offset, end: offset }, range: new vscode.Range(position, position), lead: '', text, atCursor: true };
  }

  /** The candidate as an item: its text is the engine's, shaped and indented as the CLI returns it. */
  private item(target: Target, candidate: Candidate, minConfidence: number): vscode.InlineCompletionItem | undefined {
    const fill = candidate.fills[0];
    if (candidate.confidence < minConfidence) {
      this.log.debug(`suppressed: confidence ${candidate.confidence.toFixed(3)} < minConfidence ${minConfidence} (${JSON.stringify(fill.text)})`);
      return undefined;
    }
    if (fill.text === '') {
      this.log.debug(`suppressed: ${fill.reason ?? 'empty fill'}`);
      return undefined;
    }
    return new vscode.InlineCompletionItem(target.lead + fill.text, target.range);
  }

  private silent(reason: string): undefined {
    this.log.trace(`silent: ${reason}`);
    return undefined;
  }
}
