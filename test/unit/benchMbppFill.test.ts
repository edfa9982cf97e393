import * as assert from 'node:assert/strict';
import * as path from 'node:path';
import type { MbppTask } from '../../bench/mbppData';
import { fillOne, modelLabels, parseConfig, parseConfigs } from '../../bench/mbppFill';
import { CARRY_MAX_CHAIN, loadModel, type LoadedModel } from '../../src/model';
import { maxAbsDiff } from './helpers/logitsGolden';
import { recordingModel as recording } from './helpers/recordingModel';

const fixtures = path.resolve(__dirname, '../../../test/fixtures');

function task(id: string, prefix: string, suffix: string): MbppTask {
  return { task_id: id, kind: 'single_line', split: 'validation', prefix, suffix, canonical: '', entry_point: 'add' };
}

// the tiny fixture's canvas is 64 tokens: a hole of 8 slots, the rest context
const small = 'maxTokens=8,steps=4,contextTokens=64,syntax=off';
const carried = `afterKeystroke=on,cacheCarry=on,${small}`;
const holes = [
  task('t1', 'def add(a, b):\n    total = a + b\n    ret', '\n\nprint(add(1, 2))\n'),
  task('t2', 'import math\n\ndef area(r):\n    return math.pi * r', '\n\nprint(area(2.0))\n'),
  task('t3', 'def count(xs):\n    n = 0\n    for x in xs:\n        n +', '\n    return n\n'),
];

