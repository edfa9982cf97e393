import * as vscode from 'vscode';
import { errorMessage } from '../core/errors';
import { taggedLogger, type Logger } from '../core/logger';
import { Disposable } from './disposable';
import { tabSizeOf } from './editorContext';
import type { Notices } from './notices';
import { previewTexts, type Proposal } from './proposals';

/** Context key: the active editor shows a fill preview (enables the Accept / Reject keys). */
const PREVIEW_CONTEXT = 'diffuse.fillPreview';

interface Pending {
  readonly document: vscode.TextDocument;
  /** The document version the proposals were computed on: any edit invalidates them. */
  readonly version: number;
  readonly proposals: readonly Proposal[];
}

/**
 * "Diffuse fill" proposes, the user disposes: the fills show as decorations (the replaced text
 * struck through, the new text inline after it, marked when low-confidence), with Accept / Reject
 * as CodeLens, commands and keys. Nothing touches the document until Accept, which applies every
 * proposal as one edit (one undo step). Any edit of the document drops the preview: its offsets
 * no longer hold. One preview at a time; a new fill replaces it.
 */
export class FillPreview extends Disposable implements vscode.CodeLensProvider {
  private readonly _onDidChangeCodeLenses = this._register(new vscode.EventEmitter<void>());
  readonly onDidChangeCodeLenses = this._onDidChangeCodeLenses.event;
  private readonly log: Logger;
  private readonly inserted = this._register(vscode.window.createTextEditorDecorationType({
    after: { backgroundColor: new vscode.ThemeColor('diffEditor.insertedTextBackground'), color: new vscode.ThemeColor('editor.foreground') },
  }));
  private readonly insertedLow = this._register(vscode.window.createTextEditorDecorationType({
    after: {
      backgroundColor: new vscode.ThemeColor('diffEditor.insertedTextBackground'),
      color: new vscode.ThemeColor('editor.foreground'),
      border: '1px dashed',
      borderColor: new vscode.ThemeColor('editorWarning.foreground'),
    },
  }));
  private readonly removed = this._register(vscode.window.createTextEditorDecorationType({
    backgroundColor: new vscode.ThemeColor('diffEditor.removedTextBackground'),
    textDecoration: 'line-through',
  }));
  private pending: Pending | undefined;
  /** Each proposal's decoration text as last drawn (undefined until an editor of the document shows it). */
  private drawn: readonly string[] | undefined;

  constructor(private readonly notices: Notices, logger: Logger) {
    super();
    this.log = taggedLogger(logger, 'preview');
    this._register(vscode.workspace.onDidChangeTextDocument((e) => {
      if (e.document === this.pending?.document && e.contentChanges.length > 0) {
        this.clear();
        this.notices.say(vscode.l10n.t('fill preview dropped: the document changed'));
      }
    }));
    this._register(vscode.workspace.onDidCloseTextDocument((document) => {
      if (document === this.pending?.document) this.clear();
    }));
    this._register(vscode.window.onDidChangeVisibleTextEditors(() => this.draw()));
    // a new tab size moves the preview's tab stops
    this._register(vscode.window.onDidChangeTextEditorOptions((e) => {
      if (e.textEditor.document === this.pending?.document) this.draw();
    }));
    this._register(vscode.window.onDidChangeActiveTextEditor(() => this.updateContext()));
    this._register({ dispose: () => void vscode.commands.executeCommand('setContext', PREVIEW_CONTEXT, false) });
  }

  /** The proposals on show, their document and their text as last drawn in an editor of it (for tests). */
  get current(): { readonly uri: string; readonly proposals: readonly Proposal[]; readonly drawn?: readonly string[] } | undefined {
    return this.pending && { uri: this.pending.document.uri.toString(), proposals: this.pending.proposals, drawn: this.drawn };
  }

  show(document: vscode.TextDocument, version: number, proposals: readonly Proposal[]): void {
    this.pending = { document, version, proposals };
    this.log.debug(`${proposals.length} proposal(s) in ${document.uri.toString(true)}`);
    this.draw();
  }

