import * as assert from 'node:assert/strict';
import type { HoleFill } from '../../src/infill';
import { gateByConfidence } from '../../src/providers/confidenceGate';
import { expandTabs, previewText, previewTexts, proposalsFor, type Proposal } from '../../src/providers/proposals';

const fill = (text: string, confidence: number, reason?: string): HoleFill => ({ text, tokens: text.length, confidence, score: Math.log(confidence), reason });

describe('providers: the confidence gate', () => {
  const items = [0.9, 0.1, 0.5];
  it('hides what is below the floor', () => {
    assert.deepEqual(gateByConfidence(items, (c) => c, 0.3, 1), { kept: [0.9, 0.5], hidden: 1, lowConfidence: false });
  });
  it('keeps the first items, marked low, when an explicit request would show nothing', () => {
    assert.deepEqual(gateByConfidence([0.1, 0.2], (c) => c, 0.5, 1), { kept: [0.1], hidden: 1, lowConfidence: true });
    assert.deepEqual(gateByConfidence([0.1, 0.2], (c) => c, 0.5, Infinity), { kept: [0.1, 0.2], hidden: 0, lowConfidence: true });
  });
  it('stays silent for an automatic request, and on no items', () => {
    assert.deepEqual(gateByConfidence([0.1, 0.2], (c) => c, 0.5, 0), { kept: [], hidden: 2, lowConfidence: false });
    assert.deepEqual(gateByConfidence([], (c: number) => c, 0.5, 1), { kept: [], hidden: 0, lowConfidence: false });
  });
});

describe('providers: the proposals of a "Diffuse fill" preview', () => {
  const holes = [{ start: 0, end: 0 }, { start: 5, end: 9 }, { start: 12, end: 12 }];

  it('proposes each filled hole; an empty fill keeps its selection and says why', () => {
    const { proposals, empty, belowFloor } = proposalsFor(holes, [fill('a', 0.9), fill('', 0.9, 'repeats the suffix'), fill('c', 0.8)], 0.2);
    assert.deepEqual(proposals.map((p) => [p.start, p.end, p.text, p.lowConfidence]), [[0, 0, 'a', false], [12, 12, 'c', false]]);
    assert.deepEqual(empty, ['repeats the suffix']);
    assert.equal(belowFloor, 0);
  });

  it('hides fills below minConfidence when others pass it', () => {
    const { proposals, belowFloor } = proposalsFor(holes, [fill('a', 0.9), fill('b', 0.1), fill('c', 0.05)], 0.2);
    assert.deepEqual(proposals.map((p) => p.text), ['a']);
    assert.equal(belowFloor, 2);
  });

  it('shows every fill marked low-confidence when all are below it', () => {
    const { proposals, belowFloor } = proposalsFor(holes, [fill('a', 0.1), fill('b', 0.1), fill('c', 0.05)], 0.2);
    assert.deepEqual(proposals.map((p) => [p.text, p.lowConfidence]), [['a', true], ['b', true], ['c', true]]);
    assert.equal(belowFloor, 0);
  });

  it('renders a fill as one line of decoration text', () => {
    assert.equal(previewText('if x:\n\treturn 1'), 'if\u00a0x:⏎\u00a0\u00a0\u00a0\u00a0return\u00a01');
    assert.equal(previewText('a\r\nb'), 'a⏎b');
    const long = previewText('x'.repeat(500));
    assert.equal(long.length, 120);
    assert.ok(long.endsWith('…'));
  });
  it('keeps an inserted line\'s indentation and runs of spaces, which the editor collapses in decoration text', () => {
    const nbsp = (n: number) => '\u00a0'.repeat(n);
    assert.equal(previewText('    return x\n'), `${nbsp(4)}return${nbsp(1)}x⏎`);
    assert.equal(previewText('\n        y = 1  # one'), `⏎${nbsp(8)}y${nbsp(1)}=${nbsp(1)}1${nbsp(2)}#${nbsp(1)}one`);
    assert.ok(!previewText(' a  b \t').includes(' '), 'an ordinary space left');
  });
  it('expands a preview\'s tabs to the editor\'s tab stops, its first line from the column it is drawn at', () => {
    const nbsp = (n: number) => '\u00a0'.repeat(n);
    assert.equal(previewText('\tx', 8), `${nbsp(8)}x`);
    assert.equal(previewText('ab\tc', 4, 1), `ab${nbsp(1)}c`, 'column 1 + "ab" reaches 3: one space to 4');
    assert.equal(previewText('a\n\tb', 2, 5), `a⏎${nbsp(2)}b`, 'a later line begins at column 0');
    assert.equal(expandTabs('\t\t', 3, 2), ' '.repeat(4));
  });
  it('cuts a long preview between whole characters, never inside an emoji', () => {
    const cut = previewText('x'.repeat(118) + '😀'.repeat(10));
    assert.equal(cut, 'x'.repeat(118) + '😀…');
    for (const emoji of ['👨‍👩‍👧', '🇫🇷', '👍🏽']) {   // a joined family, a flag, a skin tone: one visible character each
      assert.equal(previewText('x'.repeat(118) + emoji.repeat(3)), 'x'.repeat(118) + emoji + '…');
    }
  });
});

