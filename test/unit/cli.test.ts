import * as assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { parseCommandLine, UsageError } from '../../src/cli/args';
import { DEFAULT_INFILL_OPTIONS } from '../../src/infill';

/** The CLI as users run it: the esbuild bundle (`npm run build`), on the checked-in tiny model. */
const ROOT = packageRoot(__dirname);
const CLI = path.join(ROOT, 'dist', 'cli.js');
const MODEL = ['--model', path.join(ROOT, 'test', 'fixtures', 'tiny-model'), '--ep', 'cpu', '--max-tokens', '6'];

function diffuse(args: readonly string[], stdin = '') {
  const run = spawnSync(process.execPath, [CLI, ...args], { cwd: ROOT, input: stdin, encoding: 'utf8', timeout: 60_000 });
  return { code: run.status, stdout: run.stdout, stderr: run.stderr };
}

function packageRoot(from: string): string {
  return existsSync(path.join(from, 'package.json')) ? from : packageRoot(path.dirname(from));
}

const jsonLines = (text: string) => text.split('\n').filter((line) => line !== '').map((line) => JSON.parse(line));

const GOOD = { task_id: 'good', prefix: 'def add(a, b):\n    ', suffix: '\n' };
const TASKS = [
  JSON.stringify(GOOD),
  '{not json',
  JSON.stringify({ task_id: 'no-prefix', suffix: 'x' }),
  JSON.stringify({ prefix: 'x' }),
  '',
  JSON.stringify({ task_id: 7, prompt: 'import ', max_tokens: 3 }),
  JSON.stringify({ task_id: 'bad-size', prefix: 'a', suffix: 'b', max_tokens: 0 }),
  JSON.stringify({ task_id: 'bad-suffix', prefix: 'a', suffix: 3 }),
].join('\n') + '\n';

