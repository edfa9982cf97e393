import { randomBytes } from 'node:crypto';
import * as vscode from 'vscode';
import type { DenoiseTrace } from './denoiseTrace';
import { Disposable } from './disposable';
import type { Filler } from './filler';
import type { Settings } from './settings';
import { STEPS_RANGE, type SettingKey } from './settingsModel';

/** Messages the view's script may send; anything else is ignored. */
type FromView =
  | { readonly type: 'ready' }
  | { readonly type: 'set'; readonly key: 'steps' | 'strategy' | 'threshold' | 'temperature'; readonly value: unknown };

const WRITABLE: readonly SettingKey[] = ['steps', 'strategy', 'threshold', 'temperature'];

/**
 * The "Denoising" view: the steps slider and the sampler settings, bound two-way to the user's
 * settings, and the last fill's denoising trace (tokens by reveal step and confidence), scrubbable
 * by step. The HTML only loads `media/denoise.{js,css}` under a nonce-based CSP.
 */
export class DenoiseView extends Disposable implements vscode.WebviewViewProvider {
  static readonly viewId = 'diffuse.denoiseView';
  private view: vscode.WebviewView | undefined;

  constructor(private readonly extensionUri: vscode.Uri, private readonly settings: Settings, private readonly filler: Filler) {
    super();
    this._register(settings.onDidChange((keys) => {
      if (keys.some((key) => WRITABLE.includes(key))) this.postSettings();
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
    const { steps, strategy, threshold, temperature } = this.settings.current;
    void this.view?.webview.postMessage({ type: 'settings', steps, strategy, threshold: threshold ?? 0, temperature, maxSteps: STEPS_RANGE.max });
  }

  private postTrace(trace: DenoiseTrace): void {
    void this.view?.webview.postMessage({ type: 'trace', trace });
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
  <input type="range" id="steps" min="${STEPS_RANGE.min}" max="${STEPS_RANGE.max}" step="1">
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
  <div class="trace-controls">
    <label for="scrub">${t('Step')} <output id="scrubValue" for="scrub"></output></label>
    <input type="range" id="scrub" min="0" max="0" value="0" disabled>
    <label for="colour">${t('Colour by')}</label>
    <select id="colour">
      <option value="step">${t('reveal step')}</option>
      <option value="confidence">${t('confidence')}</option>
    </select>
  </div>
  <div id="trace" role="list" aria-live="polite" data-empty="${t('Fill a hole to see its tokens appear step by step.')}"></div>
</section>
<script nonce="${nonce}" src="${script}"></script>
</body>
</html>`;
  }
}

function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}
