import * as assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { closeSync, existsSync, linkSync, mkdirSync, mkdtempSync, openSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';

/** The CLI's files and streams: nothing lost, every failure one line with its exit code. */
const ROOT = packageRoot(__dirname);
const CLI = path.join(ROOT, 'dist', 'cli.js');
const MODEL = ['--model', path.join(ROOT, 'test', 'fixtures', 'tiny-model'), '--ep', 'cpu', '--max-tokens', '4'];
const TASK = JSON.stringify({ task_id: 'a', prefix: 'x = ' });

function packageRoot(from: string): string {
  return existsSync(path.join(from, 'package.json')) ? from : packageRoot(path.dirname(from));
}

function diffuse(args: readonly string[], stdin: string | number = '') {
  const input = typeof stdin === 'string' ? { input: stdin } : { stdio: [stdin, 'pipe', 'pipe'] as ['pipe' | number, 'pipe', 'pipe'] };
  const run = spawnSync(process.execPath, [CLI, ...args], { encoding: 'utf8', timeout: 60_000, ...input });
  return { code: run.status, stdout: run.stdout, stderr: run.stderr };
}

/** One line on stderr starting 'diffuse: ', no stack trace, and the model never loaded (checks come first). */
function assertOneLineBeforeLoading(stderr: string, message: RegExp): void {
  assert.match(stderr, message);
  assert.doesNotMatch(stderr, /^\s+at |loaded /m, stderr);
}

describe('diffuse CLI files and streams', function () {
  this.timeout(60_000);
  let dir: string;
  before(() => (dir = mkdtempSync(path.join(tmpdir(), 'diffuse-cli-files-'))));
  after(() => rmSync(dir, { recursive: true, force: true }));

  describe('never destroys the input', () => {
    it('refuses --output naming the --input file (also through a link), leaving it intact', () => {
      const input = path.join(dir, 'tasks.jsonl');
      writeFileSync(input, `${TASK}\n`);
      linkSync(input, path.join(dir, 'hard-link.jsonl'));
      symlinkSync(input, path.join(dir, 'soft-link.jsonl'));
      for (const output of [input, path.join(dir, 'hard-link.jsonl'), path.join(dir, 'soft-link.jsonl'), path.join(dir, '.', 'tasks.jsonl')]) {
        const { code, stderr } = diffuse(['infill', ...MODEL, '--input', input, '--output', output]);
        assert.equal(code, 2, output);
        assertOneLineBeforeLoading(stderr, /^diffuse: --output .*: the input file; writing it would destroy the tasks before they are read$/m);
        assert.equal(readFileSync(input, 'utf8'), `${TASK}\n`);
      }
    });

    it('refuses --output naming the file stdin reads from', () => {
      const input = path.join(dir, 'stdin.jsonl');
      writeFileSync(input, `${TASK}\n`);
      const fd = openSync(input, 'r');
      try {
        const { code, stderr } = diffuse(['infill', ...MODEL, '--output', input], fd);
        assert.equal(code, 2);
        assertOneLineBeforeLoading(stderr, /the input file/);
      } finally {
        closeSync(fd);
      }
      assert.equal(readFileSync(input, 'utf8'), `${TASK}\n`);
    });
  });

  describe('task lines', () => {
    it('writes numeric task ids exactly as given', () => {
      const ids = ['12345678901234567890', '1e400', '-0.5e3', '7', '0.1000'];
      const lines = ids.map((id) => `{"prefix": "x", "task_id" : ${id} }`);
      lines.push('{"task_id": 98765432109876543210, "prefix": "x", "max_tokens": 0}');
      const { code, stdout, stderr } = diffuse(['infill', ...MODEL], lines.join('\n'));
      assert.equal(code, 0, stderr);
      const out = stdout.trim().split('\n');
      ids.forEach((id, i) => assert.ok(out[i].startsWith(`{"task_id":${id},"completion":`), out[i]));
      assert.ok(out[ids.length].startsWith('{"task_id":98765432109876543210,"error":'), out[ids.length]);
    });

    it("reads a lone '\\r' as JSON whitespace, CRLF line ends, and a UTF-8 byte-order mark", () => {
      const input = `\uFEFF{"task_id":1,\r"prefix":"a"}\r\n{"task_id":2,"prefix":"b"}\n\r\n{"task_id":3,"prefix":"c"}`;
      const { code, stdout, stderr } = diffuse(['infill', ...MODEL], input);
      assert.equal(code, 0, stderr);
      const records = stdout.trim().split('\n').map((line) => JSON.parse(line));
      assert.deepEqual(records.map((r) => [r.task_id, typeof r.completion]), [[1, 'string'], [2, 'string'], [3, 'string']]);
    });
  });

  describe('paths checked before the model loads (exit 2)', () => {
    it('--output into a folder that does not exist, or onto a folder', () => {
      let { code, stderr } = diffuse(['infill', ...MODEL, '--output', path.join(dir, 'missing', 'out.jsonl')], TASK);
      assert.equal(code, 2);
      assertOneLineBeforeLoading(stderr, /^diffuse: --output .*out\.jsonl: no such folder .*missing$/m);
      ({ code, stderr } = diffuse(['infill', ...MODEL, '--output', dir], TASK));
      assert.equal(code, 2);
      assertOneLineBeforeLoading(stderr, /--output .*: a folder, not a file/);
    });

    it('--input a folder, a symbolic link loop, or missing', () => {
      symlinkSync(path.join(dir, 'loop-b'), path.join(dir, 'loop-a'));
      symlinkSync(path.join(dir, 'loop-a'), path.join(dir, 'loop-b'));
      const cases: Array<[string, RegExp]> = [
        [dir, /--input .*: a folder, not a task file/],
        [path.join(dir, 'loop-a'), /--input .*loop-a: a symbolic link loop/],
        [path.join(dir, 'nope.jsonl'), /--input .*nope\.jsonl: no such file or folder/],
      ];
      for (const [input, message] of cases) {
        const { code, stderr } = diffuse(['infill', ...MODEL, '--input', input]);
        assert.equal(code, 2, input);
        assertOneLineBeforeLoading(stderr, message);
      }
    });
  });

  describe('output that fails midway (exit 3, one line)', () => {
    it('--output on a full disk', () => {
      const { code, stderr } = diffuse(['infill', ...MODEL, '--output', '/dev/full'], `${TASK}\n`);
      assert.equal(code, 3);
      assert.match(stderr, /^diffuse: cannot write --output \/dev\/full: no space left on the device$/m);
      assert.doesNotMatch(stderr, /^\s+at /m);
    });

    it('stdout on a full disk', () => {
      const full = openSync('/dev/full', 'w');
      try {
        const run = spawnSync(process.execPath, [CLI, 'infill', ...MODEL], { input: `${TASK}\n`, stdio: ['pipe', full, 'pipe'], encoding: 'utf8' });
        assert.equal(run.status, 3);
        assert.match(run.stderr, /^diffuse: cannot write stdout: no space left on the device$/m);
        assert.doesNotMatch(run.stderr, /^\s+at /m);
      } finally {
        closeSync(full);
      }
    });

    it('stops quietly with exit 0 when the reader of stdout goes away (`| head`)', async () => {
      const child = spawn(process.execPath, [CLI, 'infill', ...MODEL], { stdio: ['pipe', 'pipe', 'pipe'] });
      let stderr = '';
      child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
      child.stdout.once('data', () => child.stdout.destroy());
      child.stdin.end(`${TASK}\n`.repeat(50));
      const code = await new Promise((resolve) => child.on('close', resolve));
      assert.equal(code, 0, stderr);
      assert.doesNotMatch(stderr, /Error|^\s+at /m);
    });
  });

  it('creates no output file when the model cannot load', () => {
    const output = path.join(dir, 'fresh', 'out.jsonl');
    mkdirSync(path.dirname(output));
    const { code } = diffuse(['infill', '--model', path.join(dir, 'no-model'), '--output', output], `${TASK}\n`);
    assert.equal(code, 1);
    assert.ok(!existsSync(output), 'no output file when the model cannot load');
  });
});
