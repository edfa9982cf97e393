import * as assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import type { BenchTask } from '../../bench/common';
import { fillTask, keystrokesOf, optionsFor } from '../../bench/fills';
import { keystrokeEarlier } from '../../bench/keystrokes';
import { DEFAULT_INFILL_OPTIONS } from '../../src/infill';
import { CARRY_MAX_CHAIN, loadModel, type LoadedModel } from '../../src/model';
import { maxAbsDiff } from './helpers/logitsGolden';
import { recordingModel } from './helpers/recordingModel';

describe('bench fill options: what the latency benchmarks measure', () => {
  it("are the shipped defaults for a single-line hole, step budget included, each task a document's first fill", () => {
    assert.deepEqual(optionsFor('single_line', {}), DEFAULT_INFILL_OPTIONS);
    assert.equal(DEFAULT_INFILL_OPTIONS.cacheCarry, false, 'no task carries the context of the one before');
  });

  it('give a larger hole the shipped rate of slots per step', () => {
    const multi = optionsFor('multi_line', {});
    assert.equal(multi.maxTokens, 96);
    assert.equal(multi.steps, (96 * DEFAULT_INFILL_OPTIONS.steps) / DEFAULT_INFILL_OPTIONS.maxTokens);
  });

  it('take --steps, else --steps-fraction of the hole\'s slots', () => {
    assert.equal(optionsFor('single_line', { steps: '5', 'steps-fraction': '0.5' }).steps, 5);
    assert.equal(optionsFor('single_line', { 'steps-fraction': '0.5' }).steps, 16);
    assert.equal(optionsFor('multi_line', { 'steps-fraction': '0.125' }).steps, 12);
  });

  it('take --prune-after N, or off for no pruning', () => {
    assert.equal(optionsFor('single_line', { 'prune-after': '2' }).pruneAfter, 2);
    assert.equal(optionsFor('single_line', { 'prune-after': 'off' }).pruneAfter, undefined);
    assert.notEqual(DEFAULT_INFILL_OPTIONS.pruneAfter, undefined, 'off would read as the default');
  });
});

describe('keystrokeEarlier: the document a typist had before the last keys', () => {
  it("drops the prefix's last characters, the suffix and the rest as they are", () => {
    const task = { task_id: 't', prefix: 'def f(x):\n    ret', suffix: '\n' };
    assert.deepEqual(keystrokeEarlier(task), { ...task, prefix: 'def f(x):\n    re' });
    assert.equal(keystrokeEarlier(task, 4).prefix, 'def f(x):\n   ');
    assert.equal(keystrokeEarlier(task, 99).prefix, '', 'no further back than an empty prefix');
  });

  it('takes a character as one key (an emoji of two UTF-16 units) and a CRLF as one Enter', () => {
    assert.equal(keystrokeEarlier({ prefix: 'x = "🐍' }).prefix, 'x = "', 'no half an emoji');
    assert.equal(keystrokeEarlier({ prefix: 'x = "🐍🐍' }, 2).prefix, 'x = "');
    assert.equal(keystrokeEarlier({ prefix: 'def f():\r\n' }).prefix, 'def f():', 'no lone CR');
    assert.equal(keystrokeEarlier({ prefix: 'a\r\n\r\n' }, 2).prefix, 'a');
    assert.equal(keystrokeEarlier({ prefix: '\n' }).prefix, '');
  });
});

