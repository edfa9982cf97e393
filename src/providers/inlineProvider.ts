import * as vscode from 'vscode';
import { errorMessage } from '../core/errors';
import { taggedLogger, type Logger } from '../core/logger';
import type { Candidate, Hole, InfillResult } from '../infill';
import { AdaptiveDebounce, TYPING_BOUNDS } from './adaptiveDebounce';
import { gateByConfidence } from './confidenceGate';
import { Disposable } from './disposable';
import { FillDeadline } from './fillDeadline';
import { indentStyle, selectionAt, sourceOf } from './editorContext';
import type { Filler } from './filler';
import { LatestRequest, type Request } from './latestRequest';
import { insideMergeConflict } from './mergeConflict';
import type { Notices } from './notices';
import { RequestTimeline, timelineLine, type RequestOutcome } from './requestTimeline';
import type { Settings } from './settings';
import { isEnabledFor, type ResourceSettings } from './settingsModel';
import { anchorAt, typedInto, type ShownSuggestion } from './shownSuggestion';
import { SilenceLog } from './silenceLog';
import { answersTyping, debounceCap, DeprecatedTriggerLog, fillsAhead, type TriggerMode } from './triggerModes';
import { aheadKey, TypingWatch } from './typingAhead';

/** Candidates to cycle through on explicit invoke: the best fills of the hole lengths tried, one batch. */
const INVOKE_CANDIDATES = 3;

/**
 * A document of whitespace alone gives the model no context, so what it writes there is a guess
 * in no particular language (`# module.js` at the top of an empty Python file): automatic ghost
 * text waits for the first character; an explicit trigger still fills.
 */
function isBlank(text: string): boolean {
  return !/\S/.test(text);
}

/**
 * Inside a merge conflict's block the user is choosing between two versions: automatic ghost text
 * there would guess at a third (PEERS.md §A.6, microsoft/vscode#322714); an explicit trigger still fills.
 */
function inConflict(document: vscode.TextDocument, position: vscode.Position): boolean {
  return insideMergeConflict((line) => document.lineAt(line).text, document.lineCount, position.line);
}

/** A fill's result, and whether its deadline cut it short (fillDeadline.ts): such a fill is not reused. */
interface Filled {
  readonly result: InfillResult;
  readonly cutShort: boolean;
}

/** A fill under way and how it is timed: the request's own, or one begun ahead of VS Code at a keystroke. */
interface FillUnderWay {
  readonly request: Request;
  readonly timeline: RequestTimeline;
  readonly filled: Promise<Filled | undefined>;
}

/** Where the fill goes and what the item replaces. */
interface Target {
  readonly hole: Hole;
  readonly range: vscode.Range;
  /** Text the item must start with (the selected IntelliSense item it extends). */
  readonly lead: string;
  /** The document text the model sees (with `lead` in place of its range). */
  readonly text: string;
}

/**
 * Ghost-text infill. The hole is an insertion at the cursor; a selection gets nothing (VS Code
 * shows no ghost text that replaces one: "Diffuse fill" is for that). Automatic requests wait an
 * adaptive debounce and the latest one wins (a new request aborts the running fill between denoising steps); typing into a shown suggestion
 * is answered from it, unless the request is explicit. A keystroke begins its fill at once, and
 * VS Code's request for that cursor joins it (typingAhead.ts), unless `diffuse.trigger` waits for
 * the typing to pause (`idle`, triggerModes.ts). Never throws into VS Code and never notifies:
 * problems go to the log, and an explicit trigger that shows nothing (or something low-confidence),
 * or fails, says why in the status bar.
 */
export class InlineProvider extends Disposable implements vscode.InlineCompletionItemProvider {
  private readonly log: Logger;
  /** Why a request showed nothing, once per document and reason (silenceLog.ts). */
  private readonly silences: SilenceLog;
  private readonly debounce = new AdaptiveDebounce();
  private readonly typingDebounce = new AdaptiveDebounce(undefined, TYPING_BOUNDS);
  private readonly latest = new LatestRequest();
  private readonly typing = new TypingWatch();
  private shown: ShownSuggestion | undefined;
  /** The fill begun at the last keystroke, for the request VS Code makes for it (`aheadKey`); dropped once cut short. */
  private ahead: (FillUnderWay & { readonly key: string; joined: boolean }) | undefined;
  /** Says once that `diffuse.trigger` `selection` works as `manual` (triggerModes.ts). */
  private readonly deprecatedTrigger: DeprecatedTriggerLog;

