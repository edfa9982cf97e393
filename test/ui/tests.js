// The UI tests run by test/ui/run.js, in order, on one workbench session (playwright-core Page in
// ctx.page). Each test acts as a user does (keyboard, mouse) and checks what the DOM shows.
/* eslint-disable @typescript-eslint/no-require-imports -- plain Node CommonJS, run without a build */
/* global require, module, getComputedStyle */
'use strict';
const fs = require('fs');
const path = require('path');
const { apng, chunks } = require('./apng.js');
const { EXT_ID, GHOST_SELECTOR, statusItem, nextFrames, waitFor, modelLoaded, readSettings, updateSettings, editorLines, focusEditor, selectEvery, runCommand } = require('./helpers.js');
const { LATENCY_FILE, LATENCY_TEXT, latencyTest } = require('./latency.js');

const SAMPLE_FILE = 'fibonacci.py';
const SAMPLE_TEXT = [
  'def fibonacci(n):',
  '    """Return the n-th Fibonacci number."""',
  '    if n < 2:',
  '        return n',
  '    return fibonacci(',
  '',
  '',
  'def main():',
  '    for i in range(10):',
  '        print(i, fibonacci(i))',
  '',
].join('\n');
// Three `___` placeholders for "Diffuse fill" to replace at once (issue 14's three-selections case).
const SHAPES_FILE = 'shapes.py';
const SHAPES_TEXT = [
  'import math',
  '',
  '',
  'def square(x):',
  '    return ___',
  '',
  '',
  'def cube(x):',
  '    return ___',
  '',
  '',
  'def circle_area(r):',
  '    return ___',
  '',
].join('\n');
// Two `___` placeholders 200 lines apart, too far for one canvas: "Diffuse fill" fills them one after
// another, and the Denoising view holds both holes' traces (the integration suite's c_fill has the same case).
const APART_FILE = 'apart.py';
const APART_LAST_LINE = 202;
const APART_TEXT = ['alpha = ___', ...Array.from({ length: APART_LAST_LINE - 2 }, (_, i) => `value_${i} = ${i}`), 'beta = ___', ''].join('\n');
// Whole lines to select for an explicit inline request: a selection across lines.
const LINES_FILE = 'lines.py';
const LINES_TEXT = [
  'def mean(values):',
  '    total = 0',
  '    for v in values:',
  '        total += v',
  '    return total / len(values)',
  '',
].join('\n');
const SAMPLES = { [SAMPLE_FILE]: SAMPLE_TEXT, [SHAPES_FILE]: SHAPES_TEXT, [APART_FILE]: APART_TEXT, [LINES_FILE]: LINES_TEXT, [LATENCY_FILE]: LATENCY_TEXT };
// Where the test types: the end of line 5 ('    return fibonacci(').
const TYPE_AT_LINE = 5;
const TYPED = 'n';

// Workspace settings for a deterministic run on the fixture model (random weights: its text is junk,
// so the confidence floor is off; greedy decoding makes it repeatable; every fill runs all its steps,
// so neither the ghost text nor the latencies bench/README.md compares depend on how busy the machine is).
// `trigger` other than the default: what the latency test measures under `idle` (docs/extension.md);
// `deadlineMs` other than 0: what it measures at a time limit, the shipped 500 ms say, which cuts
// fills by the machine's speed.
function workspaceSettings(model, { threads, trigger = 'automatic', deadlineMs = 0 } = {}) {
  return {
    'diffuse.model': model,
    'diffuse.temperature': 0,
    'diffuse.minConfidence': 0,
    'diffuse.trigger': trigger,
    'diffuse.autoFillDeadlineMs': deadlineMs,
    ...(threads ? { 'diffuse.threads': threads } : {}),
    'editor.inlineSuggest.enabled': true,
    // No word-based suggest widget while typing (there is no language server): with it open, VS Code
    // shows only ghost text that extends its selected item, which would decide what the tests see.
    'editor.quickSuggestions': { other: 'off', comments: 'off', strings: 'off' },
    'editor.minimap.enabled': false,
    'editor.fontSize': 15,
    'workbench.activityBar.location': 'default',
    'window.commandCenter': false,
    'workbench.layoutControl.enabled': false,
    'breadcrumbs.enabled': false,
  };
}

// ---- helpers ---------------------------------------------------------------------------------