  /** Applies every proposal as one edit. Resolves to whether it was applied; never rejects. */
  async accept(): Promise<boolean> {
    const pending = this.pending;
    if (!pending) return false;
    this.clear();
    const { document, proposals } = pending;
    if (document.isClosed || document.version !== pending.version) return false;
    const range = (p: Proposal) => new vscode.Range(document.positionAt(p.start), document.positionAt(p.end));
    const editor = vscode.window.visibleTextEditors.find((e) => e.document === document);
    try {
      // One edit call is one undo step, whatever the number of holes.
      if (editor) return await editor.edit((builder) => proposals.forEach((p) => builder.replace(range(p), p.text)));
      const edit = new vscode.WorkspaceEdit();
      for (const p of proposals) edit.replace(document.uri, range(p), p.text);
      return await vscode.workspace.applyEdit(edit);
    } catch (error) {
      this.log.error(`applying the fill failed: ${errorMessage(error)}`);
      return false;
    }
  }

  /** Drops the preview; resolves to whether there was one. */
  reject(): boolean {
    const had = this.pending !== undefined;
    this.clear();
    return had;
  }

  provideCodeLenses(document: vscode.TextDocument): vscode.CodeLens[] {
    const pending = this.pending;
    if (document !== pending?.document || pending.proposals.length === 0) return [];
    const at = new vscode.Range(document.positionAt(pending.proposals[0].start), document.positionAt(pending.proposals[0].start));
    const low = pending.proposals.some((p) => p.lowConfidence);
    return [
      new vscode.CodeLens(at, {
        title: `$(check) ${vscode.l10n.t('Accept Diffuse fill (Alt+Enter)')}`,
        command: 'diffuse.acceptFill',
      }),
      new vscode.CodeLens(at, { title: `$(close) ${vscode.l10n.t('Reject (Escape)')}`, command: 'diffuse.rejectFill' }),
      ...(low ? [new vscode.CodeLens(at, { title: `$(warning) ${vscode.l10n.t('low confidence')}`, command: '' })] : []),
    ];
  }

  private clear(): void {
    if (!this.pending) return;
    this.pending = undefined;
    this.draw();
  }

  private draw(): void {
    this.drawn = undefined;
    for (const editor of vscode.window.visibleTextEditors) {
      const own = this.pending && editor.document === this.pending.document ? this.pending.proposals : [];
      const document = editor.document;
      const hover = (p: Proposal) => hoverFor(p, document.languageId);
      const at = (offset: number) => document.positionAt(offset);
      editor.setDecorations(this.removed, own.filter((p) => p.end > p.start).map((p) => ({ range: new vscode.Range(at(p.start), at(p.end)), hoverMessage: hover(p) })));
      // the preview's tabs reach the editor's tab stops, counted from where it is drawn
      const texts = own.length > 0 ? previewTexts(document.getText(), own, tabSizeOf(document, editor.options)) : [];
      if (own.length > 0) this.drawn = texts;
      const insertions = (low: boolean): vscode.DecorationOptions[] => own.flatMap((p, i) => (p.lowConfidence !== low ? [] : [{
        range: new vscode.Range(at(p.end), at(p.end)),
        hoverMessage: hover(p),
        renderOptions: { after: { contentText: texts[i] } },
      }]));
      editor.setDecorations(this.inserted, insertions(false));
      editor.setDecorations(this.insertedLow, insertions(true));
    }
    this._onDidChangeCodeLenses.fire();
    this.updateContext();
  }

  private updateContext(): void {
    const active = vscode.window.activeTextEditor?.document;
    void vscode.commands.executeCommand('setContext', PREVIEW_CONTEXT, active !== undefined && active === this.pending?.document);
  }
}

function hoverFor(proposal: Proposal, languageId: string): vscode.MarkdownString {
  const confidence = proposal.confidence.toFixed(2);
  const hover = new vscode.MarkdownString();
  hover.appendMarkdown(proposal.lowConfidence
    ? vscode.l10n.t('**Diffuse fill**, low confidence ({0}, below `diffuse.minConfidence`)', confidence)
    : vscode.l10n.t('**Diffuse fill**, confidence {0}', confidence));
  hover.appendCodeblock(proposal.text, languageId);
  hover.appendMarkdown(vscode.l10n.t('Accept: Alt+Enter · Reject: Escape'));
  return hover;
}