  /** `logLevelChanges`: the log channel's level changes (silence reasons are said again after one). */
  constructor(
    private readonly filler: Filler,
    private readonly settings: Settings,
    private readonly notices: Notices,
    logger: Logger,
    logLevelChanges?: vscode.Event<unknown>,
  ) {
    super();
    this.log = taggedLogger(logger, 'inline');
    this.silences = this._register(new SilenceLog(this.log, logLevelChanges));
    this.deprecatedTrigger = new DeprecatedTriggerLog(this.log);
    // A shown suggestion was sampled with the old settings; new ones deserve a new fill (and may
    // silence it for other reasons).
    this._register(settings.onDidChange((keys) => {
      this.shown = undefined;
      this.silences.forgetAll();
      if (keys.includes('trigger')) this.deprecatedTrigger.forget();
    }));
    this._register(vscode.workspace.onDidChangeTextDocument((e) => {
      if (e.contentChanges.length > 0 && e.reason === undefined) this.typing.edit(e.document.uri.toString(), e.document.version);
    }));
    this._register(vscode.window.onDidChangeTextEditorSelection((e) => {
      try {
        this.onCursorMoved(e);
      } catch (error) {
        this.log.error(`fill ahead failed: ${errorMessage(error)}`);
      }
    }));
  }

  /** A keystroke: the fill VS Code is about to ask for begins now (typingAhead.ts). */
  private onCursorMoved({ textEditor: editor, selections, kind }: vscode.TextEditorSelectionChangeEvent): void {
    const document = editor.document;
    const uri = document.uri.toString();
    const oneEmptyCursor = selections.length === 1 && selections[0].isEmpty;
    const byKeyboard = kind === vscode.TextEditorSelectionChangeKind.Keyboard;
    if (!this.typing.typed({ uri, version: document.version, byKeyboard, oneEmptyCursor })) return;
    const settings = this.settings.for(document);
    if (!this.fillsAheadIn(document, settings)) return;
    const text = document.getText();
    // VS Code's request will be silent (provide)
    if (isBlank(text) || inConflict(document, selections[0].active)) return;
    const target = this.target(document, text, selections[0].active, undefined);
    // Typing into the shown suggestion: VS Code's request is answered from it, with no fill.
    if (typedInto(this.shown, { uri, text, offset: target.hole.start })) return;
    const timeline = new RequestTimeline();
    const request = this.latest.begin();   // nothing but the next request ends it
    const filled = this.debouncedFill(document, target, request, timeline, 'ahead', settings.trigger);
    const ahead = { key: aheadKey(uri, document.version, target.hole.start), request, timeline, filled, joined: false };
    this.ahead = ahead;
    filled.then(
      (fill) => {
        // Cut short, it answers the requests that joined it while it ran, not a later one for the
        // same place: that one may run all its steps, as where the engine's cache has no such fill.
        if (fill?.cutShort && this.ahead === ahead) this.ahead = undefined;
        // Superseded before VS Code asked for it: its timeline is logged here (a joined one's, by the request).
        if (!fill && !ahead.joined) this.log.debug(timelineLine(timeline.finish('cancelled')));
      },
      (error: unknown) => {
        if (!ahead.joined) this.log.error(`fill ahead failed: ${errorMessage(error)}`);
      },
    );
  }

