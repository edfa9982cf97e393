import * as assert from 'node:assert/strict';
import { AdaptiveDebounce } from '../../src/providers/adaptiveDebounce';
import { anchorAt, typedInto } from '../../src/providers/shownSuggestion';
import { debounceCap } from '../../src/providers/triggerModes';

describe('providers: typing into a shown suggestion', () => {
  const before = 'def area(r):\n    return ';
  const after = '\n\nprint(area(2))\n';
  const suggestion = '3.14159 * r * r';
  const shown = anchorAt('file:///a.py', before + after, before.length, suggestion);
  const at = (typed: string, uri = 'file:///a.py', prefix = before) => ({ uri, text: prefix + typed + after, offset: prefix.length + typed.length });
  /** The document once the item is accepted: its range (from `start` to the cursor) replaced by its text. */
  const accepted = (doc: { text: string; offset: number }, item: { start: number; text: string }) => doc.text.slice(0, item.start) + item.text + doc.text.slice(doc.offset);

  it('answers with an item from where the suggestion began, the same as the user types or backspaces within it; accepted, it writes the suggestion', () => {
    for (const typed of ['3.14', '3.1', '3', '']) {
      const doc = at(typed);
      const item = typedInto(shown, doc);
      assert.deepEqual(item, { start: before.length, text: suggestion }, JSON.stringify(typed));
      assert.equal(accepted(doc, item!), before + suggestion + after);
    }
  });

  it('lets go when the typing departs, completes it, or happens elsewhere', () => {
    assert.equal(typedInto(shown, at('2.7')), undefined);
    assert.equal(typedInto(shown, at(suggestion)), undefined);
    assert.equal(typedInto(shown, at('3', 'file:///b.py')), undefined);
    assert.equal(typedInto(shown, at('3', 'def volume(r):\n    return ')), undefined);
    assert.equal(typedInto(shown, { uri: 'file:///a.py', text: before + '3' + '\nchanged', offset: before.length + 1 }), undefined);
    assert.equal(typedInto(shown, { uri: 'file:///a.py', text: `${before.slice(0, -1)}${after}`, offset: before.length - 1 }), undefined, 'backspaced past its start');
    assert.equal(typedInto(undefined, at('3')), undefined);
  });

  it('begins the item at the cursor\'s line once the typing went past a line break (a range stays on one line)', () => {
    const block = anchorAt('file:///a.py', before + after, before.length, 'r2 = r * r\n    return r2');
    const doc = at('r2 = r * r\n    ret');
    const item = typedInto(block, doc);
    assert.deepEqual(item, { start: before.length + 'r2 = r * r\n'.length, text: '    return r2' });
    assert.equal(accepted(doc, item!), `${before}r2 = r * r\n    return r2${after}`);
  });

  it('follows typing through a line break of a CRLF document, which the suggestion wrote as \\n', () => {
    const crlfBefore = 'def area(r):\r\n    ';
    const crlfAfter = '\r\n\r\nprint(area(2))\r\n';
    const block = anchorAt('file:///a.py', crlfBefore + crlfAfter, crlfBefore.length, 'r2 = r * r\n    return 3.14159 * r2');
    const typed = 'r2 = r * r\r\n    ret';
    const doc = { uri: 'file:///a.py', text: crlfBefore + typed + crlfAfter, offset: crlfBefore.length + typed.length };
    assert.deepEqual(typedInto(block, doc), { start: crlfBefore.length + 'r2 = r * r\r\n'.length, text: '    return 3.14159 * r2' });
  });

  it('gives the rest of a suggestion written with \\r\\n (the engine spells a CRLF file\'s breaks so) in that spelling', () => {
    const crlfBefore = 'def area(r):\r\n    ';
    const crlfAfter = '\r\n\r\nprint(area(2))\r\n';
    const block = anchorAt('file:///a.py', crlfBefore + crlfAfter, crlfBefore.length, 'r2 = r * r\r\n    return r2\r\n');
    const doc = { uri: 'file:///a.py', text: `${crlfBefore}r2${crlfAfter}`, offset: crlfBefore.length + 2 };
    assert.deepEqual(typedInto(block, doc), { start: crlfBefore.length, text: 'r2 = r * r\r\n    return r2\r\n' });
  });
});

describe('providers: adaptive debounce', () => {
  // Every wait is counted from the keystroke: VS Code's own 50 ms before it asks are taken off.
  /** The wait of the request at the end of `gaps` (ms between requests) under `diffuse.trigger` `idle`, forward passes of 20 ms: the cap it lifts would be 20 ms. */
  const idleWaitAfter = (gaps: readonly number[]): number => {
    let now = 0;
    const debounce = new AdaptiveDebounce(() => now);
    const next = () => debounce.next(debounceCap('idle', 20));
    let wait = next();
    for (const gap of gaps) {
      now += gap;
      wait = next();
    }
    return wait;
  };
  const steady = (gap: number, count: number): number[] => Array.from({ length: count }, () => gap);

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

  it('follows a steady rhythm through a few hesitations under 1.5 s, which still count as gaps: the wait under idle follows the rhythm', () => {
    // 20 gaps (the window): 120 ms a key, but for three hesitations of about a second; their mean,
    // 272 ms, made the wait its ceiling
    const gaps = [...steady(120, 5), 900, ...steady(120, 6), 1400, ...steady(120, 4), 1100, 120, 120];
    assert.equal(idleWaitAfter(gaps), 1.5 * 120 - 50);
  });

  it('still waits at most 400 ms and at least 75 ms after the keystroke under idle, whatever the rhythm', () => {
    assert.equal(idleWaitAfter(steady(600, 20)), 400 - 50, 'a slow typist');
    assert.equal(idleWaitAfter([...steady(1200, 11), ...steady(120, 9)]), 400 - 50, 'hesitations the most of the gaps');
    assert.equal(idleWaitAfter(steady(50, 20)), 75 - 50, 'a fast typist');
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