describe('providers: the fill preview\'s text as drawn in a document (previewTexts)', () => {
  const nbsp = (n: number) => '\u00a0'.repeat(n);
  /** A proposal replacing [start, end) by `text`. */
  const at = (start: number, text: string, end = start, lowConfidence = false): Proposal => ({ start, end, text, confidence: 0.5, lowConfidence });

  it('draws each preview as previewText, from the column of its end on its line', () => {
    const doc = 'first\n\tx = \n';
    assert.deepEqual(previewTexts(doc, [at(11, '1\t2')], 4), [`1${nbsp(3)}2`], '"\tx = " ends at column 8: "1" reaches 9, its tab 12');
    assert.deepEqual(previewTexts(doc, [at(11, '1\t2')], 3), [`1${nbsp(1)}2`], 'at tab size 3: "\tx = " ends at 7, "1" at 8, its tab reaches 9');
    assert.deepEqual(previewTexts(doc, [at(0, '\t')], 4), [nbsp(4)], 'the document\'s start');
    assert.deepEqual(previewTexts(doc, [at(6, '\t')], 4), [nbsp(4)], 'a line\'s start');
    assert.deepEqual(previewTexts(doc, [at(7, '\t')], 4), [nbsp(4)], 'after a tab, at 4: to 8');
    assert.deepEqual(previewTexts('\nab', [at(0, '\t')], 4), [nbsp(4)], 'at offset 0 before a line break');
    assert.deepEqual(previewTexts('', [], 4), []);
  });

  it('draws a later preview on the same line from after the text of those drawn before it', () => {
    // "\tf(x, y)": the cursors after "f(" (column 6) and after "x, " (column 9)
    const doc = '\tf(x, y)\n';
    const one = at(3, 'a\tb');
    const two = at(6, '\tc');
    assert.deepEqual(previewTexts(doc, [one, two], 4), [`a${nbsp(1)}b`, `${nbsp(4)}c`], 'the first preview is 3 columns wide: the second begins at 9 + 3 = 12, its tab reaches 16');
    assert.deepEqual(previewTexts(doc, [one, two], 3), [`a${nbsp(3)}b`, `${nbsp(2)}c`], 'tab size 3: columns 5 and 8; "a" reaches 6, its tab 9; the second from 8 + 5 = 13 to 15');
    assert.deepEqual(previewTexts(doc, [two, one], 4), [`${nbsp(4)}c`, `a${nbsp(1)}b`], 'proposals out of order: each keeps its own text, laid out in the order drawn');
    // three on one line, the middle one replacing text (struck through, still drawn before its preview)
    const three = '\ta b c\n\td';
    assert.deepEqual(previewTexts(three, [at(2, '\t'), at(3, 'xy', 4), at(6, '\t')], 4),
      [nbsp(3), 'xy', nbsp(2)], '5 → 8; "b" replaced: its preview at 7 + 3; the last at 9 + 3 + 2 = 14 → 16');
    assert.deepEqual(previewTexts(three, [at(2, 'long'), at(9, '\t')], 4), ['long', nbsp(3)], 'a preview on the next line does not count those of the line before');
  });

  it('counts a multi-line preview, drawn on one line, by its drawn text, and a removal across lines from its last line', () => {
    const doc = 'ab\ncd ef';
    // the first removes "b\ncd" (lines 0-1): drawn after "cd" (line 1, column 2), as "x⏎y", three columns
    assert.deepEqual(previewTexts(doc, [at(1, 'x\ny', 5), at(6, '\tz')], 4), ['x⏎y', `${nbsp(2)}z`], 'the second from 3 + 3 = 6, to 8');
  });

  it('counts UTF-16 units in the document and in the previews drawn before, as VS Code does: an emoji takes two columns', () => {
    // "😀" before the first cursor; the first preview draws "👍" (two columns): the second begins at 2 + 1 + 2 + 1 = 6
    const doc = '😀a b';
    assert.deepEqual(previewTexts(doc, [at(3, '👍'), at(4, '\t')], 4), ['👍', nbsp(2)], 'code points would put the second at 4, a whole tab stop further');
    assert.deepEqual(previewTexts('数据 = \n', [at(5, '\t')], 4), [nbsp(1)], 'CJK: two columns a character, as VS Code draws it (7 columns, the tab to 8)');
  });

  it('keeps the tab expansion of a later line from column 0, and no tab nor ordinary space anywhere', () => {
    const doc = '\tx = ; y = \n';
    const drawn = previewTexts(doc, [at(5, 'f(\n\t\t1)'), at(11, ' \t2 ')], 4);
    assert.deepEqual(drawn, [`f(⏎${nbsp(8)}1)`, `${nbsp(1)}${nbsp(4)}2${nbsp(1)}`], 'the first 13 columns wide; the second from 14 + 13 = 27: " " to 28, its tab to 32');
    for (const text of drawn) assert.ok(!/[\t ]/.test(text), JSON.stringify(text));
  });

  it('is previewText for one proposal, with expandTabs the same rule', () => {
    assert.deepEqual(previewTexts('abc', [at(3, '\tx\ty')], 4), [previewText('\tx\ty', 4, 3)]);
    assert.equal(expandTabs('😀\t', 4), '😀  ');
    assert.equal(expandTabs('😀😀\t', 4), '😀😀    ');
    assert.equal(expandTabs('a\tb\tc', 4, 2), 'a b   c');
  });
});
