#!/usr/bin/env node
// UI tests of the Diffuse extension in a real VS Code workbench (the VS Code server from code-server,
// rendered by headless chromium, driven by playwright-core): they type and click as a user does and
// check what the DOM shows. Tools: .ci/setup-vscode-tools.sh. Needs `npm run build` (dist/extension.js).
//
//   node test/ui/run.js            (npm run test:ui)
//
// env:
//   UI_ARTIFACTS        screenshots folder (default out/ui-artifacts); FAIL-*.png on a failure
//   UI_MODEL            diffuse.model for the run (default: the fixture test/fixtures/tiny-model)
//   UI_THREADS          diffuse.threads for the run (default: unset, half the cores)
//   UI_TRIGGER          diffuse.trigger for the run (default: automatic)
//   UI_DEADLINE_MS      diffuse.autoFillDeadlineMs for the run (default: 0, no limit; the shipped default is 500)
//   UI_GREP             run only the tests whose name matches this regular expression
//   UI_TEST_TIMEOUT_MS  limit per test (default 60000)
//   UPDATE_DOCS_IMAGES=1  copy the README screenshots into docs/images/
//   EXT_DEV_PATH, VSC_TOOLS, VSC_RUN_DIR, KEEP_VSC_DATA, VSC_VERBOSE: as for .ci/run-vscode-tests.js
// Exit status = result; the last line printed is 'N passed, N failed'.
/* eslint-disable @typescript-eslint/no-require-imports -- plain Node CommonJS, run without a build */
/* global require, process, console, setTimeout, clearTimeout */
'use strict';
const fs = require('fs');
const path = require('path');
const vsc = require('../../.ci/run-vscode-tests.js');
const { EXT_ID } = require('./helpers.js');
const { workspaceSettings, SAMPLES, tests } = require('./tests.js');

const REPO = vsc.REPO;
const artifacts = path.resolve(process.env.UI_ARTIFACTS || path.join(REPO, 'out', 'ui-artifacts'));
const testTimeoutMs = Number(process.env.UI_TEST_TIMEOUT_MS || 60000);
const log = (...a) => console.log('[ui]', ...a);

function withTimeout(promise, ms, what) {
  let timer;
  return Promise.race([
    promise.finally(() => clearTimeout(timer)),
    new Promise((_, reject) => { timer = setTimeout(() => reject(new Error(`${what}: timed out after ${ms} ms`)), ms); }),
  ]);
}

/** UI_DEADLINE_MS as `diffuse.autoFillDeadlineMs`: 0 (no limit, reproducible latencies) unless set. */
function deadlineMs() {
  const ms = Number(process.env.UI_DEADLINE_MS ?? 0);
  if (!Number.isInteger(ms) || ms < 0) throw new Error(`UI_DEADLINE_MS must be a whole number of ms, got "${process.env.UI_DEADLINE_MS}"`);
  return ms;
}

