import * as assert from 'node:assert/strict';
import { fillingText, holeOf, type Translate } from '../../src/providers/holeProgress';

/** `vscode.l10n.t` with no translation loaded: the message with its `{n}` filled in. */
const untranslated: Translate = (message, ...args) => message.replace(/\{(\d+)\}/g, (_, n: string) => String(args[Number(n)]));

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