describe('diffuse CLI', function () {
  this.timeout(60_000);
  let dir: string;

  before(() => {
    dir = mkdtempSync(path.join(tmpdir(), 'diffuse-cli-'));
    assert.ok(existsSync(CLI), `${CLI} is missing: run npm run build`);
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('writes one record per task line, in order, with error records for bad lines, and exits 0', () => {
    const input = path.join(dir, 'tasks.jsonl');
    writeFileSync(input, TASKS);
    const { code, stdout, stderr } = diffuse(['infill', ...MODEL, '--input', input]);
    assert.equal(code, 0, stderr);
    const records = jsonLines(stdout);
    assert.deepEqual(records.map((r) => r.task_id), ['good', undefined, 'no-prefix', undefined, 7, 'bad-size', 'bad-suffix']);
    for (const record of [records[0], records[4]]) {
      assert.deepEqual(Object.keys(record), ['task_id', 'completion', 'tokens', 'nfe', 'ms']);
      assert.equal(typeof record.completion, 'string');
      assert.ok(Number.isInteger(record.tokens) && Number.isInteger(record.nfe) && record.ms >= 0);
    }
    assert.ok(records[4].tokens <= 3, 'max_tokens bounds the hole');
    assert.match(records[1].error, /invalid JSON/);
    assert.match(records[2].error, /prefix \(or prompt\) must be a string/);
    assert.match(records[3].error, /task_id/);
    assert.match(records[5].error, /max_tokens must be a positive integer/);
    assert.match(records[6].error, /suffix must be a string/);
    // stderr names each bad line (blank lines counted), the file first
    const warned = stderr.split('\n').filter((l) => l.includes(`${input}, line `));
    assert.deepEqual(warned.map((l) => /line (\d+)/.exec(l)![1]), ['2', '3', '4', '7', '8']);
    assert.match(warned[1], /line 3, task_id "no-prefix": prefix \(or prompt\) must be a string/);
  });

  it('reads stdin and writes --output', () => {
    const output = path.join(dir, 'out.jsonl');
    const { code, stdout, stderr } = diffuse(['infill', ...MODEL, '--output', output], `${JSON.stringify(GOOD)}\n`);
    assert.equal(code, 0, stderr);
    assert.equal(stdout, '');
    assert.deepEqual(jsonLines(readFileSync(output, 'utf8')).map((r) => r.task_id), ['good']);
  });

  it('gives the same completion for the same task and seed, from the cache the second time', () => {
    const stdin = `${JSON.stringify(GOOD)}\n${JSON.stringify(GOOD)}\n`;
    const [a, again] = jsonLines(diffuse(['infill', ...MODEL, '--seed', '3', '--threshold', 'off'], stdin).stdout);
    const [b] = jsonLines(diffuse(['infill', ...MODEL, '--seed', '3', '--threshold', 'off'], stdin).stdout);
    assert.equal(a.completion, b.completion);
    assert.deepEqual([again.completion, again.nfe], [a.completion, 0]);
  });

  it('fills with --strategy random, whose default threshold is off; refuses a threshold given with it', () => {
    const stdin = `${JSON.stringify(GOOD)}\n`;
    const [random] = jsonLines(diffuse(['infill', ...MODEL, '--strategy', 'random', '--seed', '3'], stdin).stdout);
    assert.equal(typeof random.completion, 'string', JSON.stringify(random));
    const [refused] = jsonLines(diffuse(['infill', ...MODEL, '--strategy', 'random', '--threshold', '0.8'], stdin).stdout);
    assert.match(refused.error, /threshold decoding needs a confidence strategy/);
  });

  it('fills with a model of another family, and hands --kernel to its sampler', () => {
    const family = (name: string) => ['--model', path.join(ROOT, 'test', 'fixtures', 'families', name), '--ep', 'cpu', '--max-tokens', '6'];
    const stdin = `${JSON.stringify(GOOD)}\n`;
    const uniform = diffuse(['infill', ...family('sedd-uniform'), '--kernel', 'euler', '--seed', '3'], stdin);
    assert.equal(uniform.code, 0, uniform.stderr);
    const [filled] = jsonLines(uniform.stdout);
    assert.equal(typeof filled.completion, 'string', uniform.stdout);
    assert.ok(filled.nfe >= 1);
    // GenMD4 has no single σ(t) for the Euler step: the sampler refuses the kernel it was handed.
    const [refused] = jsonLines(diffuse(['infill', ...family('genmd4'), '--kernel', 'euler'], stdin).stdout);
    assert.match(refused.error, /kernel/);
  });

  it('is quiet about execution-provider probing unless --verbose: the bundled model and an fp32 model under --ep auto', () => {
    const task = JSON.stringify(GOOD) + '\n';
    const fp32 = ['--model', path.join(ROOT, 'test', 'fixtures', 'tiny-model'), '--ep', 'auto', '--max-tokens', '6'];
    for (const args of [['--max-tokens', '6'], fp32]) {
      const { code, stdout, stderr } = diffuse(['infill', ...args], task);
      assert.equal(code, 0, stderr);
      assert.equal(jsonLines(stdout).length, 1);
      // Only the CLI's own lines: the model loaded, the tasks filled. No native runtime output, no fallback story.
      const lines = stderr.split('\n').filter((line) => line !== '');
      assert.ok(lines.every((line) => /^(info|warn|error) /.test(line)), `foreign output on stderr:\n${stderr}`);
      assert.doesNotMatch(stderr, /Vulkan|adapter|falling back/i);
      assert.ok(lines.length <= 2, `more than two lines on stderr:\n${stderr}`);
    }
    const verbose = diffuse(['infill', ...fp32, '--verbose'], task);
    assert.equal(verbose.code, 0, verbose.stderr);
    if (/unavailable/.test(verbose.stderr)) {
      // A machine without a GPU: the reason for the fallback is there with --verbose.
      assert.match(verbose.stderr, /^debug \[model\] webgpu execution provider failed \(.+\); falling back to cpu$/m);
    }
  });

  it('exits 1 with a one-line message when the model cannot be loaded', () => {
    const { code, stdout, stderr } = diffuse(['infill', '--model', path.join(dir, 'no-such-model')], `${JSON.stringify(GOOD)}\n`);
    assert.equal(code, 1);
    assert.equal(stdout, '');
    assert.match(stderr, /^diffuse: cannot load the model: .*no-such-model.*\n$/m);
    assert.equal(stderr.trim().split('\n').filter((line) => line.startsWith('diffuse:')).length, 1);
  });

  it('exits 2 with the usage for invalid arguments', () => {
    for (const args of [['infill', '--steps', 'many'], ['infill', '--strategy', 'best'], ['infill', '--threshold', '2'], ['infill', '--kernel', 'exact'],
      ['infill', '--bogus'], ['transmogrify'], ['bench'], ['infill', '--input', path.join(dir, 'missing.jsonl')]]) {
      const { code, stderr } = diffuse(args);
      assert.equal(code, 2, args.join(' '));
      assert.match(stderr, /^diffuse: .*\n\nUsage:/, args.join(' '));
    }
  });

  it("fills with the longest --timeout Node's timers can hold, and refuses one second more before loading", () => {
    const longest = diffuse(['infill', ...MODEL, '--timeout', '2147483'], `${JSON.stringify(GOOD)}\n`);
    assert.equal(longest.code, 0, longest.stderr);
    assert.doesNotMatch(longest.stderr, /TimeoutOverflowWarning/);
    assert.equal(typeof jsonLines(longest.stdout)[0].completion, 'string', longest.stdout);
    const over = diffuse(['infill', ...MODEL, '--timeout', '2147484'], `${JSON.stringify(GOOD)}\n`);
    assert.equal(over.code, 2);
    assert.match(over.stderr, /^diffuse: --timeout must be an integer in \[1, 2147483\]; got '2147484'\n\nUsage:/);
  });

  it('prints the usage for --help', () => {
    const { code, stdout } = diffuse(['--help']);
    assert.equal(code, 0);
    assert.match(stdout, /diffuse infill/);
  });

  it('benchmarks a task file and reports JSON', () => {
    const input = path.join(dir, 'bench.jsonl');
    writeFileSync(input, `${JSON.stringify(GOOD)}\n${JSON.stringify({ ...GOOD, task_id: 'two', prefix: 'x = ' })}\n`);
    const { code, stdout, stderr } = diffuse(['bench', ...MODEL, '--input', input, '--runs', '2', '--json']);
    assert.equal(code, 0, stderr);
    const report = JSON.parse(stdout);
    assert.deepEqual([report.model, report.kind, report.provider, report.tasks, report.runs, report.fills], ['tiny-model', 'mdlm/absorb', 'cpu', 2, 2, 4]);
    for (const key of ['p50', 'p95', 'mean', 'min', 'max']) assert.ok(report.latencyMs[key] > 0, key);
    assert.ok(report.latencyMs.min <= report.latencyMs.p50 && report.latencyMs.p50 <= report.latencyMs.max);
    assert.ok(report.loadMs > 0 && report.tokensPerSecond > 0 && report.nfePerToken > 0);
  });

  it('prints the bench table', () => {
    const input = path.join(dir, 'bench.jsonl');
    const { code, stdout } = diffuse(['bench', ...MODEL, '--input', input, '--runs', '1']);
    assert.equal(code, 0);
    assert.match(stdout, /^model +tiny-model \(mdlm\/absorb, cpu\)$/m);
    assert.match(stdout, /^latency ms +p50 [\d.]+ +p95 [\d.]+/m);
    assert.match(stdout, /^NFE\/token +[\d.]+$/m);
  });

  it("bench names a skipped line's number (blank lines counted) and its task_id", () => {
    const input = path.join(dir, 'bench-bad.jsonl');
    writeFileSync(input, [JSON.stringify(GOOD), '', '{not json', JSON.stringify({ task_id: 'bad-size', prefix: 'a', max_tokens: 0 }), '{"task_id": 7, "prompt": "x = "}'].join('\n'));
    const { code, stdout, stderr } = diffuse(['bench', ...MODEL, '--input', input, '--runs', '1', '--json']);
    assert.equal(code, 0, stderr);
    assert.deepEqual([JSON.parse(stdout).tasks, JSON.parse(stdout).fills], [2, 2]);
    assert.match(stderr, /^warn +\[bench\] line 3: skipped: invalid JSON: /m);
    assert.match(stderr, /^warn +\[bench\] line 4, task_id "bad-size": skipped: max_tokens must be a positive integer$/m);
  });

  it("bench names each failed fill's line and task_id, logs a failed warm-up, and exits 1 when no fill succeeded", () => {
    const input = path.join(dir, 'bench-failing.jsonl');
    writeFileSync(input, `${JSON.stringify(GOOD)}\n\n{"task_id": 7, "prompt": "x = "}\n`);
    // GenMD4 has no single σ(t) for the Euler step: every fill is refused.
    const genmd4 = ['--model', path.join(ROOT, 'test', 'fixtures', 'families', 'genmd4'), '--ep', 'cpu', '--max-tokens', '6', '--kernel', 'euler'];
    const { code, stdout, stderr } = diffuse(['bench', ...genmd4, '--input', input, '--runs', '2']);
    assert.equal(code, 1, stderr);
    assert.equal(stdout, '');
    assert.match(stderr, /^warn +\[bench\] line 1, task_id "good": the warm-up fill failed: .*kernel/m);
    const failed = stderr.split('\n').filter((line) => line.includes('a fill failed'));
    assert.deepEqual(failed.map((line) => /\[bench\] (line \d+, task_id \S+): a fill failed: .*kernel/.exec(line)?.[1]), [
      'line 1, task_id "good"', 'line 3, task_id 7', 'line 1, task_id "good"', 'line 3, task_id 7',
    ]);
    assert.match(stderr, /^diffuse: bench: none of 4 fill\(s\) succeeded/m);
  });
});

describe('diffuse CLI arguments', () => {
  const options = (args: string[]) => {
    const line = parseCommandLine(['infill', ...args]);
    assert.ok(line.command === 'infill');
    return line.options;
  };

  it('passes --kernel to the sampler', () => {
    assert.equal(options(['--kernel', 'euler']).kernel, 'euler');
    assert.equal(options(['--kernel', 'analytic']).kernel, 'analytic');
  });

  it('reads --prune-after N or off, and refuses anything else', () => {
    assert.equal(options(['--prune-after', '3']).pruneAfter, 3);
    assert.equal(options(['--prune-after', 'off']).pruneAfter, undefined);
    assert.equal(options([]).pruneAfter, DEFAULT_INFILL_OPTIONS.pruneAfter);
    for (const bad of ['0', '-1', '2.5', 'soon']) assert.throws(() => options(['--prune-after', bad]), /--prune-after/);
  });

  it('reads --lengths and --inline-lengths as sizes or off, naming the flag of a bad size', () => {
    assert.deepEqual(options(['--inline-lengths', '2,5']).inlineLengths, [2, 5]);
    assert.equal(options(['--inline-lengths', 'off']).inlineLengths, undefined);
    assert.deepEqual(options([]).inlineLengths, DEFAULT_INFILL_OPTIONS.inlineLengths);
    assert.deepEqual(options(['--lengths', '4, 8']).lengths, [4, 8]);
    for (const flag of ['--lengths', '--inline-lengths']) {
      for (const bad of ['0', '3,x', '2.5']) assert.throws(() => options([flag, bad]), (e: unknown) => e instanceof UsageError && e.message.includes(flag));
    }
  });

  it('reads --inline-breaks on or off, on by default, and refuses anything else', () => {
    assert.equal(options([]).inlineBreaks, true);
    assert.equal(options(['--inline-breaks', 'off']).inlineBreaks, false);
    assert.equal(options(['--inline-breaks', 'on']).inlineBreaks, true);
    assert.throws(() => options(['--inline-breaks', 'yes']), (e: unknown) => e instanceof UsageError && e.message.includes('--inline-breaks'));
  });

  it('reads --timeout as whole seconds in [1, 2147483], naming the flag and the range otherwise', () => {
    const timeout = (value: string) => {
      const line = parseCommandLine(['bench', '--input', 'tasks.jsonl', '--timeout', value]);
      assert.ok(line.command === 'bench');
      return line.timeout;
    };
    assert.equal(timeout('1'), 1);
    assert.equal(timeout('2147483'), 2147483);
    for (const bad of ['0', '2147484', '99999999999', '1.5', 'soon']) {
      assert.throws(() => timeout(bad), (e: unknown) => e instanceof UsageError && e.message === `--timeout must be an integer in [1, 2147483]; got '${bad}'`);
    }
  });

  it('refuses an empty --model, naming the flag', () => {
    assert.throws(() => parseCommandLine(['infill', '--model', '']), (e: unknown) => e instanceof UsageError && /--model needs/.test(e.message));
  });

  it("leaves the sampler's default kernel without --kernel, so the cache key matches the extension's", () => {
    assert.ok(!('kernel' in options([])));
  });
});
