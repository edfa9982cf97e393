import { randomBytes } from 'node:crypto';
import * as vscode from 'vscode';
import type { ShownTrace } from './denoiseTrace';
import { Disposable } from './disposable';
import type { Filler } from './filler';
import type { Settings } from './settings';
import { DEFAULT_SETTINGS, STEPS_RANGE, type SettingKey } from './settingsModel';

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
 * the default marked, so no click lands on an extreme value. The HTML only loads
 * `media/denoise.{js,css}` under a nonce-based CSP.
 */
export class DenoiseView extends Disposable implements vscode.WebviewViewProvider {
  static readonly viewId = 'diffuse.denoiseView';
  private view: vscode.WebviewView | undefined;

  constructor(private readonly extensionUri: vscode.Uri, private readonly settings: Settings, private readonly filler: Filler) {
    super();
    this._register(settings.onDidChange((keys) => {
      if (keys.some((key) => SHOWN.includes(key))) this.postSettings();
    }));
    this._register(filler.onDidTrace((trace) => this.postTrace(trace)));
  }

  resolveWebviewView(view: vscode.WebviewView): void {
    this.view = view;
    const media = vscode.Uri.joinPath(this.extensionUri, 'media');
    view.webview.options = { enableScripts: true, localResourceRoots: [media] };
    view.webview.html = this.html(view.webview, media);
    this._register(view.webview.onDidReceiveMessage((message: FromView) => this.receive(message)));
    this._register(view.onDidDispose(() => {
      if (this.view === view) this.view = undefined;
    }));
  }

  private async receive(message: FromView): Promise<void> {
    if (message?.type === 'ready') {
      this.postSettings();
      if (this.filler.lastTrace) this.postTrace(this.filler.lastTrace);
    } else if (message?.type === 'set' && WRITABLE.includes(message.key)) {
      // The settings normalizer rejects a bad value, so a stray message cannot break sampling.
      await this.settings.update(message.key, message.value);
    }
  }

  private postSettings(): void {
    const { steps, strategy, threshold, temperature, maxHoleTokens } = this.settings.current;
    // A value set above the slots elsewhere (settings.json) still shows as itself.
    const maxSteps = Math.min(STEPS_RANGE.max, Math.max(maxHoleTokens, steps));
    void this.view?.webview.postMessage({
      type: 'settings', steps, strategy, threshold: threshold ?? 0, temperature, maxSteps, defaultSteps: DEFAULT_SETTINGS.steps,
      hint: vscode.l10n.t('1–{0} (the hole slots) · ▲ default {1}', maxSteps, DEFAULT_SETTINGS.steps),
    });
  }

  private postTrace(trace: ShownTrace): void {
    const { file, line, finishedAt, ms } = trace.origin;
    const when = vscode.l10n.t('at {0}, {1} ms', new Date(finishedAt).toLocaleTimeString(), Math.round(ms));
    const caption = file !== undefined && line !== undefined ? `${vscode.l10n.t('{0}, line {1}', file, line)} · ${when}` : when;
    void this.view?.webview.postMessage({ type: 'trace', trace, caption });
  }

  private html(webview: vscode.Webview, media: vscode.Uri): string {
    const nonce = randomBytes(16).toString('base64');
    const script = webview.asWebviewUri(vscode.Uri.joinPath(media, 'denoise.js'));
    const style = webview.asWebviewUri(vscode.Uri.joinPath(media, 'denoise.css'));
    const t = (s: string): string => escapeHtml(vscode.l10n.t(s));

    return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="UTF-8">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src ${webview.cspSource}; script-src 'nonce-${nonce}';">
<meta name="viewport" content="width=device-width, initial-scale=1.0">
<link href="${style}" rel="stylesheet">
<title>${t('Denoising')}</title>
</head>
<body>
<form id="settings" aria-label="${t('Sampler settings')}">
  <label for="steps">${t('Steps')} <output id="stepsValue" for="steps"></output></label>
  <div class="steps">
    <div class="slider">
      <input type="range" id="steps" min="${STEPS_RANGE.min}" step="1" list="stepsMarks" aria-describedby="stepsHint">
      <datalist id="stepsMarks"><option id="defaultMark"></option></datalist>
      <span id="defaultTick" class="tick" aria-hidden="true" title="${t('default')}">▲</span>
    </div>
    <div id="stepsHint" class="hint"></div>
    <button type="button" id="stepsReset" class="link">${t('Reset to default')}</button>
  </div>
  <label for="strategy">${t('Unmasking strategy')}</label>
  <select id="strategy">
    <option value="confidence">${t('confidence')}</option>
    <option value="margin">${t('margin')}</option>
    <option value="entropy">${t('entropy')}</option>
    <option value="random">${t('random')}</option>
  </select>
  <label for="threshold">${t('Threshold (0 = off)')}</label>
  <input type="number" id="threshold" min="0" max="1" step="0.05">
  <label for="temperature">${t('Temperature')}</label>
  <input type="number" id="temperature" min="0" max="2" step="0.1">
</form>
<section aria-labelledby="traceTitle">
  <h2 id="traceTitle">${t('Last fill')}</h2>
  <div id="origin" class="hint"></div>
  <div class="trace-controls">
    <label for="scrub">${t('Step')} <output id="scrubValue" for="scrub"></output></label>
    <div class="scrub"><input type="range" id="scrub" min="0" max="0" value="0" disabled><button type="button" id="replay" disabled title="${t('Replay the fill step by step')}">▶ ${t('Replay')}</button></div>
    <label for="colour">${t('Colour by')}</label>
    <select id="colour">
      <option value="step">${t('reveal step')}</option>
      <option value="confidence">${t('confidence')}</option>
    </select>
  </div>
  <div id="trace" role="list" aria-live="polite" data-empty="${t('Fill a hole to see its tokens appear step by step.')}"></div>
  <ul id="legend" aria-label="${t('Legend')}">
    <li><span class="token masked">▒</span> ${t('masked: not revealed yet at this step')}</li>
    <li><span class="token pad">∅</span> ${t('padding: a slot the fill did not need')}</li>
    <li><span class="token">↵</span> ${t('line break')} · <span class="token">→</span> ${t('tab')}</li>
    <li><span class="swatch"></span> ${t('darker: revealed later (or less confident, coloured by confidence)')}</li>
  </ul>
</section>
<script nonce="${nonce}" src="${script}"></script>
</body>
</html>`;
  }
}

function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}
