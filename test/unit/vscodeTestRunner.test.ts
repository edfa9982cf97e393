import * as assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import * as path from 'node:path';

/** .ci/run-vscode-tests.js: which suites a run runs, and with what settings, for EXT_TESTS_PATH. */
const ROOT = packageRoot(__dirname);
const RUNNER = path.join(ROOT, '.ci', 'run-vscode-tests.js');

function packageRoot(from: string): string {
  return existsSync(path.join(from, 'package.json')) ? from : packageRoot(path.dirname(from));
}

interface Suite { name: string; testsPath: string; untrusted: boolean; multiRoot?: boolean }

/** suitesFor(testsPath), in a child Node (requiring the runner installs signal handlers). */
function suitesFor(testsPath: string | undefined, cwd = ROOT): Suite[] {
  const source = `process.stdout.write(JSON.stringify(require(${JSON.stringify(RUNNER)}).suitesFor(${JSON.stringify(testsPath)})))`;
  return JSON.parse(execFileSync(process.execPath, ['-e', source], { cwd, encoding: 'utf8' })) as Suite[];
}

describe('the VS Code test runner: the suites EXT_TESTS_PATH runs', () => {
  const settings = (s: Suite) => ({ name: s.name, untrusted: s.untrusted, multiRoot: Boolean(s.multiRoot) });

  it('unset: the main, untrusted and multi-root suites, in that order', () => {
    assert.deepEqual(suitesFor(undefined).map(settings), [
      { name: 'integration', untrusted: false, multiRoot: false },
      { name: 'untrusted', untrusted: true, multiRoot: false },
      { name: 'multiroot', untrusted: false, multiRoot: true },
    ]);
  });

  it('naming the multi-root suite runs it alone in a multi-root workspace, however the path is written', () => {
    for (const p of ['out/test/integration/multiroot/index', 'out/test/integration/multiroot/index.js',
      path.join(ROOT, 'out/test/integration/multiroot/index.js'), 'out/test/integration/multiroot']) {
      const suites = suitesFor(p);
      assert.deepEqual(suites.map(settings), [{ name: 'multiroot', untrusted: false, multiRoot: true }], p);
      assert.equal(suites[0].testsPath, p, 'the path as given');
    }
    const relative = suitesFor('../out/test/integration/multiroot/index.js', path.join(ROOT, 'test'));
    assert.deepEqual(relative.map(settings), [{ name: 'multiroot', untrusted: false, multiRoot: true }], 'relative to the working directory');
  });

  it('naming the untrusted suite runs it with workspace trust on', () => {
    assert.deepEqual(suitesFor('out/test/integration/untrusted/index.js').map(settings), [{ name: 'untrusted', untrusted: true, multiRoot: false }]);
  });

  it('any other module runs as the main suite does', () => {
    assert.deepEqual(suitesFor('/elsewhere/tests/index').map(settings), [{ name: 'integration', untrusted: false, multiRoot: false }]);
    assert.deepEqual(suitesFor('out/test/integration/suite/index').map(settings), [{ name: 'integration', untrusted: false, multiRoot: false }]);
  });
});
