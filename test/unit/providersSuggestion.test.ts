import * as assert from 'node:assert/strict';
import { AdaptiveDebounce } from '../../src/providers/adaptiveDebounce';
import { anchorAt, remainderAfterTyping } from '../../src/providers/shownSuggestion';

describe('providers: typing into a shown suggestion', () => {
  const before = 'def area(r):\n    return ';
  const after = '\n\nprint(area(2))\n';
  const shown = anchorAt('file:///a.py', before + after, before.length, '3.14159 * r * r');
  const at = (typed: string, uri = 'file:///a.py', prefix = before) => ({ uri, text: prefix + typed + after, offset: prefix.length + typed.length });

  it('answers with the rest of the suggestion while the typed text follows it', () => {
    assert.equal(remainderAfterTyping(shown, at('')), '3.14159 * r * r');
    assert.equal(remainderAfterTyping(shown, at('3.14')), '159 * r * r');
  });

  it('lets go when the typing departs, completes it, or happens elsewhere', () => {
    assert.equal(remainderAfterTyping(shown, at('2.7')), undefined);
    assert.equal(remainderAfterTyping(shown, at('3.14159 * r * r')), undefined);
    assert.equal(remainderAfterTyping(shown, at('3', 'file:///b.py')), undefined);
    assert.equal(remainderAfterTyping(shown, at('3', 'def volume(r):\n    return ')), undefined);
    assert.equal(remainderAfterTyping(shown, { uri: 'file:///a.py', text: before + '3' + '\nchanged', offset: before.length + 1 }), undefined);
    assert.equal(remainderAfterTyping(undefined, at('3')), undefined);
  });

  it('follows typing through a line break of a CRLF document, which the suggestion wrote as \\n', () => {
    const crlfBefore = 'def area(r):\r\n    ';
    const crlfAfter = '\r\n\r\nprint(area(2))\r\n';
    const block = anchorAt('file:///a.py', crlfBefore + crlfAfter, crlfBefore.length, 'r2 = r * r\n    return 3.14159 * r2');
    const typed = 'r2 = r * r\r\n    ret';
    const doc = { uri: 'file:///a.py', text: crlfBefore + typed + crlfAfter, offset: crlfBefore.length + typed.length };
    assert.equal(remainderAfterTyping(block, doc), 'urn 3.14159 * r2');
  });

  it('gives the rest of a suggestion written with \\r\\n (the engine spells a CRLF file\'s breaks so) in that spelling', () => {
    const crlfBefore = 'def area(r):\r\n    ';
    const crlfAfter = '\r\n\r\nprint(area(2))\r\n';
    const block = anchorAt('file:///a.py', crlfBefore + crlfAfter, crlfBefore.length, 'r2 = r * r\r\n    return r2\r\n');
    const doc = { uri: 'file:///a.py', text: `${crlfBefore}r2${crlfAfter}`, offset: crlfBefore.length + 2 };
    assert.equal(remainderAfterTyping(block, doc), ' = r * r\r\n    return r2\r\n');
  });
});

describe('providers: adaptive debounce', () => {
  // Every wait is counted from the keystroke: VS Code's own 50 ms before it asks are taken off.
  it('waits a little before the first request and follows the typing rhythm after, within bounds', () => {
    let now = 0;
    const debounce = new AdaptiveDebounce(() => now);
    assert.equal(debounce.next(), 120 - 50);
    for (let i = 0; i < 10; i++) {
      now += 100;
      debounce.next();
    }
    now += 100;
    assert.equal(debounce.next(), 150 - 50);
    for (let i = 0; i < 30; i++) {
      now += 50;
      debounce.next();
    }
    assert.equal(debounce.next(), 75 - 50);
  });

  it('does not count a long pause as typing rhythm', () => {
    let now = 0;
    const debounce = new AdaptiveDebounce(() => now);
    debounce.next();
    now += 200;
    debounce.next();
    now += 60_000;
    assert.equal(debounce.next(), 300 - 50);
  });

  it('waits no longer than one forward pass of the model, once that is known', () => {
    let now = 0;
    const debounce = new AdaptiveDebounce(() => now);
    debounce.next();
    now += 300;
    assert.equal(debounce.next(), 400 - 50);
    now += 300;
    assert.equal(debounce.next(80), 80);
    now += 300;
    assert.equal(debounce.next(900), 400 - 50);
  });

  it('does not count VS Code asking again within its own debounce as typing rhythm', () => {
    let now = 0;
    const debounce = new AdaptiveDebounce(() => now);
    debounce.next();
    for (let i = 0; i < 5; i++) {
      now += 200;
      debounce.next();
      now += 30; // asked again for the same keystroke
      assert.equal(debounce.next(), 300 - 50);
    }
  });
});
