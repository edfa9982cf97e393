// Helpers of the UI tests (test/ui/tests.js, test/ui/latency.js): waits, settings files, and acting
// on the workbench as a user does (Quick Open, the command palette).
/* eslint-disable @typescript-eslint/no-require-imports -- plain Node CommonJS, run without a build */
/* global require, module, setTimeout, requestAnimationFrame */
'use strict';
const fs = require('fs');
const path = require('path');

const EXT_ID = 'diffuse-dev.diffuse';

/** Ghost text of the active editor, as VS Code renders inline suggestions. */
const GHOST_SELECTOR = '.editor-group-container.active .monaco-editor .ghost-text-decoration, .editor-group-container.active .monaco-editor .ghost-text';

const statusItem = (page) => page.locator(`.statusbar-item[id="${EXT_ID}.diffuse.status"], .statusbar-item[id$="diffuse.status"]`).first();

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
// Resolves after the browser has rendered two more frames (what is in the DOM now is painted).
const nextFrames = (page) => page.evaluate(() => new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(() => r()))));

async function waitFor(fn, { timeout = 20000, interval = 200, what = 'condition' } = {}) {
  const until = Date.now() + timeout;
  let last;
  for (;;) {
    try { last = await fn(); if (last) return last; } catch (e) { last = e; }
    if (Date.now() > until) throw new Error(`timed out after ${timeout} ms waiting for ${what}${last instanceof Error ? `: ${last.message}` : ''}`);
    await sleep(interval);
  }
}

/**
 * Waits for the model folder `model` to be loaded, as the status item says: until then a fill finds
 * no model and shows nothing (the item names the model while it loads too, as `loading <name>`).
 */
async function modelLoaded(page, model) {
  const name = path.basename(model);
  await waitFor(async () => { const t = await statusItem(page).innerText(); return t.includes(name) && !/loading/.test(t); },
    { timeout: 60000, what: `the status item to show ${name} loaded` });
}

// settings.json is JSON with comments and trailing commas.
function readSettings(file) {
  let text;
  try { text = fs.readFileSync(file, 'utf8'); } catch { return {}; }
  try { return JSON.parse(text); } catch { /* JSONC */ }
  const stripped = text.replace(/("(?:[^"\\]|\\.)*")|\/\/[^\n]*|\/\*[\s\S]*?\*\//g, (m, s) => s || '').replace(/,(\s*[}\]])/g, '$1');
  try { return JSON.parse(stripped); } catch { return {}; }
}

function updateSettings(file, patch) {
  fs.writeFileSync(file, JSON.stringify({ ...readSettings(file), ...patch }, null, 2) + '\n');
}

// The text of the editor's visible lines, as the DOM shows it (ghost text excluded).
async function editorLines(page) {
  return page.$$eval('.editor-group-container.active .monaco-editor .view-lines .view-line', (lines) =>
    lines.map((l) => ({ top: parseFloat(l.style.top) || 0, text: Array.from(l.querySelectorAll(':scope > span > span'))
      .filter((s) => !/ghost-text/.test(s.className)).map((s) => s.textContent).join('').replace(/\u00a0/g, ' ') }))
      .sort((a, b) => a.top - b.top).map((l) => l.text));
}

async function quickOpen(page, fileName) {
  await page.keyboard.press('Control+P');
  const input = page.locator('.quick-input-widget .quick-input-box input');
  await input.waitFor({ state: 'visible' });
  await input.fill(fileName);
  await page.locator('.quick-input-widget .quick-input-list .monaco-list-row', { hasText: fileName }).first().waitFor();
  await page.keyboard.press('Enter');
  await page.locator(`.tabs-container .tab.active[data-resource-name="${fileName}"], .tabs-container .tab.active:has-text("${fileName}")`).first().waitFor();
}

/** Quick Opens `fileName` and clicks into its text, so that the keyboard types there. */
async function focusEditor(page, fileName) {
  await quickOpen(page, fileName);
  const lines = page.locator('.editor-group-container.active .monaco-editor .view-lines');
  await lines.waitFor({ state: 'visible' });
  await lines.click();
}

/**
 * Selects the `count` occurrences of `text` in the active editor as a user does: Find, "Select All
 * Occurrences of Find Match" (Alt+Enter in the find widget), then Escape closes Find, keeping the
 * selections. The find widget's count is the check: cursors out of view are not in the DOM.
 */
async function selectEvery(page, text, count) {
  await page.keyboard.press('Control+F');
  await page.keyboard.type(text);
  const matches = page.locator('.editor-group-container.active .find-widget .matchesCount');
  await waitFor(async () => new RegExp(`of ${count}$`).test((await matches.innerText()).trim()), { timeout: 10000, what: `Find to count ${count} of ${JSON.stringify(text)}` });
  await page.keyboard.press('Alt+Enter');
  await page.keyboard.press('Escape');
  await page.locator('.editor-group-container.active .find-widget.visible').waitFor({ state: 'detached', timeout: 5000 }).catch(() => {});
}

async function runCommand(page, label) {
  await page.keyboard.press('F1');
  const input = page.locator('.quick-input-widget .quick-input-box input');
  await input.waitFor({ state: 'visible' });
  await input.fill(`>${label}`);
  await page.locator('.quick-input-widget .quick-input-list .monaco-list-row', { hasText: label }).first().waitFor();
  await page.keyboard.press('Enter');
}

module.exports = { EXT_ID, GHOST_SELECTOR, statusItem, nextFrames, waitFor, modelLoaded, readSettings, updateSettings, editorLines, quickOpen, focusEditor, selectEvery, runCommand };
