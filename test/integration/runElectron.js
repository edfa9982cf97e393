#!/usr/bin/env node
// Runs the same extension-host suite (out/test/integration/suite/index.js) under @vscode/test-electron,
// in a desktop VS Code, where one can be had. On the offline CI machines there is none: CI uses
// .ci/run-vscode-tests.js (the VS Code server route) instead. See docs/testing.md.
//
//   npm install --no-save @vscode/test-electron     (not a devDependency: CI cannot use it)
//   npm run build && npm run compile-tests
//   VSCODE_EXECUTABLE=/usr/share/code/code node test/integration/runElectron.js
//
// env:
//   VSCODE_EXECUTABLE  a desktop VS Code (or VS Code Insiders / VSCodium) executable. Without it,
//                      test-electron downloads VSCODE_VERSION (default 'stable') on a connected machine.
//   EXT_TESTS_PATH, WORKSPACE: as for .ci/run-vscode-tests.js.
// On a Linux machine without a display run it under xvfb-run -a.
// Exit status = result; the last line printed is the suite's 'N passed, N failed'.
/* eslint-disable @typescript-eslint/no-require-imports -- plain Node CommonJS, run without a build */
/* global require, process, console, __dirname */
'use strict';
const fs = require('fs');
const os = require('os');
const path = require('path');

async function main() {
  let runTests;
  try {
    ({ runTests } = require('@vscode/test-electron'));
  } catch {
    console.error('[electron-tests] @vscode/test-electron is not installed: npm install --no-save @vscode/test-electron');
    return 1;
  }
  const repo = path.resolve(__dirname, '..', '..');
  const extensionTestsPath = path.resolve(process.env.EXT_TESTS_PATH || path.join(repo, 'out', 'test', 'integration', 'suite', 'index'));
  const data = fs.mkdtempSync(path.join(os.tmpdir(), 'diffuse-electron-'));
  const results = path.join(data, 'results.txt');
  let workspace = process.env.WORKSPACE && path.resolve(process.env.WORKSPACE);
  if (!workspace) {
    workspace = path.join(data, 'workspace');
    fs.mkdirSync(path.join(workspace, '.vscode'), { recursive: true });
    fs.writeFileSync(path.join(workspace, '.vscode', 'settings.json'), JSON.stringify({
      'chat.disableAIFeatures': true, 'workbench.startupEditor': 'none', 'extensions.autoUpdate': false,
      'extensions.autoCheckUpdates': false, 'update.mode': 'none', 'telemetry.telemetryLevel': 'off',
    }, null, 2));
  }
  const options = {
    extensionDevelopmentPath: process.env.EXT_DEV_PATH ? path.resolve(process.env.EXT_DEV_PATH) : repo,
    extensionTestsPath,
    extensionTestsEnv: { VSC_TEST_RESULTS: results },
    // Fresh profile; other installed extensions off (the one under development still loads).
    // (test-electron itself adds --skip-welcome, --skip-release-notes, --disable-workspace-trust.)
    launchArgs: [workspace, '--disable-extensions', '--user-data-dir', path.join(data, 'user'), '--extensions-dir', path.join(data, 'ext')],
  };
  if (process.env.VSCODE_EXECUTABLE) options.vscodeExecutablePath = path.resolve(process.env.VSCODE_EXECUTABLE);
  else options.version = process.env.VSCODE_VERSION || 'stable';

  let code = 0;
  try {
    await runTests(options);
  } catch (e) {
    console.error('[electron-tests]', e && e.message ? e.message : e);
    code = 1;
  }
  let summary = fs.existsSync(results) ? fs.readFileSync(results, 'utf8').trimEnd().split('\n').pop() : '';
  if (!/^\d+ passed, \d+ failed$/.test(summary)) summary = code === 0 ? '0 passed, 0 failed' : '0 passed, 1 failed';
  else if (code !== 0) summary = summary.replace(/, 0 failed$/, ', 1 failed'); // VS Code failed after the suite
  if (code === 0) fs.rmSync(data, { recursive: true, force: true });
  else console.error(`[electron-tests] run directory kept: ${data}`);
  console.log(summary);
  return code;
}

main().then((c) => process.exit(c), (e) => { console.error('[electron-tests]', e); console.log('0 passed, 1 failed'); process.exit(1); });
