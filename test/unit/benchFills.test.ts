import * as assert from 'node:assert/strict';
import { keystrokeEarlier } from '../../bench/common';
import { optionsFor } from '../../bench/fills';
import { DEFAULT_INFILL_OPTIONS } from '../../src/infill';

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
});

describe('keystrokeEarlier: the document a typist had before the last keys', () => {
  it("drops the prefix's last characters, the suffix and the rest as they are", () => {
    const task = { task_id: 't', prefix: 'def f(x):\n    ret', suffix: '\n' };
    assert.deepEqual(keystrokeEarlier(task), { ...task, prefix: 'def f(x):\n    re' });
    assert.equal(keystrokeEarlier(task, 4).prefix, 'def f(x):\n   ');
    assert.equal(keystrokeEarlier(task, 99).prefix, '', 'no further back than an empty prefix');
  });
});
