import * as assert from 'node:assert/strict';
import { holesFromSelections } from '../../src/providers/fillHoles';

describe('providers: holes of a multi-cursor fill', () => {
  it('sorts the selections and merges overlapping or touching ones', () => {
    assert.deepEqual(holesFromSelections([{ start: 20, end: 25 }, { start: 3, end: 3 }]), [{ start: 3, end: 3 }, { start: 20, end: 25 }]);
    assert.deepEqual(holesFromSelections([{ start: 5, end: 10 }, { start: 8, end: 12 }, { start: 12, end: 14 }]), [{ start: 5, end: 14 }]);
  });
});
