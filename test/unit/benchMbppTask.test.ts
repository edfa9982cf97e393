import * as assert from 'node:assert/strict';
import { namesUnseenFunction, type MbppTask } from '../../bench/mbppData';

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
