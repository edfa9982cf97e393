import { STRATEGIES } from '../sampler';
import { SETTING_RANGES } from './settingsModel';

/** What the page needs from the webview, so the HTML is a plain function (test/unit/optionVocabulary.test.ts reads it). */
export interface DenoisePage {
  readonly nonce: string;
  /** The webview's `cspSource`. */
  readonly cspSource: string;
  /** Webview URIs of media/denoise.js and media/denoise.css. */
  readonly script: string;
  readonly style: string;
  /** `vscode.l10n.t`. */
  readonly translate: (text: string) => string;
}

/**
 * The "Denoising" view's HTML: its strategy choices and input bounds come from the sampler's list
 * and the settings' ranges, so the view offers exactly what the settings accept. Arrows step
 * between the holes' traces of a "Diffuse fill" that filled them one after another (hidden until
 * one does). The page loads only media/denoise.{js,css}, under a nonce-based CSP.
 */
export function denoiseViewHtml(page: DenoisePage): string {
  const t = (s: string): string => escapeHtml(page.translate(s));
  const { steps, threshold, temperature } = SETTING_RANGES;
  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="UTF-8">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src ${page.cspSource}; script-src 'nonce-${page.nonce}';">
<meta name="viewport" content="width=device-width, initial-scale=1.0">
<link href="${page.style}" rel="stylesheet">
<title>${t('Denoising')}</title>
</head>
<body>
<form id="settings" aria-label="${t('Sampler settings')}">
  <label for="steps">${t('Steps')} <output id="stepsValue" for="steps"></output></label>
  <div class="steps">
    <div class="slider">
      <input type="range" id="steps" min="${steps.min}" step="1" list="stepsMarks" aria-describedby="stepsHint">
      <datalist id="stepsMarks"><option id="defaultMark"></option></datalist>
      <span id="defaultTick" class="tick" aria-hidden="true" title="${t('default')}">▲</span>
    </div>
    <div id="stepsHint" class="hint"></div>
    <button type="button" id="stepsReset" class="link">${t('Reset to default')}</button>
  </div>
  <label for="strategy">${t('Unmasking strategy')}</label>
  <select id="strategy">
${STRATEGIES.map((strategy) => `    <option value="${strategy}">${t(strategy)}</option>`).join('\n')}
  </select>
  <label for="threshold">${t('Threshold (0 = off)')}</label>
  <input type="number" id="threshold" min="${threshold.min}" max="${threshold.max}" step="0.05">
  <label for="temperature">${t('Temperature')}</label>
  <input type="number" id="temperature" min="${temperature.min}" max="${temperature.max}" step="0.1">
</form>
<section aria-labelledby="traceTitle">
  <h2 id="traceTitle">${t('Last fill')}</h2>
  <div id="origin" class="hint"></div>
  <div id="holes" class="holes" hidden>
    <button type="button" id="prevHole" title="${t('Previous hole of this fill')}" aria-label="${t('Previous hole of this fill')}">‹</button>
    <output id="holeValue" aria-live="polite"></output>
    <button type="button" id="nextHole" title="${t('Next hole of this fill')}" aria-label="${t('Next hole of this fill')}">›</button>
  </div>
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
<script nonce="${page.nonce}" src="${page.script}"></script>
</body>
</html>`;
}

function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}