describe('bench fillTask --after-keystroke: a typist\'s chain before each timed fill', function () {
  this.timeout(60000);
  const fixture = path.resolve(__dirname, '../../../test/fixtures/tiny-model-kv-shared');
  // the tiny fixture's canvas is 64 tokens
  const small = { maxTokens: 8, steps: 4, contextTokens: 64 };
  const options = { ...optionsFor('single_line', { 'after-keystroke': 'on' }), ...small };
  const task: BenchTask = { task_id: 't', kind: 'single_line', prefix: 'def add(a, b):\n    total = a + b\n    ret', suffix: '\n\nprint(add(1, 2))\n' };
  let models: LoadedModel[] = [];
  before(async () => {
    models = await Promise.all([0, 1].map(() => loadModel(fixture, { executionProvider: 'cpu', threads: 1 })));
  });
  after(async () => Promise.all(models.map((m) => m.dispose())));

  it('reads on as one keystroke, N up to the engine\'s chain, off as none; refuses a longer chain or a fraction, naming the flag', () => {
    assert.equal(keystrokesOf({}), 0);
    assert.equal(keystrokesOf({ 'after-keystroke': 'off' }), 0);
    assert.equal(keystrokesOf({ 'after-keystroke': 'on' }), 1);
    assert.equal(keystrokesOf({ 'after-keystroke': String(CARRY_MAX_CHAIN) }), CARRY_MAX_CHAIN);
    assert.equal(optionsFor('single_line', { 'after-keystroke': String(CARRY_MAX_CHAIN) }).cacheCarry, true);
    assert.throws(() => keystrokesOf({ 'after-keystroke': String(CARRY_MAX_CHAIN + 1) }), /^Error: --after-keystroke: '\d+' is not a keystroke chain/);
    assert.throws(() => keystrokesOf({ 'after-keystroke': '1.5' }), /--after-keystroke: '1\.5' is not a keystroke chain/);
  });

  it('latency.js refuses a bad chain of its --after-keystroke list before any fill, not after those of the chains before it', () => {
    const latency = path.resolve(__dirname, '../../bench/latency.js');
    const dir = mkdtempSync(path.join(tmpdir(), 'latency-'));
    const tasks = path.join(dir, 'tasks.jsonl');
    writeFileSync(tasks, `${JSON.stringify(task)}\n`);
    // no model: the chain must be refused before it loads, let alone fills
    const latencyRun = (...args: string[]) => spawnSync(process.execPath, [latency, '--model', '/no/such/model', '--tasks', tasks, ...args], { encoding: 'utf8', timeout: 30000 });
    const run = latencyRun('--after-keystroke', `off,on,${CARRY_MAX_CHAIN + 1}`);
    // nor a list with --outputs: the file would hold each task once a chain, evaluate.py scoring one of them
    const outputs = latencyRun('--after-keystroke', 'off,on', '--outputs', path.join(dir, 'fills.jsonl'));
    rmSync(dir, { recursive: true });
    assert.equal(run.status, 1, run.stderr);
    assert.match(run.stderr, new RegExp(`--after-keystroke: '${CARRY_MAX_CHAIN + 1}' is not a keystroke chain`));
    assert.equal(outputs.status, 1, outputs.stderr);
    assert.match(outputs.stderr, /--outputs with a list of --after-keystroke chains/);
  });

  it('refuses a carrying fill without a chain: it would carry whatever context the model kept last', async () => {
    await assert.rejects(fillTask(models[0], task, options), /^Error: fillTask: cacheCarry without a keystroke chain/);
  });

  it("gives the same fill after the warm-up's fill of the same task as on a model that kept nothing", async () => {
    assert.equal(options.cacheCarry, true);
    const alone = recordingModel(models[0]);
    const fill = await fillTask(alone.model, task, options, 1);
    await fillTask(models[1], task, options, 1); // fillAll's warm-up fills the first task
    const again = recordingModel(models[1]);
    const fillAgain = await fillTask(again.model, task, options, 1);
    assert.equal(fillAgain.completion, fill.completion);
    assert.equal(again.calls.length, alone.calls.length);
    again.calls.forEach((logits, i) => assert.equal(maxAbsDiff(logits, alone.calls[i]), 0, `call ${i}'s logits`));
  });

  it(`times the last of ${CARRY_MAX_CHAIN} keystrokes: the chain's first fill refreshes, each later one and the timed one carry`, async () => {
    const chained = { ...optionsFor('single_line', { 'after-keystroke': String(CARRY_MAX_CHAIN) }), ...small };
    const refreshed = recordingModel(models[0]);
    await fillTask(refreshed.model, task, { ...chained, cacheCarry: false }, CARRY_MAX_CHAIN);
    const carry = recordingModel(models[0]);
    await fillTask(carry.model, task, chained, CARRY_MAX_CHAIN);
    assert.equal(carry.firsts.length, CARRY_MAX_CHAIN + 1, 'the untimed fills and the timed one');
    const first = (r: typeof carry, fill: number) => r.calls[r.firsts[fill]!]!;
    assert.equal(maxAbsDiff(first(carry, 0), first(refreshed, 0)), 0, 'the chain starts from a refresh');
    for (let fill = 1; fill <= CARRY_MAX_CHAIN; fill++) assert.ok(maxAbsDiff(first(carry, fill), first(refreshed, fill)) > 0, `fill ${fill} carries`);
  });
});
