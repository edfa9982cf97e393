#!/usr/bin/env node
// `npm test`: every suite, in order, each run even when an earlier one failed:
//   lint         eslint (a failure counts as one failed test)
//   unit         mocha, plain Node                      (npm run test:unit)
//   python       pytest of training/                    (npm run test:python)
//   integration  mocha in a real VS Code extension host (.ci/run-vscode-tests.js)
//   ui           the workbench driven like a user       (test/ui/run.js)
// `npm test` builds first (the `pretest` script: esbuild + tsc), so the two VS Code runners are
// called directly rather than through their npm scripts, which build again. The VS Code suites need
// the tools of .ci/setup-vscode-tools.sh; the Python one Debian's python3-torch, -pytest, -onnx, -numpy.
//
//   npm test                       all suites
//   npm test -- unit python        only these
//
// Each suite's own output streams through; at the end a table per suite, and as the very last line
// the plain 'N passed, N failed' over all suites (what .ci/run reports). Exit status 1 when any suite
// failed, exited non-zero, or ran no test at all.
import { spawn } from 'node:child_process';

const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';
const SUITES = [
  { name: 'lint', cmd: [npm, 'run', '--silent', 'lint'], parse: null },
  { name: 'unit', cmd: [npm, 'run', '--silent', 'test:unit'], parse: mocha },
  { name: 'python', cmd: [npm, 'run', '--silent', 'test:python'], parse: pytest },
  { name: 'integration', cmd: [process.execPath, '.ci/run-vscode-tests.js'], parse: summary },
  { name: 'ui', cmd: [process.execPath, 'test/ui/run.js'], parse: summary },
];

// mocha's spec reporter: '  268 passing (10s)', '  2 failing', '  1 pending'.
function mocha(out) {
  const last = (re) => { const m = [...out.matchAll(re)].pop(); return m ? Number(m[1]) : 0; };
  return { passed: last(/^\s*(\d+) passing\b/gm), failed: last(/^\s*(\d+) failing\b/gm), skipped: last(/^\s*(\d+) pending\b/gm) };
}

// pytest's last line, with -q: '71 passed, 2 skipped, 4 warnings in 5.20s' (without -q it is framed
// by '='): '1 failed, 70 passed, 2 errors in 6.01s'.
function pytest(out) {
  const line = out.split('\n').reverse().find((l) => /\b\d+ (passed|failed|errors?|skipped|deselected)\b.* in [\d.]+s\b/.test(l)) ?? '';
  const n = (word) => Number((new RegExp(`\\b(\\d+) ${word}\\b`).exec(line) ?? [])[1] ?? 0);
  return { passed: n('passed'), failed: n('failed') + n('errors?'), skipped: n('skipped') };
}

// The VS Code runners end with the plain 'N passed, N failed' (mocha-style counts before it).
function summary(out) {
  const m = [...out.matchAll(/^(\d+) passed, (\d+) failed$/gm)].pop();
  return m ? { passed: Number(m[1]), failed: Number(m[2]), skipped: mocha(out).skipped } : { passed: 0, failed: 0, skipped: 0 };
}

function runSuite(suite) {
  return new Promise((resolve) => {
    const t0 = Date.now();
    let out = '';
    const child = spawn(suite.cmd[0], suite.cmd.slice(1), { stdio: ['ignore', 'pipe', 'pipe'] });
    child.stdout.on('data', (d) => { out += d; process.stdout.write(d); });
    child.stderr.on('data', (d) => process.stderr.write(d));
    child.on('error', (e) => { out += `\n${e.message}\n`; });
    child.on('close', (code, signal) => resolve({ code: code ?? 128, signal, out, seconds: (Date.now() - t0) / 1000 }));
  });
}

const wanted = process.argv.slice(2);
const unknown = wanted.filter((w) => !SUITES.some((s) => s.name === w));
if (unknown.length) {
  console.error(`unknown suite(s) ${unknown.join(', ')}; choose from ${SUITES.map((s) => s.name).join(', ')}`);
  process.exit(2);
}

const rows = [];
for (const suite of SUITES.filter((s) => !wanted.length || wanted.includes(s.name))) {
  console.log(`\n━━━ ${suite.name}: ${suite.cmd.map((a) => (a === process.execPath ? 'node' : a)).join(' ')}\n`);
  const { code, signal, out, seconds } = await runSuite(suite);
  const counts = suite.parse ? suite.parse(out) : { passed: 0, failed: 0, skipped: 0 };
  let note = '';
  if (code !== 0 && counts.failed === 0) {
    counts.failed = 1; // lint errors, a build or runner error, a crash: one failure, never a silent pass
    note = suite.parse ? `exited with ${signal ?? code} but reported no failed test` : `exit ${signal ?? code}`;
  } else if (code === 0 && suite.parse && counts.passed + counts.failed === 0) {
    counts.failed = 1;
    note = 'ran no test';
  }
  rows.push({ name: suite.name, ...counts, seconds, note, lint: !suite.parse });
}

console.log('\n━━━ summary\n');
for (const r of rows) {
  const what = r.lint
    ? (r.failed ? 'FAILED' : 'ok')
    : `${r.passed} passed, ${r.failed} failed${r.skipped ? `, ${r.skipped} skipped` : ''}`;
  console.log(`  ${r.name.padEnd(12)} ${what.padEnd(34)} ${r.seconds.toFixed(1).padStart(6)} s${r.note ? `  (${r.note})` : ''}`);
}
const passed = rows.reduce((s, r) => s + r.passed, 0);
const failed = rows.reduce((s, r) => s + r.failed, 0);
console.log(`\n${passed} passed, ${failed} failed`);
process.exit(failed ? 1 : 0);