/** diffuse.steps' default as the extension contributes it: what the view must mark. */
const stepsSettingDefault = () => require('../../package.json').contributes.configuration.properties['diffuse.steps'].default;

const ghost = (page) => page.locator(GHOST_SELECTOR);
// The view's content: an outer webview iframe (tagged with the extension id) and its #active-frame.
const viewFrame = (page) => page.frameLocator(`iframe.webview[src*="extensionId=${EXT_ID}"]`).first().frameLocator('#active-frame');

/** Shows the Denoising view and returns its content: from its activity-bar container (whose icon, clicked while open, would close it), else the palette's focus command. */
/**
 * The cursor at the end of the sample file's line TYPE_AT_LINE, moved there without an edit (Ctrl+G
 * would need the quick input; arrows are plainer).
 */
async function endOfTypingLine(page) {
  await focusEditor(page, SAMPLE_FILE);
  await page.keyboard.press('Control+Home');
  for (let i = 1; i < TYPE_AT_LINE; i++) await page.keyboard.press('ArrowDown');
  await page.keyboard.press('End');
}

async function openDenoiseView(page) {
  const frame = viewFrame(page);
  if (await frame.locator('#trace').isVisible().catch(() => false)) return frame;
  const icon = page.locator('.activitybar .action-item a[aria-label^="Diffuse"], .activitybar .action-item [aria-label^="Diffuse"]').first();
  if (await icon.count()) await icon.click(); else await runCommand(page, 'Diffuse: Focus on');
  return frame;
}

/** The "Diffuse fill" preview's CodeLens with `text`. */
const lens = (page, text) => page.locator('.editor-group-container.active .codelens-decoration a', { hasText: text });

/**
 * The text of each insertion the "Diffuse fill" preview shows: the content of its decoration, the
 * `::after` of a `ced-<type>-4` span. `collapsed`: the editor dropped or merged some of its spaces
 * (the same text laid out with `white-space: pre` is wider).
 */
async function previewInsertions(page) {
  return page.$$eval('.editor-group-container.active .monaco-editor .view-lines [class*="ced-"]', (spans) => spans
    .filter((span) => /\bced-\S+-4\b/.test(span.className))
    .map((span) => {
      const text = JSON.parse(getComputedStyle(span, '::after').content);
      const shown = span.getBoundingClientRect().width;
      span.style.whiteSpace = 'pre';
      const laidOut = span.getBoundingClientRect().width;
      span.style.whiteSpace = '';
      return { text, collapsed: laidOut > shown + 0.5 };
    }));
}

// ---- tests -----------------------------------------------------------------------------------