describe('bench MBPP: a fill does not depend on the configuration that filled the task before it', function () {
  this.timeout(60000);
  // tiny-model-kv-shared keeps one shared context, which a fill with cacheCarry may carry
  let models: LoadedModel[] = [];
  before(async () => {
    models = await Promise.all([0, 1].map(() => loadModel(path.join(fixtures, 'tiny-model-kv-shared'), { executionProvider: 'cpu', threads: 1 })));
    assert.equal(models[0].denoiser.contextCache, true, 'the fixture keeps a context');
  });
  after(async () => Promise.all(models.map((m) => m.dispose())));

  it("a keystroke chain with cacheCarry starts from a refresh, not from the last configuration's fill of the task", async () => {
    for (const before of [small, `${small},steps=8`, carried]) {
      for (const hole of holes) {
        // the configuration alone: a model whose last fill (if any) was this configuration's own, of another hole
        const alone = recording(models[0]);
        const fill = await fillOne(alone.model, hole, parseConfig(carried));
        // the same after another configuration filled the same task on the same model
        await fillOne(models[1], hole, parseConfig(before));
        const after = recording(models[1]);
        const fillAfter = await fillOne(after.model, hole, parseConfig(carried));
        assert.equal(fillAfter.completion, fill.completion, `${hole.task_id} after '${before}'`);
        assert.equal(after.calls.length, alone.calls.length);
        after.calls.forEach((logits, i) => assert.equal(maxAbsDiff(logits, alone.calls[i]), 0, `${hole.task_id} after '${before}': call ${i}'s logits`));
      }
    }
  });

  it("still carries the keystroke-earlier fill's context into the timed fill", async () => {
    const refreshed = recording(models[0]);
    await fillOne(refreshed.model, holes[0], parseConfig(`afterKeystroke=on,${small}`));
    const carry = recording(models[0]);
    await fillOne(carry.model, holes[0], parseConfig(carried));
    assert.equal(carry.calls.length, refreshed.calls.length);
    const timed = carry.calls.length / 2;
    for (let i = 0; i < timed; i++) assert.equal(maxAbsDiff(carry.calls[i], refreshed.calls[i]), 0, `the untimed fill refreshes (call ${i})`);
    assert.ok(maxAbsDiff(carry.calls[timed], refreshed.calls[timed]) > 0, "the timed fill's first call runs on the carried context");
  });

  it(`a chain of ${CARRY_MAX_CHAIN} keystrokes carries as a typist's fills do: the first refreshes, each later one carries the one before`, async () => {
    const refreshed = recording(models[0]);
    await fillOne(refreshed.model, holes[0], parseConfig(`afterKeystroke=${CARRY_MAX_CHAIN},${small}`));
    const carry = recording(models[0]);
    await fillOne(carry.model, holes[0], parseConfig(`afterKeystroke=${CARRY_MAX_CHAIN},cacheCarry=on,${small}`));
    assert.equal(carry.firsts.length, CARRY_MAX_CHAIN + 1, 'the untimed fills and the timed one');
    const first = (r: typeof carry, fill: number) => r.calls[r.firsts[fill]!]!;
    assert.equal(maxAbsDiff(first(carry, 0), first(refreshed, 0)), 0, 'the chain starts from a refresh');
    for (let fill = 1; fill <= CARRY_MAX_CHAIN; fill++) assert.ok(maxAbsDiff(first(carry, fill), first(refreshed, fill)) > 0, `fill ${fill} carries`);
  });

  it('refuses cacheCarry=on without a keystroke chain the engine carries: a task would carry the last configuration\'s fill of it, or a longer chain would not carry longer', () => {
    assert.throws(() => parseConfig(`cacheCarry=on,${small}`), (e: unknown) => {
      assert.ok(e instanceof Error);
      assert.match(e.message, /^configuration 'cacheCarry=on,maxTokens=8,steps=4,contextTokens=64,syntax=off': cacheCarry=on needs afterKeystroke/);
      return true;
    });
    assert.throws(() => parseConfig('cacheCarry=on,afterKeystroke=0'), /^Error: afterKeystroke: '0' is not a keystroke chain: give on \(one keystroke\) or a whole number 1 to /);
    assert.throws(() => parseConfig(`cacheCarry=on,afterKeystroke=${CARRY_MAX_CHAIN + 1}`), new RegExp(`carries a context ${CARRY_MAX_CHAIN} fills in a row at most`));
    assert.throws(() => parseConfig(`afterKeystroke=${CARRY_MAX_CHAIN + 1}`), /is not a keystroke chain/, 'nor a longer chain without the carry: its fills would all refresh');
    assert.throws(() => parseConfig('cacheCarry=on,afterKeystroke=1.5'), /'1\.5' is not a keystroke chain/);
    assert.equal(parseConfig('cacheCarry=on,afterKeystroke=1').afterKeystroke, 1);
    assert.equal(parseConfig(`cacheCarry=on,afterKeystroke=${CARRY_MAX_CHAIN}`).afterKeystroke, CARRY_MAX_CHAIN);
    assert.equal(parseConfig('afterKeystroke=on').afterKeystroke, 1);
    assert.equal(parseConfig('cacheCarry=off').options.cacheCarry, false);
  });
});

describe('bench MBPP: configurations and models are named once each', () => {
  it("refuses a configuration name given twice (rows group by it: both rows would hold both runs' fills)", () => {
    assert.throws(() => parseConfigs('defaults;defaults'), /^Error: --configs gives the configuration 'defaults' more than once: rows and fills are grouped by configuration/);
    assert.throws(() => parseConfigs('steps=8;;defaults'), /the configuration 'defaults' more than once/, "'' is 'defaults'");
    assert.throws(() => parseConfigs('steps=8;defaults;steps=8;defaults'), /the configuration 'steps=8', 'defaults' more than once/);
    assert.deepEqual(parseConfigs('defaults;steps=8').map((c) => c.name), ['defaults', 'steps=8']);
  });

  it('labels models by name, by folder where two share a name, and refuses one folder given twice', () => {
    const model = (name: string, dir: string) => ({ name, dir: path.resolve(dir) });
    assert.deepEqual(modelLabels([model('a', '/m/a'), model('b', '/m/b')]), ['a', 'b']);
    const [x, y] = modelLabels([model('a', '/m/a'), model('a', '/n/a')]);
    assert.notEqual(x, y);
    assert.throws(() => modelLabels([model('a', '/m/a'), model('b', '/m/b'), model('a', '/m/a')]), /^Error: --model gives the model '.*a' more than once: rows and fills are grouped by model/);
  });
});
