import * as assert from 'node:assert/strict';
import { CONFLICT_REACH, insideMergeConflict } from '../../src/providers/mergeConflict';

/** Whether each line of `text` is inside a conflict, as a string of 1s and 0s. */
function inside(text: string, reach?: number): string {
  const lines = text.split('\n');
  return lines.map((_, at) => (insideMergeConflict((i) => lines[i], lines.length, at, reach) ? '1' : '0')).join('');
}

describe('providers: the cursor inside a merge conflict', () => {
  const conflict = [
    'before = 1',
    '<<<<<<< HEAD',
    'value = ours()',
    '=======',
    'value = theirs()',
    '>>>>>>> feature/x',
    'after = 2',
  ].join('\n');

  it('is inside from the opening marker to the closing one, both included, and nowhere else', () => {
    assert.equal(inside(conflict), '0111110');
  });

  it('counts diff3 conflicts (a ||||||| base section) and a marker with no label', () => {
    assert.equal(inside('x\n<<<<<<< ours\na\n||||||| base\nb\n=======\nc\n>>>>>>> theirs\ny'), '011111110');
    assert.equal(inside('<<<<<<<\na\n=======\nb\n>>>>>>>'), '11111');
  });

  it('is outside between two conflicts and after a closed one', () => {
    const two = `${conflict}\nbetween = 3\n${conflict}`;
    assert.equal(inside(two), `0111110` + '0' + `0111110`);
  });

  it('needs both markers: an opening one alone, or a closing one alone, is no conflict', () => {
    assert.equal(inside('a\n<<<<<<< HEAD\nb\nc'), '0000');
    assert.equal(inside('a\nb\n>>>>>>> theirs\nc'), '0000');
  });

  it('takes only markers at the start of a line, of seven characters then a space or the end', () => {
    assert.equal(inside('  <<<<<<< HEAD\na\n  >>>>>>> x'), '000', 'indented');
    assert.equal(inside('<<<<<<<< HEAD\na\n>>>>>>>> x'), '000', 'eight characters');
    assert.equal(inside('<<<<<<<HEAD\na\n>>>>>>>x'), '000', 'no space before the label');
    assert.equal(inside('x = a <<<<<<< b\ny\nz >>>>>>> w'), '000', 'shift operators in code');
  });

  it('looks for the markers within the reach each way', () => {
    const body = (n: number) => Array.from({ length: n }, (_, i) => `line_${i} = ${i}`);
    // the opening marker on line 0, the closing one on line 2 * CONFLICT_REACH - 1
    const lines = ['<<<<<<< HEAD', ...body(2 * CONFLICT_REACH - 2), '>>>>>>> theirs'];
    const at = (line: number) => insideMergeConflict((i) => lines[i], lines.length, line);
    assert.equal(at(CONFLICT_REACH - 1), true, 'both markers within reach');
    assert.equal(at(CONFLICT_REACH), true, 'both markers within reach');
    assert.equal(at(2), false, 'the closing marker is out of reach below');
    assert.equal(at(2 * CONFLICT_REACH - 2), false, 'the opening marker is out of reach above');
    assert.equal(inside(['<<<<<<< a', 'x', '>>>>>>> b'].join('\n'), 1), '010', 'each marker line is two lines from the other');
    assert.equal(inside(['<<<<<<< a', 'x', 'y', '>>>>>>> b'].join('\n'), 1), '0000', 'no line has both markers within one line');
  });
});
