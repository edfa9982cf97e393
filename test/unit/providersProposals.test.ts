import * as assert from 'node:assert/strict';
import type { HoleFill } from '../../src/infill';
import { gateByConfidence } from '../../src/providers/confidenceGate';
import { expandTabs, previewText, proposalsFor } from '../../src/providers/proposals';

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
