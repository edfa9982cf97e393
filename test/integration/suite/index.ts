import * as fs from 'node:fs';
import * as path from 'node:path';
import Mocha from 'mocha';

/**
 * The entry point VS Code's extension host calls (`extensionTestsPath`): runs every `*.test.js`
 * beside this file with mocha, in name order. Works under .ci/run-vscode-tests.js (the VS Code
 * server route) and under @vscode/test-electron's `runTests` alike. Writes a summary ending in the
 * plain line `N passed, N failed` to $VSC_TEST_RESULTS when set; rejects when a test failed.
 */
export function run(): Promise<void> {
  return runMochaIn(__dirname);
}

/** Runs every `*.test.js` in `dir` in name order, as `run` describes. */
export function runMochaIn(dir: string): Promise<void> {
  const mocha = new Mocha({ ui: 'bdd', timeout: 60_000, color: false, reporter: 'spec', forbidOnly: true });
  for (const file of fs.readdirSync(dir).filter((f) => f.endsWith('.test.js')).sort()) {
    mocha.addFile(path.join(dir, file));
  }
  return new Promise((resolve, reject) => {
    const lines: string[] = [];
    const runner = mocha.run((failures) => {
      const stats = runner.stats;
      lines.push(`${stats?.passes ?? 0} passed, ${stats?.failures ?? failures} failed`);
      const out = process.env.VSC_TEST_RESULTS;
      if (out) fs.writeFileSync(out, lines.join('\n') + '\n');
      if (failures > 0) reject(new Error(`${failures} test(s) failed.`));
      else resolve();
    });
    runner.on('pass', (test) => lines.push(`ok   ${test.fullTitle()}`));
    runner.on('fail', (test, error: Error) => lines.push(`FAIL ${test.fullTitle()}: ${error?.stack ?? error}`));
  });
}