async function main() {
  const t0 = Date.now();
  const tools = vsc.findTools();
  const devPath = path.resolve(process.env.EXT_DEV_PATH || REPO);
  if (!fs.existsSync(path.join(devPath, 'dist', 'extension.js'))) {
    throw new Error(`${path.join(devPath, 'dist', 'extension.js')} is missing; run 'npm run build' first`);
  }
  fs.mkdirSync(artifacts, { recursive: true });
  for (const f of fs.readdirSync(artifacts)) if (f.endsWith('.png')) fs.rmSync(path.join(artifacts, f));

  const run = vsc.createRun('ui');
  const workspace = path.join(run.dir, 'workspace');
  const model = path.resolve(process.env.UI_MODEL || path.join(REPO, 'test', 'fixtures', 'tiny-model'));
  const runSettings = { threads: Number(process.env.UI_THREADS) || undefined, trigger: process.env.UI_TRIGGER || undefined, deadlineMs: deadlineMs() };
  vsc.writeJson(path.join(workspace, '.vscode', 'settings.json'), { ...vsc.QUIET_SETTINGS, ...workspaceSettings(model, runSettings) });
  for (const [file, text] of Object.entries(SAMPLES)) fs.writeFileSync(path.join(workspace, file), text);
  const userSettings = vsc.userSettingsFile(run);
  vsc.writeJson(userSettings, vsc.QUIET_SETTINGS);

  const ctx = {
    run, workspace, userSettings, devPath, artifacts, log, model,
    logFiles: () => vsc.extensionLogs(run),
    workspaceSettingsFile: path.join(workspace, '.vscode', 'settings.json'),
    shot: async (name) => {
      const file = path.join(artifacts, `${name}.png`);
      await ctx.page.screenshot({ path: file });
      return file;
    },
  };
  const results = [];
  let server, browser;
  try {
    server = await vsc.startServer(run, tools);
    log(`VS Code server on ${server.authority} after ${Date.now() - t0} ms (run dir ${run.dir})`);
    browser = await vsc.launchBrowser(run, tools, { viewport: { width: 1200, height: 720 } });
    ctx.page = browser.page;
    ctx.server = server;
    // The extension's log at debug level: the latency test reads its per-request timelines.
    await ctx.page.goto(vsc.workbenchUrl(server, { folder: workspace, devPath, logLevel: `${EXT_ID}:debug` }));
    await ctx.page.waitForSelector('.monaco-workbench', { timeout: 60000 });
    log(`workbench up after ${Date.now() - t0} ms`);

    const grep = process.env.UI_GREP ? new RegExp(process.env.UI_GREP) : null;
    for (const t of tests) {
      if (grep && !grep.test(t.name)) continue;
      const ts = Date.now();
      try {
        await withTimeout(t.fn(ctx), t.timeoutMs || testTimeoutMs, t.name);
        results.push({ name: t.name, ok: true });
        console.log(`  ✔ ${t.name} (${Date.now() - ts} ms)`);
      } catch (e) {
        results.push({ name: t.name, ok: false, error: e });
        console.log(`  ✘ ${t.name} (${Date.now() - ts} ms)\n    ${String(e && e.stack || e).split('\n').slice(0, 6).join('\n    ')}`);
        await ctx.shot(`FAIL-${t.name.replace(/[^\w-]+/g, '_')}`).catch(() => {});
        if (t.critical) break;
      }
    }
  } catch (e) {
    results.push({ name: 'setup', ok: false, error: e });
    console.error('[ui] setup failed:', e.message);
    if (ctx.page) await ctx.shot('FAIL-setup').catch(() => {});
  } finally {
    if (browser) await browser.context.close().catch(() => {});
    if (server) await server.stopAndWait();
  }

  const failed = results.filter((r) => !r.ok).length;
  const passed = results.length - failed;
  if (failed) {
    vsc.printLogs(run, server, { all: results.some((r) => r.name === 'setup') });
    log(`run directory kept: ${run.dir}`);
  } else if (!process.env.KEEP_VSC_DATA) {
    vsc.removeRun(run);
  }
  if (!failed && process.env.UPDATE_DOCS_IMAGES) {
    for (const name of ['ghost-text', 'fill-preview', 'fill-demo', 'denoise-view']) {
      const src = path.join(artifacts, `${name}.png`);
      if (fs.existsSync(src)) {
        fs.mkdirSync(path.join(REPO, 'docs', 'images'), { recursive: true });
        fs.copyFileSync(src, path.join(REPO, 'docs', 'images', `${name}.png`));
        log(`docs/images/${name}.png updated`);
      }
    }
  }
  log(`screenshots in ${path.relative(process.cwd(), artifacts) || '.'}; ${((Date.now() - t0) / 1000).toFixed(1)} s in all`);
  // mocha-style counts too (.ci/run adds up 'N passing' / 'N failing' lines), then the plain summary.
  console.log(`  ${passed} passing`);
  if (failed) console.log(`  ${failed} failing`);
  console.log(`${passed} passed, ${failed} failed`);
  return failed || !results.length ? 1 : 0;
}

main().then((c) => process.exit(c), (e) => {
  console.error('[ui]', e && e.message ? e.message : e);
  console.log('0 passed, 1 failed');
  process.exit(1);
});
