import * as assert from 'node:assert/strict';
import { AdaptiveDebounce, TYPING_BOUNDS } from '../../src/providers/adaptiveDebounce';
import { aheadKey, TypingWatch } from '../../src/providers/typingAhead';

describe('providers: filling ahead at a keystroke', () => {
  const uri = 'file:///a.py';
  const move = (version: number, more: Partial<{ uri: string; byKeyboard: boolean; oneEmptyCursor: boolean }> = {}) =>
    ({ uri, version, byKeyboard: true, oneEmptyCursor: true, ...more });

  it('takes a keyboard move of one cursor right after an edit for typing', () => {
    const watch = new TypingWatch();
    watch.edit(uri, 7);
    assert.equal(watch.typed(move(7)), true);
  });

  it('takes no other move for typing: arrow keys, clicks, several cursors, another document or version', () => {
    const watch = new TypingWatch();
    assert.equal(watch.typed(move(7)), false, 'no edit before it');
    watch.edit(uri, 7);
    assert.equal(watch.typed(move(7, { byKeyboard: false })), false, 'a click or a command');
    assert.equal(watch.typed(move(7)), true, 'a click does not use up the edit');
    assert.equal(watch.typed(move(7)), false, 'an arrow key after the typing');
    watch.edit(uri, 8);
    assert.equal(watch.typed(move(8, { oneEmptyCursor: false })), false, 'a selection or several cursors');
    watch.edit(uri, 9);
    assert.equal(watch.typed(move(9, { uri: 'file:///b.py' })), false, 'another document');
    watch.edit(uri, 10);
    assert.equal(watch.typed(move(11)), false, 'an edit the move does not follow');
  });

  it('names a fill by document, version and cursor', () => {
    assert.equal(aheadKey(uri, 3, 40), aheadKey(uri, 3, 40));
    assert.notEqual(aheadKey(uri, 3, 40), aheadKey(uri, 4, 40));
    assert.notEqual(aheadKey(uri, 3, 40), aheadKey(uri, 3, 41));
  });

  it('waits from the keystroke itself: the whole pause, at most one forward pass', () => {
    let now = 0;
    const debounce = new AdaptiveDebounce(() => now, TYPING_BOUNDS);
    assert.equal(debounce.next(), 120);
    for (let i = 0; i < 10; i++) {
      now += 100;
      debounce.next();
    }
    now += 100;
    assert.equal(debounce.next(), 150);
    now += 100;
    assert.equal(debounce.next(40), 40);
  });
});
