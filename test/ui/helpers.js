// Helpers of the UI tests (test/ui/tests.js, test/ui/latency.js): waits, settings files, and acting
// on the workbench as a user does (Quick Open, the command palette).
/* eslint-disable @typescript-eslint/no-require-imports -- plain Node CommonJS, run without a build */
/* global require, module, setTimeout, requestAnimationFrame */
'use strict';
const fs = require('fs');

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

async function runCommand(page, label) {
  await page.keyboard.press('F1');
  const input = page.locator('.quick-input-widget .quick-input-box input');
  await input.waitFor({ state: 'visible' });
  await input.fill(`>${label}`);
  await page.locator('.quick-input-widget .quick-input-list .monaco-list-row', { hasText: label }).first().waitFor();
  await page.keyboard.press('Enter');
}

module.exports = { EXT_ID, GHOST_SELECTOR, statusItem, nextFrames, waitFor, readSettings, updateSettings, editorLines, quickOpen, runCommand };
