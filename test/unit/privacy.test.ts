import * as assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';

/**
 * README §Privacy, proven: a long-lived CLI session makes no network system call and leaves no
 * file behind. onnxruntime's telemetry first reaches for the network ~10 s after start, so the
 * session lives 20 s and is fed a task every 4 s. It runs without a network (`unshare -n`), so
 * nothing could leave even if the test failed, and under strace, which records every attempt.
 */
const ROOT = packageRoot(__dirname);
const CLI = path.join(ROOT, 'dist', 'cli.js');
const MODEL = path.join(ROOT, 'test', 'fixtures', 'tiny-model');
const SESSION_MS = 20_000;
const TASK_EVERY_MS = 4_000;
const NETWORK_CALLS = 'connect,sendto,sendmsg,sendmmsg';

function packageRoot(from: string): string {
  return existsSync(path.join(from, 'package.json')) ? from : packageRoot(path.dirname(from));
}

const works = (command: string, args: string[]): boolean => spawnSync(command, args, { stdio: 'ignore' }).status === 0;

/** Every file and folder under `dir`, relative to it. */
function contents(dir: string): string[] {
  return readdirSync(dir, { recursive: true, encoding: 'utf8' });
}

describe('privacy: a long CLI session', function () {
  this.timeout(SESSION_MS + 30_000);
  let scratch: string;

  before(function () {
    if (!works('strace', ['-V']) || !works('unshare', ['-n', 'true'])) {
      // .ci/run installs strace; unshare -n needs root or user namespaces.
      this.skip();
    }
    scratch = mkdtempSync(path.join(tmpdir(), 'diffuse-privacy-'));
  });
  after(() => scratch && rmSync(scratch, { recursive: true, force: true }));

  it('makes no network system call and writes no file, in 20 s of use', async () => {
    const [home, temp, work] = ['home', 'tmp', 'work'].map((name) => {
      const dir = path.join(scratch, name);
      mkdirSync(dir);
      return dir;
    });
    const traceFile = path.join(scratch, 'strace.log');
    // A minimal environment: onnxruntime silences its telemetry by itself when it sees CI variables
    // (CI, GITHUB_ACTIONS, ...) or ORT_* switches, so none may leak in from the test runner's.
    const env = { PATH: process.env.PATH, HOME: home, TMPDIR: temp, LANG: 'C.UTF-8' };
    const child = spawn(
      'unshare',
      ['-n', 'strace', '-f', '-qq', '--seccomp-bpf', '-e', `trace=${NETWORK_CALLS}`, '-e', 'signal=none', '-o', traceFile,
        process.execPath, CLI, 'infill', '--model', MODEL, '--ep', 'cpu', '--max-tokens', '4'],
      { cwd: work, env, stdio: ['pipe', 'pipe', 'pipe'] },
    );
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const exited = new Promise<number | null>((resolve) => child.on('close', resolve));

    const tasks = SESSION_MS / TASK_EVERY_MS + 1;
    for (let i = 0; i < tasks; i++) {
      child.stdin.write(`${JSON.stringify({ task_id: i, prefix: 'def f(x):\n    return ', suffix: '\n' })}\n`);
      if (i + 1 < tasks) await new Promise((resolve) => setTimeout(resolve, TASK_EVERY_MS));
    }
    child.stdin.end();
    assert.equal(await exited, 0, stderr);

    const records = stdout.trim().split('\n').map((line) => JSON.parse(line));
    assert.deepEqual(records.map((r) => [r.task_id, typeof r.completion]), [...Array(tasks).keys()].map((i) => [i, 'string']));
    const calls = readFileSync(traceFile, 'utf8').split('\n').filter((line) => line.trim() !== '');
    assert.deepEqual(calls, [], 'network system calls');
    assert.deepEqual({ home: contents(home), tmp: contents(temp), cwd: contents(work) }, { home: [], tmp: [], cwd: [] });
  });
});
