import * as assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { evaluate, lostGained, namesUnseenFunction, signTestP, type MbppTask } from '../../bench/mbppData';

function task(prefix: string, canonical: string, suffix: string): MbppTask {
  return { task_id: 't', kind: 'single_line', split: 'test', prefix, canonical, suffix, entry_point: 'sum_even' };
}

describe('bench MBPP tasks: holes whose tested function is named nowhere in the context', () => {
  it('a def line of the entry point with the name only in the asserts cannot be known', () => {
    assert.equal(namesUnseenFunction(task('', 'def sum_even(arr, n):\n', '    return sum(arr)\n')), true);
  });

  it('a recursive call in the context shows the name', () => {
    assert.equal(namesUnseenFunction(task('', 'def sum_even(arr, n):\n', '    return sum_even(arr, n - 1)\n')), false);
  });

  it('holes that do not define it, or define another function, are knowable', () => {
    assert.equal(namesUnseenFunction(task('def sum_even(arr):\n', '    return sum(arr)\n', '')), false);
    assert.equal(namesUnseenFunction(task('', 'def helper(x):\n', '    return x\n')), false);
    assert.equal(namesUnseenFunction(task('', 'def sum_even_index(x):\n', '    return x\n')), false);
  });
});

describe('bench MBPP: the paired comparison of two runs', () => {
  const run = (passed: Record<string, boolean>) => Object.entries(passed).map(([task_id, p]) => ({ task_id, passed: p }));

  it('counts holes lost and gained against the first run, in any order', () => {
    const first = run({ a: true, b: true, c: false, d: false });
    assert.equal(lostGained(first, run({ d: true, c: false, b: true, a: false })), '1 / 1 (p 1.0)');
    assert.equal(lostGained(first, run({ a: true, b: true, c: true, d: true })), '0 / 2 (p 0.50)');
    assert.equal(lostGained(first, first), '0 / 0');
  });

  it('a fill without a verdict counts as failed', () => {
    assert.equal(lostGained(run({ a: true }), [{ task_id: 'a' }]), '1 / 0 (p 1.0)');
  });

  it('gives the exact two-sided sign test of scipy.stats.binomtest', () => {
    // binomtest(lost, lost + gained).pvalue, read off scipy 1.10
    const scipy: [number, number, number][] = [[47, 78, 0.007047316542566113], [36, 52, 0.1092954297773143],
      [14, 25, 0.10812902140605732], [0, 5, 0.0625], [300, 400, 0.00017847631448562662], [1, 1, 1], [1, 0, 1]];
    for (const [lost, gained, p] of scipy) {
      const got = signTestP(lost, gained);
      assert.ok(Math.abs(got - p) <= 1e-9 * Math.max(p, 1e-3), `${lost} / ${gained}: ${got} against ${p}`);
      assert.equal(signTestP(gained, lost), got, 'symmetric in lost and gained');
    }
  });

  it('refuses a hole the first run does not have', () => {
    assert.throws(() => lostGained(run({ a: true }), run({ b: true })), /hole b is missing from the first run/);
  });
});

describe('bench MBPP: the evaluator runs each program in a forked child', () => {
  let dir: string;
  before(() => (dir = mkdtempSync(path.join(tmpdir(), 'diffuse-mbpp-eval-'))));
  after(() => rmSync(dir, { recursive: true, force: true }));

  it("asks for --isolation fork (its other mode passes a program that calls exit(), which fork fails)", () => {
    // a stand-in evaluator, run by node: records its arguments and passes every sample
    const evaluator = path.join(dir, 'evaluator.js');
    const argsFile = path.join(dir, 'args.json');
    writeFileSync(evaluator, `
      const fs = require('node:fs');
      const args = process.argv.slice(2);
      fs.writeFileSync(${JSON.stringify(argsFile)}, JSON.stringify(args));
      const samples = args[args.indexOf('--samples') + 1];
      const rows = fs.readFileSync(samples, 'utf8').split('\\n').filter((l) => l.trim() !== '').map((l) => JSON.parse(l));
      fs.writeFileSync(samples + '_results.jsonl', rows.map((r) => JSON.stringify({ ...r, passed: true, result: 'passed' })).join('\\n') + '\\n');
    `);
    const verdicts = evaluate(evaluator, process.execPath, '/data', 'single_line', [{ task_id: 'a', completion: '    exit()\n' }]);
    assert.deepEqual(verdicts, [{ passed: true, result: 'passed' }]);
    const args = JSON.parse(readFileSync(argsFile, 'utf8')) as string[];
    assert.equal(args[0], 'evaluate');
    assert.equal(args[args.indexOf('--tasks') + 1], path.join('/data', 'single_line.jsonl'));
    assert.equal(args[args.indexOf('--isolation') + 1], 'fork');
  });
});
