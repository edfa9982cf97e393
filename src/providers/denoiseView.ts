import { randomBytes } from 'node:crypto';
import * as vscode from 'vscode';
import type { ShownTrace } from './shownTrace';
import { denoiseViewHtml } from './denoiseViewHtml';
import { Disposable } from './disposable';
import type { Filler } from './filler';
import { holeOf, holePlace } from './holeProgress';
import type { Settings } from './settings';
import { DEFAULT_SETTINGS, SETTING_RANGES, type SettingKey } from './settingsModel';

/** Messages the view's script may send; anything else is ignored. */
type FromView =
  | { readonly type: 'ready' }
  | { readonly type: 'set'; readonly key: 'steps' | 'strategy' | 'threshold' | 'temperature'; readonly value: unknown };

const WRITABLE: readonly SettingKey[] = ['steps', 'strategy', 'threshold', 'temperature'];
/** Settings the view shows: the writable ones, and the hole size that bounds the steps slider. */
const SHOWN: readonly SettingKey[] = [...WRITABLE, 'maxHoleTokens'];

/**
 * The "Denoising" view: the steps slider and the sampler settings, bound two-way to the user's
 * settings, and the last fill's denoising trace (tokens by reveal step and confidence), named by
 * file, line and time, with a legend, scrubbable by step and replayable. The slider runs from 1
 * to the hole's slots (`diffuse.maxHoleTokens`: more steps than slots reveal nothing more) with
 * the default marked, so no click lands on an extreme value. Where one "Diffuse fill" filled its
 * holes one after another (too far apart for one canvas), the view holds each hole's trace, says
 * which it shows ("hole k of N") and steps between them. The HTML only loads `media/denoise.{js,css}`
 * under a nonce-based CSP.
 */
export class DenoiseView extends Disposable implements vscode.WebviewViewProvider {
  static readonly viewId = 'diffuse.denoiseView';
  private view: vscode.WebviewView | undefined;

  constructor(private readonly extensionUri: vscode.Uri, private readonly settings: Settings, private readonly filler: Filler) {
    super();
    this._register(settings.onDidChange((keys) => {
      if (keys.some((key) => SHOWN.includes(key))) this.postSettings();
    }));
    this._register(filler.onDidTrace((traces) => this.postTraces(traces)));
  }

  resolveWebviewView(view: vscode.WebviewView): void {
    this.view = view;
    const media = vscode.Uri.joinPath(this.extensionUri, 'media');
    view.webview.options = { enableScripts: true, localResourceRoots: [media] };
    view.webview.html = this.html(view.webview, media);
    // This view's listeners end with it: VS Code resolves a new view each time it is shown again
    const receiving = view.webview.onDidReceiveMessage((message: FromView) => this.receive(message));
    const disposing = view.onDidDispose(() => {
      receiving.dispose();
      disposing.dispose();
      if (this.view === view) this.view = undefined;
    });
  }

  private async receive(message: FromView): Promise<void> {
    if (message?.type === 'ready') {
      this.postSettings();
      if (this.filler.lastTraces.length > 0) this.postTraces(this.filler.lastTraces, true);
    } else if (message?.type === 'set' && WRITABLE.includes(message.key)) {
      // The settings normalizer rejects a bad value, so a stray message cannot break sampling.
      await this.settings.update(message.key, message.value);
    }
  }

  private postSettings(): void {
    const { steps, strategy, threshold, temperature, maxHoleTokens } = this.settings.current;
    // A value set above the slots elsewhere (settings.json) still shows as itself.
    const maxSteps = Math.min(SETTING_RANGES.steps.max, Math.max(maxHoleTokens, steps));
    void this.view?.webview.postMessage({
      type: 'settings', steps, strategy, threshold: threshold ?? 0, temperature, maxSteps, defaultSteps: DEFAULT_SETTINGS.steps,
      hint: vscode.l10n.t('1–{0} (the hole slots) · ▲ default {1}', maxSteps, DEFAULT_SETTINGS.steps),
    });
  }

  /** The last request's traces, one per fill (a hole each where "Diffuse fill" filled them one after another), each with its caption. */
  private postTraces(traces: readonly ShownTrace[], restore = false): void {
    const captioned = traces.map((trace, i) => {
      const { file, line, holeLines, finishedAt, ms, cutShort } = trace.origin;
      const took = vscode.l10n.t('at {0}, {1} ms', new Date(finishedAt).toLocaleTimeString(), Math.round(ms));
      const when = cutShort ? `${took} · ${vscode.l10n.t('cut short at step {0} of {1} (diffuse.autoFillDeadlineMs)', cutShort.step, cutShort.totalSteps)}` : took;
      const where = file === undefined || line === undefined ? undefined
        : holeLines ? vscode.l10n.t('{0}, lines {1}', file, holeLines.join(', ')) : vscode.l10n.t('{0}, line {1}', file, line);
      const caption = where === undefined ? when : `${where} · ${when}`;
      // the request's own count: while its later holes fill, or where one published no trace (a cache hit), the list is shorter
      const hole = trace.origin.hole ?? holePlace(i, traces.length);
      const holeLabels = holeLines?.map((holeLine) => vscode.l10n.t('line {0}', holeLine));
      return { trace, caption, label: holeOf(hole, vscode.l10n.t), holeLabels };
    });
    // `restore`: the view (re)opened and asked; it keeps the hole it showed rather than jumping to the newest
    void this.view?.webview.postMessage({ type: 'traces', traces: captioned, restore });
  }

  private html(webview: vscode.Webview, media: vscode.Uri): string {
    return denoiseViewHtml({
      nonce: randomBytes(16).toString('base64'),
      cspSource: webview.cspSource,
      script: webview.asWebviewUri(vscode.Uri.joinPath(media, 'denoise.js')).toString(),
      style: webview.asWebviewUri(vscode.Uri.joinPath(media, 'denoise.css')).toString(),
      translate: (text) => vscode.l10n.t(text),
    });
  }
}
