import * as assert from 'node:assert/strict';
import { fillingText, holeOf, holePlace, type Translate } from '../../src/providers/holeProgress';

/** `vscode.l10n.t` with no translation loaded: the message with its `{n}` filled in. */
const untranslated: Translate = (message, ...args) => message.replace(/\{(\d+)\}/g, (_, n: string) => String(args[Number(n)]));

describe('a hole\'s place among a request\'s filled one after another', () => {
  it('is 1-based, of the request\'s count', () => {
    assert.deepEqual(holePlace(0, 3), { index: 1, count: 3 });
    assert.deepEqual(holePlace(2, 3), { index: 3, count: 3 });
    assert.deepEqual(holePlace(0, 1), { index: 1, count: 1 });
  });

  it('refuses an index that is not one of the count\'s', () => {
    const refused: Array<[index: number, count: number]> = [[-1, 3], [3, 3], [4, 3], [0, 0], [1.5, 3], [Number.NaN, 3], [0, 2.5]];
    for (const [index, count] of refused) {
      assert.throws(() => holePlace(index, count), RangeError, `holePlace(${index}, ${count})`);
    }
  });
});

describe('the words for a fill\'s progress (notification, status bar, denoising view)', () => {
  it('names a hole of a "Diffuse fill" filled one after another as "hole k of N"', () => {
    assert.equal(holeOf({ index: 2, count: 3 }, untranslated), 'hole 2 of 3');
  });

  it('the status bar: a hole of several filled one after another says which, then the steps', () => {
    assert.equal(fillingText({ step: 4, totalSteps: 8, hole: { index: 2, count: 3 } }, untranslated), 'hole 2 of 3 · filling 4/8');
    assert.equal(fillingText({ step: 0, totalSteps: 8, hole: { index: 1, count: 3 } }, untranslated), 'hole 1 of 3 · filling 0/8');
  });

  it('the status bar: a single fill (one hole, or several in one canvas) says only its steps', () => {
    assert.equal(fillingText({ step: 4, totalSteps: 8 }, untranslated), 'filling 4/8');
  });

  it('every part goes through the translation it is given', () => {
    const marked: Translate = (message, ...args) => `<${untranslated(message, ...args)}>`;
    assert.equal(fillingText({ step: 4, totalSteps: 8, hole: { index: 2, count: 3 } }, marked), '<hole 2 of 3> · <filling 4/8>');
    assert.equal(fillingText({ step: 4, totalSteps: 8 }, marked), '<filling 4/8>');
  });
});