const tests = [
  {
    name: 'status bar shows Diffuse with the configured model',
    critical: true, // nothing else works if the extension did not activate
    async fn({ page, workspaceSettingsFile }) {
      const item = statusItem(page);
      await item.waitFor({ state: 'visible', timeout: 45000 });
      const model = path.basename(readSettings(workspaceSettingsFile)['diffuse.model']);
      await waitFor(async () => /Diffuse/.test(await item.innerText()) && (await item.innerText()).includes(model),
        { timeout: 30000, what: `the status item to name Diffuse and ${model}` }).catch(async (e) => {
        throw new Error(`${e.message}; it shows ${JSON.stringify(await item.innerText())}`);
      });
    },
  },
  {
    name: 'typing in an editor shows ghost text from the model; Tab accepts it',
    async fn(ctx) {
      const { page } = ctx;
      // Typed before the model is loaded, the keys would get no ghost text, and nothing asks again.
      await modelLoaded(page, ctx.model);
      await endOfTypingLine(page);
      await page.keyboard.type(TYPED, { delay: 60 });
      const g = ghost(page).first();
      await g.waitFor({ state: 'attached', timeout: 30000 });
      const suggestion = await waitFor(async () => {
        const t = (await ghost(page).allTextContents()).join('').replace(/\u00a0/g, ' ');
        return t.trim() ? t : '';
      }, { timeout: 30000, what: 'non-empty ghost text' });
      ctx.log(`ghost text: ${JSON.stringify(suggestion)}`);
      await nextFrames(page); // the decoration is in the DOM; let the browser paint it for the screenshot
      await ctx.shot('ghost-text');

      const before = (await editorLines(page))[TYPE_AT_LINE - 1];
      await page.keyboard.press('Tab');
      // Not 'the ghost text is gone': the edit triggers the next automatic request, whose ghost text
      // may be back before a poll sees none. The line's own text (ghost spans excluded) is the test.
      const firstLine = suggestion.split('\n')[0].trimEnd();
      const after = await waitFor(async () => {
        const l = (await editorLines(page))[TYPE_AT_LINE - 1];
        return l !== before && l.startsWith(before) ? l : '';
      }, { timeout: 15000, what: `line ${TYPE_AT_LINE} to take the suggestion (was ${JSON.stringify(before)})` });
      if (firstLine && !after.includes(firstLine.trim().slice(0, 20))) {
        throw new Error(`accepted line ${JSON.stringify(after)} does not contain the ghost text ${JSON.stringify(firstLine)}`);
      }
      await ctx.shot('ghost-text-accepted');
      // Leave the file as it was for the next tests.
      await page.keyboard.press('Control+Z');
      await page.keyboard.press('Escape');
    },
  },
  {
    name: 'Alt+\\ asks for ghost text where no typing did: at a cursor the arrow keys moved',
    async fn(ctx) {
      const { page } = ctx;
      await modelLoaded(page, ctx.model);
      // the line the ghost-text test typed on, reached without an edit: VS Code asks only when told to
      await endOfTypingLine(page);
      await nextFrames(page);
      const before = (await ghost(page).allTextContents()).join('');
      if (before) throw new Error(`ghost text before Alt+\\ was pressed: ${JSON.stringify(before)}`);
      // Diffuse's keybinding: VS Code 1.139 binds no key to "Trigger Inline Suggestion"
      await page.keyboard.press('Alt+Backslash');
      const shown = await waitFor(async () => (await ghost(page).allTextContents()).join('').trim(),
        { timeout: 30000, what: 'ghost text after Alt+\\' });
      ctx.log(`Alt+\\: ${JSON.stringify(shown)}`);
      await page.keyboard.press('Escape');
    },
  },
  {
    name: 'status bar: a labelled latency; the pause entry asks for the language or everywhere and pauses',
    async fn(ctx) {
      const { page, userSettings } = ctx;
      const item = statusItem(page);
      // The latency is the last fill's: the ghost-text tests made one; selected alone, this test asks for one.
      await modelLoaded(page, ctx.model);
      if (!/last fill/.test(await item.innerText())) {
        await endOfTypingLine(page);
        await page.keyboard.press('Alt+Backslash');
      }
      await waitFor(async () => /last fill \d+ ms/.test(await item.innerText()), { timeout: 15000, what: 'the status item to label the latency' });
      await page.keyboard.press('Escape');
      const toggle = page.locator(`.statusbar-item[id="${EXT_ID}.diffuse.toggle"], .statusbar-item[id$="diffuse.toggle"]`).first();
      await toggle.waitFor({ state: 'visible', timeout: 10000 });
      const tip = await toggle.locator('a, [aria-label]').first().getAttribute('aria-label');
      await toggle.click();
      const pick = (text) => page.locator('.quick-input-widget .quick-input-list .monaco-list-row', { hasText: text }).first();
      await pick('suggestions for python').waitFor({ timeout: 10000 });
      await pick('suggestions everywhere').waitFor({ timeout: 5000 });
      await pick('suggestions for python').click();
      await waitFor(() => readSettings(userSettings)['diffuse.enable']?.python === false, { timeout: 10000, what: 'diffuse.enable.python = false in the user settings' });
      await waitFor(async () => /Diffuse paused/.test(await toggle.innerText()), { timeout: 10000, what: 'the entry to say paused' });
      ctx.log(`pause entry: ${JSON.stringify(tip)} -> ${JSON.stringify(await toggle.innerText())}`);
      await toggle.click();
      await pick('Resume suggestions for python').click();
      await waitFor(() => readSettings(userSettings)['diffuse.enable']?.python === undefined, { timeout: 10000, what: 'the python entry to go on resume' });
      await waitFor(async () => !/paused/.test(await toggle.innerText()), { timeout: 10000, what: 'the entry to say on again' });
    },
  },
  {
    name: 'Diffuse fill on three placeholders: a preview first; Escape rejects it, Alt+Enter accepts it, one undo restores',
    async fn(ctx) {
      const { page } = ctx;
      await focusEditor(page, SHAPES_FILE);
      await selectEvery(page, '___', 3);
      const cursors = () => page.locator('.editor-group-container.active .monaco-editor .cursor').count();
      await waitFor(async () => (await cursors()) >= 3, { timeout: 5000, what: 'the three cursors after Find closes' });
      // The frames of the README's animation: the placeholders, the preview, the accepted fill.
      const frames = [];
      const frame = async (ms) => { await nextFrames(page); frames.push({ png: await page.screenshot(), ms }); };
      await frame(1500);
      const before = await editorLines(page);
      const preview = async () => {
        await runCommand(page, 'Diffuse: Diffuse fill');
        await lens(page, 'Accept Diffuse fill').first().waitFor({ state: 'visible', timeout: 30000 });
        if (!(await lens(page, 'Reject').count())) throw new Error('no Reject lens beside Accept');
        // The preview is decorations (the document itself is checked after Reject, and in the integration suite).
        const decorated = page.locator('.editor-group-container.active .monaco-editor .view-lines [class*="ced-"]');
        await waitFor(async () => (await decorated.count()) >= 3, { timeout: 10000, what: 'the preview decorations' });
      };

      await preview();
      await page.keyboard.press('Escape');
      await waitFor(async () => (await lens(page, 'Accept Diffuse fill').count()) === 0, { timeout: 10000, what: 'Escape to reject the preview' });
      if ((await editorLines(page)).join('\n') !== before.join('\n')) throw new Error('Reject changed the document');

      await preview();
      await nextFrames(page);
      await ctx.shot('fill-preview');
      await frame(3000);
      await page.keyboard.press('Alt+Enter');
      const after = await waitFor(async () => {
        const now = await editorLines(page);
        return now.join('\n') !== before.join('\n') && !now.some((l) => l.includes('___')) ? now : undefined;
      }, { timeout: 15000, what: 'Alt+Enter to replace the placeholders' });
      await waitFor(async () => (await lens(page, 'Accept Diffuse fill').count()) === 0, { timeout: 10000, what: 'the lenses to go with the preview' });
      await frame(2500);
      const animation = apng(frames);
      if (chunks(animation).filter((c) => c.type === 'fcTL').length !== frames.length) throw new Error('the animation lost frames');
      fs.writeFileSync(path.join(ctx.artifacts, 'fill-demo.png'), animation);
      ctx.log(`accepted: ${JSON.stringify(after.filter((l) => /return/.test(l)))}`);
      await page.keyboard.press('Control+Z');
      await waitFor(async () => (await editorLines(page)).join('\n') === before.join('\n'), { timeout: 10000, what: 'one undo to restore the placeholders' });
    },
  },
  {
    name: 'Diffuse view: legend, the fill it shows, a slider of 1 to the hole slots with the default marked; the keyboard changes diffuse.steps (and back); replay',
    async fn(ctx) {
      const { page, userSettings, workspaceSettingsFile } = ctx;
      const frame = await openDenoiseView(page);
      const slider = frame.locator('input#steps[type="range"]');
      await slider.waitFor({ state: 'visible', timeout: 30000 });
      for (const id of ['strategy', 'threshold', 'temperature', 'trace']) {
        if (!(await frame.locator(`#${id}`).count())) throw new Error(`the view has no #${id}`);
      }
      const attr = async (n, d) => Number((await slider.getAttribute(n)) ?? d);
      await waitFor(async () => (await slider.getAttribute('max')) !== null, { timeout: 10000, what: 'the slider range from the extension' });
      const [min, max, step] = [await attr('min', 0), await attr('max', 100), await attr('step', 1) || 1];
      // The range is the hole's slots (diffuse.maxHoleTokens, default 32), not 1-256, and the default is marked.
      if (min !== 1 || max !== 32) throw new Error(`slider range ${min}..${max}, expected 1..32`);
      const mark = await frame.locator('#stepsMarks option').getAttribute('value');
      const defaultSteps = String(stepsSettingDefault());
      if (mark !== defaultSteps) throw new Error(`default mark ${mark}, expected ${defaultSteps}`);
      const legend = await frame.locator('#legend').innerText();
      if (!/▒/.test(legend) || !/∅/.test(legend)) throw new Error(`no legend for ▒ and ∅: ${JSON.stringify(legend)}`);
      const start = Number(await slider.inputValue());
      const presses = 3;
      const dir = start + presses * step <= max ? 1 : -1;
      const expected = start + dir * presses * step;
      await slider.focus();
      for (let i = 0; i < presses; i++) await page.keyboard.press(dir > 0 ? 'ArrowRight' : 'ArrowLeft');
      if (Number(await slider.inputValue()) !== expected) throw new Error(`slider shows ${await slider.inputValue()} after ${presses} arrow presses from ${start}, expected ${expected}`);
      const where = await waitFor(() => {
        if (readSettings(userSettings)['diffuse.steps'] === expected) return 'user settings';
        if (readSettings(workspaceSettingsFile)['diffuse.steps'] === expected) return 'workspace settings';
        return '';
      }, { timeout: 15000, what: `diffuse.steps = ${expected} in the user or workspace settings.json` });
      ctx.log(`slider ${start} -> ${expected} (range ${min}..${max}), written to the ${where}`);
      // Each key press writes the setting and the setting echoes back to the view: it must settle on
      // the last value, not on a stale echo.
      const label = frame.locator('#stepsValue');
      await waitFor(async () => Number(await slider.inputValue()) === expected &&
        (!(await label.count()) || (await label.innerText()).trim() === String(expected)),
      { timeout: 5000, what: `the view to settle on ${expected}` }).catch(async (e) => {
        throw new Error(`${e.message}: slider ${await slider.inputValue()}, label ${await label.count() ? JSON.stringify(await label.innerText()) : '(none)'}, settings ${readSettings(userSettings)['diffuse.steps']}`);
      });

      // The other way: a settings change moves the slider. Edited in the workspace settings.json,
      // because this server does not watch the user settings file for edits from outside.
      const next = expected - 2 * dir * step;
      updateSettings(workspaceSettingsFile, { 'diffuse.steps': next });
      await waitFor(async () => Number(await slider.inputValue()) === next, { timeout: 15000, what: `the slider to follow diffuse.steps = ${next} set in the workspace settings` });
      const s = readSettings(workspaceSettingsFile);
      delete s['diffuse.steps'];
      fs.writeFileSync(workspaceSettingsFile, JSON.stringify(s, null, 2) + '\n');
      // "Reset to default" writes the default back to the user settings.
      await waitFor(async () => Number(await slider.inputValue()) === expected, { timeout: 15000, what: `the slider back on the user's ${expected}` });
      await frame.locator('#stepsReset').click();
      await waitFor(() => readSettings(userSettings)['diffuse.steps'] === stepsSettingDefault(), { timeout: 15000, what: `Reset to write diffuse.steps = ${stepsSettingDefault()}` });
      await waitFor(async () => !(await frame.locator('#stepsReset').isVisible()), { timeout: 5000, what: 'Reset to hide at the default' });

      // The last fill's trace (the ghost-text test made one), scrubbed by step with the keyboard:
      // at the first step tokens are still masked, at the last none is.
      const tokens = frame.locator('#trace .token');
      if (await tokens.count()) {
        const scrub = frame.locator('input#scrub');
        const masked = () => frame.locator('#trace .token.masked').count();
        await scrub.focus();
        await page.keyboard.press('End');
        await waitFor(async () => (await masked()) === 0, { timeout: 5000, what: 'every token revealed at the last step' });
        await page.keyboard.press('Home');
        await waitFor(async () => (await masked()) > 0, { timeout: 5000, what: 'masked tokens at the first step' });
        const last = Number(await scrub.getAttribute('max'));
        // Which fill: the last test's (the ghost text on line 5, or "Diffuse fill" of the three
        // placeholders, whose trace labels each hole's tokens with its line), with its time.
        const origin = await frame.locator('#origin').innerText();
        if (!/(fibonacci\.py, line 5|shapes\.py, lines 5, 9, 13) · at .+, \d+ ms/.test(origin)) throw new Error(`the view does not name the fill: ${JSON.stringify(origin)}`);
        const holeLines = (await frame.locator('#trace .hole-line').allInnerTexts()).join(' | ');
        const expectedLines = origin.startsWith('shapes.py') ? 'line 5 | line 9 | line 13' : '';
        if (holeLines !== expectedLines) throw new Error(`the holes' lines read ${JSON.stringify(holeLines)}, not ${JSON.stringify(expectedLines)}`);
        // The replay walks from step 0 to the last.
        await frame.locator('#replay').click();
        await waitFor(async () => Number(await scrub.inputValue()) === last && (await masked()) === 0, { timeout: 15000, what: 'the replay to reach the last step' });
        await scrub.focus();
        await page.keyboard.press('Home');
        for (let i = Number(await scrub.inputValue()); i < Math.round(last / 2); i++) await page.keyboard.press('ArrowRight');
        ctx.log(`trace: ${await tokens.count()} tokens over ${last} steps; at step ${await scrub.inputValue()}, ${await masked()} still masked`);
      } else {
        ctx.log('no trace in the view (no fill before this test): scrubbing not checked');
      }
      await ctx.shot('denoise-view');
    },
  },
  {
    name: 'Denoising view: after a "Diffuse fill" of holes filled one after another, ‹ and › step between the holes\' traces',
    async fn(ctx) {
      const { page } = ctx;
      await focusEditor(page, APART_FILE);
      await selectEvery(page, '___', 2);
      await runCommand(page, 'Diffuse: Diffuse fill');
      // the preview's lens sits on the first hole, out of view: the editor shows the last selection
      await lens(page, 'Accept Diffuse fill').first().waitFor({ state: 'attached', timeout: 30000 });
      // The arrows are the webview's own buttons (media/denoise.js): clicked here in the view itself.
      const frame = await openDenoiseView(page);
      const shown = async () => {
        const hole = (await frame.locator('#holeValue').textContent()).trim();
        const fill = (await frame.locator('#origin').textContent()).split(' · ')[0];
        return `${hole}: ${fill}`;
      };
      const showing = async (expected) => {
        await waitFor(async () => (await shown()) === expected, { timeout: 15000, what: `the view to show ${expected}` }).catch(async (e) => {
          throw new Error(`${e.message}; it shows ${JSON.stringify(await shown())}`);
        });
      };
      const arrows = async () => [await frame.locator('#prevHole').isEnabled(), await frame.locator('#nextHole').isEnabled()];
      // each hole's trace shows as its fill ends: the last hole's first
      await showing(`hole 2 of 2: ${APART_FILE}, line ${APART_LAST_LINE}`);
      if (!(await frame.locator('#holes').isVisible())) throw new Error('the arrows are hidden for a fill of two holes');
      if (String(await arrows()) !== 'true,false') throw new Error(`on the last hole the arrows (‹, ›) are enabled: ${await arrows()}`);
      await frame.locator('#prevHole').click();
      await showing(`hole 1 of 2: ${APART_FILE}, line 1`);
      if (String(await arrows()) !== 'false,true') throw new Error(`on the first hole the arrows (‹, ›) are enabled: ${await arrows()}`);
      await frame.locator('#nextHole').click();
      await showing(`hole 2 of 2: ${APART_FILE}, line ${APART_LAST_LINE}`);
      await runCommand(page, 'Diffuse: Reject Fill');
      await waitFor(async () => (await lens(page, 'Accept Diffuse fill').count()) === 0, { timeout: 10000, what: 'the preview to go' });
    },
  },
  {
    name: 'a selection, across lines or within one: an explicit trigger shows no ghost text and the status bar points to Diffuse fill, which replaces the lines',
    async fn(ctx) {
      const { page } = ctx;
      await focusEditor(page, LINES_FILE);
      const before = await editorLines(page);
      const status = statusItem(page);
      const notice = /can't replace a selection: use Diffuse fill/;
      // Lines 2-4 whole, as Shift+Down selects them: the cursor at the start of line 5.
      const selectDown = async () => {
        await page.keyboard.press('Control+Home');
        await page.keyboard.press('ArrowDown');
        for (let i = 0; i < 3; i++) await page.keyboard.press('Shift+ArrowDown');
      };
      // The same lines from the end of line 4 upwards (its line break left out): the cursor at the
      // start of line 2, where VS Code still asks at the selection's end (the hole is the selection
      // whichever way it was made; taken for a cursor there, its ghost text showed and Tab indented).
      const selectUp = async () => {
        await page.keyboard.press('Control+Home');
        for (let i = 0; i < 3; i++) await page.keyboard.press('ArrowDown');
        await page.keyboard.press('End');
        for (let i = 0; i < 2; i++) await page.keyboard.press('Shift+ArrowUp');
        await page.keyboard.press('Shift+Home');
        await page.keyboard.press('Shift+Home');
      };
      // `0` of line 2, `    total = 0`: VS Code showed nothing over it, and Tab replaced it with spaces
      const selectInLine = async () => {
        await page.keyboard.press('Control+Home');
        await page.keyboard.press('ArrowDown');
        await page.keyboard.press('End');
        await page.keyboard.press('Shift+ArrowLeft');
      };
      const selected = page.locator('.statusbar-item[id="status.editor.selection"]');
      const nothingShown = async (how, chars) => {
        await page.keyboard.press('Alt+Backslash');
        await waitFor(async () => notice.test(await status.innerText()), { timeout: 15000, what: `the status bar to say why (${how})` }).catch(async (e) => {
          throw new Error(`${e.message}; it shows ${JSON.stringify(await status.innerText())}`);
        });
        await nextFrames(page);
        const shown = (await ghost(page).allTextContents()).join('');
        if (shown) throw new Error(`ghost text over a selection across lines (${how}): ${JSON.stringify(shown)}`);
        if (!(await selected.innerText()).includes(`(${chars} selected)`)) throw new Error(`the selection changed (${how}): ${JSON.stringify(await selected.innerText())}`);
        if ((await editorLines(page)).join('\n') !== before.join('\n')) throw new Error(`the document changed (${how})`);
      };
      // each case's notice its own: the last one gone first (it stays 6 s)
      const noticeGone = () => waitFor(async () => !notice.test(await status.innerText()), { timeout: 10000, what: 'the last notice to go' });

      await selectDown();
      await nothingShown('selected downwards', 54);
      ctx.log(`status bar: ${JSON.stringify(await status.innerText())}`);
      await ctx.shot('multiline-selection');

      // Where the notice points: "Diffuse fill" previews the replacement of the lines; Alt+Enter
      // replaces them, and one undo restores them.
      await runCommand(page, 'Diffuse: Diffuse fill');
      await lens(page, 'Accept Diffuse fill').first().waitFor({ state: 'visible', timeout: 30000 });
      const insertions = await waitFor(() => previewInsertions(page).then((i) => i.length ? i : undefined), { timeout: 10000, what: 'the preview of the inserted lines' });
      await nextFrames(page);
      await ctx.shot('multiline-fill-preview');
      await page.keyboard.press('Alt+Enter');
      const accepted = await waitFor(async () => {
        const now = await editorLines(page);
        return now.join('\n') !== before.join('\n') ? now : undefined;
      }, { timeout: 10000, what: 'Alt+Enter to replace the lines' });
      // the lines around the selection stay as they were
      if (accepted[0] !== before[0] || !accepted.slice(1).includes(before[4])) throw new Error(`the fill went beyond the selection: ${JSON.stringify(accepted)}`);
      // The preview showed the lines accepted, their indentation included, with nothing collapsed.
      const shown = insertions.map((i) => i.text).join('').replace(/⏎/g, '\n').replace(/\u00a0/g, ' ');
      const written = accepted.slice(1, accepted.lastIndexOf(before[4])).join('\n') + '\n';
      if (shown.endsWith('…') ? !written.startsWith(shown.slice(0, -1)) : shown !== written) {
        throw new Error(`the preview showed ${JSON.stringify(shown)}, Alt+Enter wrote ${JSON.stringify(written)}`);
      }
      if (insertions.some((i) => i.collapsed)) throw new Error(`the editor collapsed the spaces of the preview ${JSON.stringify(shown)}`);
      ctx.log(`accepted: ${JSON.stringify(accepted.slice(1, -2))}`);
      await page.keyboard.press('Control+Z');
      await waitFor(async () => (await editorLines(page)).join('\n') === before.join('\n'), { timeout: 10000, what: 'one undo to restore the lines' });
      // the preview's notice stands in the status bar now, so the next trigger's is its own
      if (notice.test(await status.innerText())) throw new Error(`the status bar still says ${JSON.stringify(await status.innerText())} after Diffuse fill`);

      await selectInLine();
      await nothingShown('selected within a line', 1);
      await noticeGone();
      await selectUp();
      await nothingShown('selected upwards', 53);
      await page.keyboard.press('Escape');
    },
  },
  latencyTest,
];

module.exports = { SAMPLES, workspaceSettings, tests };