  /**
   * Whether a keystroke in `document` begins its fill ahead of VS Code: its trigger fills ahead
   * (triggerModes.ts), and VS Code will ask this provider for ghost text there.
   */
  private fillsAheadIn(document: vscode.TextDocument, settings: ResourceSettings): boolean {
    return fillsAhead(settings.trigger) && isEnabledFor(settings, document.languageId) && this.filler.hasModel &&
      vscode.workspace.getConfiguration('editor', document).get<boolean>('inlineSuggest.enabled', true);
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
      // never a silent explicit trigger: its failure is told where its other outcomes are
      if (context.triggerKind === vscode.InlineCompletionTriggerKind.Invoke) this.notices.say(vscode.l10n.t('the fill failed: see the Diffuse log'));
      return undefined;
    }
  }

  private async provide(
    document: vscode.TextDocument,
    position: vscode.Position,
    context: vscode.InlineCompletionContext,
    token: vscode.CancellationToken,
  ): Promise<vscode.InlineCompletionItem[] | undefined> {
    const timeline = new RequestTimeline();
    const settings = this.settings.for(document);
    const invoked = context.triggerKind === vscode.InlineCompletionTriggerKind.Invoke;
    if (!isEnabledFor(settings, document.languageId)) {
      if (invoked) this.notices.say(vscode.l10n.t('suggestions are off for {0} (diffuse.enable)', document.languageId));
      return this.silent(document, `disabled for ${document.languageId}`);
    }
    this.deprecatedTrigger.heard(settings.trigger);
    if (!answersTyping(settings.trigger) && !invoked) return this.silent(document, `trigger is ${settings.trigger}`);
    // VS Code 1.139 shows an item over a selection only where its text begins with the selected
    // text, and Tab accepts ghost text only while nothing is selected (`!editorHasSelection`): in
    // the real workbench (test/ui/tests.js) a replacement of the selection never showed, and Tab
    // replaced the selection with spaces or indented its lines. "Diffuse fill" previews a replacement.
    if (selectionAt(document, position)) {
      if (invoked) this.notices.say(vscode.l10n.t('ghost text can\'t replace a selection: use Diffuse fill'));
      return this.silent(document, 'text is selected (ghost text can\'t replace a selection: "Diffuse fill" can)');
    }

    const text = document.getText();
    if (!invoked && isBlank(text)) return this.silent(document, 'nothing in the document to fill from');
    if (!invoked && inConflict(document, position)) return this.silent(document, 'inside a merge conflict');
    this.silences.forget(document.uri.toString(true));
    const target = this.target(document, text, position, context.selectedCompletionInfo);
    // An explicit trigger (Alt+\, or Alt+] / Alt+[, which VS Code sends as one) asks for the
    // candidates to cycle through, every step run, not for the one suggestion shown.
    if (!invoked && !context.selectedCompletionInfo) {
      const typed = typedInto(this.shown, { uri: document.uri.toString(), text, offset: target.hole.start });
      if (typed) {
        this.log.trace('typed into the shown suggestion: answered from it');
        this.log.debug(timelineLine(timeline.finish('reused')));
        return [new vscode.InlineCompletionItem(typed.text, new vscode.Range(document.positionAt(typed.start), target.range.end))];
      }
    }

    if (invoked && !this.filler.hasModel) this.notices.say(vscode.l10n.t('no model loaded: see the status bar'));
    const key = aheadKey(document.uri.toString(), document.version, target.hole.start);
    // not one a joined request's cancellation stopped: a request for the same place again fills anew
    const ahead = !invoked && !context.selectedCompletionInfo && this.ahead?.key === key && !this.ahead.request.signal.aborted ? this.ahead : undefined;
    if (ahead) {
      ahead.joined = true;
      // the fill is this request's now: VS Code's cancellation (Escape, the cursor moved on) stops it
      ahead.request.follow(token);
    }
    const fill = ahead ?? this.ownFill(document, target, timeline, token, invoked, settings.trigger);
    let outcome: RequestOutcome = 'failed';
    try {
      const result = (await fill.filled)?.result;
      if (!result || token.isCancellationRequested) {
        outcome = 'cancelled';
        return undefined;
      }
      const items = this.items(target, result.candidates, settings.minConfidence, invoked);
      if (items.length > 0 && !context.selectedCompletionInfo) {
        this.shown = anchorAt(document.uri.toString(), text, target.hole.start, items[0].insertText as string);
      }
      outcome = items.length > 0 ? 'shown' : 'nothing';
      return items;
    } finally {
      fill.request.end();
      this.log.debug(timelineLine(fill.timeline.finish(outcome)));
    }
  }

  /** The request's own fill (it supersedes one begun ahead). */
  private ownFill(
    document: vscode.TextDocument, target: Target, timeline: RequestTimeline, token: vscode.CancellationToken, invoked: boolean, trigger: TriggerMode,
  ): FillUnderWay {
    const request = this.latest.begin(token);
    return { request, timeline, filled: this.debouncedFill(document, target, request, timeline, invoked ? 'invoked' : 'automatic', trigger) };
  }

  /**
   * The fill after the debounce (none for an explicit trigger; a fill begun ahead counts its wait
   * from the keystroke, TYPING_BOUNDS; `trigger`, the document's `diffuse.trigger`, caps it,
   * triggerModes.ts); undefined when superseded first.
   */
  private async debouncedFill(
    document: vscode.TextDocument,
    target: Target,
    request: Request,
    timeline: RequestTimeline,
    origin: 'invoked' | 'automatic' | 'ahead',
    trigger: TriggerMode,
  ): Promise<Filled | undefined> {
    const invoked = origin === 'invoked';
    const debounce = origin === 'ahead' ? this.typingDebounce : this.debounce;
    if (!invoked) {
      const cap = debounceCap(trigger, this.filler.passMs);
      if (!(await request.wait(debounce.next(cap)))) return undefined;
    }
    timeline.fillStarted();
    // Automatic ghost text is worth showing only in time (fillDeadline.ts); one the user asked for runs every step.
    const deadline = invoked ? undefined : FillDeadline.forAutomaticFill(this.settings.current.autoFillDeadlineMs);
    const result = await this.filler.fill(
      { text: target.text, holes: [target.hole], indentation: indentStyle(document), languageId: document.languageId },
      {
        signal: request.signal,
        source: sourceOf(document, target.range.end),
        onForwardPass: (time) => timeline.forwardPass(time),
        ...(invoked ? { candidates: INVOKE_CANDIDATES } : {}),
        // Ghost text inside a line stays on that line: users of inline completion expect several
        // lines only where the rest of the line is empty or a block opens (docs/extension.md,
        // "Shape"); "Diffuse fill" takes the model's line breaks there.
        inlineBreaks: false,
        ahead: origin === 'ahead',
        deadline,
      },
    );
    if (!result) return undefined;
    const cutShort = deadline?.cutShort !== undefined;
    timeline.filled({ cached: result.cached, cutShort });
    return { result, cutShort };
  }

  private target(
    document: vscode.TextDocument,
    text: string,
    position: vscode.Position,
    selected: vscode.SelectedCompletionInfo | undefined,
  ): Target {
    if (selected) {
      // Extend the highlighted IntelliSense item: the model sees it accepted, the item starts with it.
      const from = document.offsetAt(selected.range.start);
      const to = document.offsetAt(selected.range.end);
      const accepted = text.slice(0, from) + selected.text + text.slice(to);
      const at = from + selected.text.length;
      return { hole: { start: at, end: at }, range: selected.range, lead: selected.text, text: accepted };
    }
    const offset = document.offsetAt(position);
    return { hole: { start: offset, end: offset }, range: new vscode.Range(position, position), lead: '', text };
  }

  /**
   * The candidates as items: the engine's text, shaped and indented as the CLI returns it. Empty
   * fills are dropped; so are candidates below `minConfidence`, except that an explicit trigger
   * still gets the best one, and the status bar says it is low-confidence (`confidenceGate.ts`).
   * An explicit trigger that gets nothing is told why.
   */
  private items(target: Target, candidates: readonly Candidate[], minConfidence: number, invoked: boolean): vscode.InlineCompletionItem[] {
    const filled = candidates.filter((candidate) => {
      if (candidate.fills[0].text !== '') return true;
      this.log.debug(`suppressed: ${candidate.fills[0].reason ?? 'empty fill'}`);
      return false;
    });
    const gated = gateByConfidence(filled, (c) => c.confidence, minConfidence, invoked ? 1 : 0);
    for (const candidate of filled) {
      if (candidate.confidence < minConfidence) {
        this.log.debug(`${gated.lowConfidence && gated.kept.includes(candidate) ? 'shown anyway (explicit trigger)' : 'suppressed'}: ` +
          `confidence ${candidate.confidence.toFixed(3)} < minConfidence ${minConfidence} (${JSON.stringify(candidate.fills[0].text)})`);
      }
    }
    if (invoked && gated.lowConfidence) {
      this.notices.say(vscode.l10n.t('low-confidence suggestion ({0}, below diffuse.minConfidence {1})', gated.kept[0].confidence.toFixed(2), minConfidence));
    } else if (invoked && filled.length === 0) {
      this.notices.say(vscode.l10n.t('nothing to suggest here ({0})', candidates[0]?.fills[0].reason ?? 'empty fill'));
    }
    return gated.kept.map((candidate) => new vscode.InlineCompletionItem(target.lead + candidate.fills[0].text, target.range));
  }

  private silent(document: vscode.TextDocument, reason: string): undefined {
    this.silences.say(document.uri.toString(true), reason);
    return undefined;
  }
}
