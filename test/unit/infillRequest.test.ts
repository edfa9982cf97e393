import * as assert from 'node:assert/strict';
import { InvalidRequestError } from '../../src/core/errors';
import { DEFAULT_INFILL_OPTIONS } from '../../src/infill/defaults';
import { holeSlots } from '../../src/infill/holeLength';
import type { Hole, InfillOptions } from '../../src/infill/types';
import { validateOptions, validateRequest } from '../../src/infill/validate';

function rejects(text: string, holes: Hole[], message: RegExp): void {
  assert.throws(() => validateRequest({ text, holes }), (e: unknown) => e instanceof InvalidRequestError && message.test((e as Error).message));
}

describe('infill request validation', () => {
  it('accepts sorted, separate holes inside the text', () => {
    validateRequest({ text: 'abcdef', holes: [{ start: 0, end: 1 }, { start: 3, end: 3 }, { start: 6, end: 6 }] });
  });

  it('refuses a request without holes', () => {
    rejects('abc', [], /at least one hole/);
  });

  it('refuses holes out of range', () => {
    rejects('abc', [{ start: 2, end: 4 }], /holes\[0\] \[2, 4\) is not a range inside the 3-character text/);
    rejects('abc', [{ start: -1, end: 0 }], /holes\[0\]/);
    rejects('abc', [{ start: 2, end: 1 }], /holes\[0\]/);
    rejects('abc', [{ start: 0.5, end: 1 }], /holes\[0\]/);
  });

  it('refuses holes out of order, overlapping or touching', () => {
    rejects('abcdef', [{ start: 3, end: 3 }, { start: 1, end: 1 }], /holes\[1\] starts at 1/);
    rejects('abcdef', [{ start: 1, end: 4 }, { start: 3, end: 5 }], /holes\[1\]/);
    rejects('abcdef', [{ start: 1, end: 3 }, { start: 3, end: 5 }], /holes\[1\]/);
    rejects('abcdef', [{ start: 2, end: 2 }, { start: 2, end: 2 }], /holes\[1\]/);
  });

  it('refuses a hole that cuts an emoji in half', () => {
    rejects('a😀b', [{ start: 2, end: 2 }], /cuts a character in half/);
  });

  it('refuses a hole that cuts a CRLF line break in half, at either end', () => {
    rejects('x = 1\r\ny = 2\r\n', [{ start: 6, end: 6 }], /holes\[0\] \[6, 6\) cuts a line break \(\\r\\n\) in half/);
    rejects('x = 1\r\ny = 2\r\n', [{ start: 2, end: 13 }], /cuts a line break/);
    validateRequest({ text: 'x = 1\r\ny = 2\r\n', holes: [{ start: 5, end: 7 }, { start: 12, end: 12 }] });
  });

  it('refuses a bad hole size', () => {
    rejects('abc', [{ start: 1, end: 1, maxTokens: 0 }], /holes\[0\]\.maxTokens must be a positive integer/);
  });

  it('refuses bad options of its own', () => {
    const bad = (patch: Partial<InfillOptions>) => () => validateOptions({ ...DEFAULT_INFILL_OPTIONS, ...patch });
    assert.throws(bad({ maxTokens: 0 }), /maxTokens/);
    assert.throws(bad({ contextTokens: 2.5 }), /contextTokens/);
    assert.throws(bad({ candidates: 0 }), /candidates/);
    assert.throws(bad({ lengths: [] }), /lengths/);
    assert.throws(bad({ lengths: [8, -1] }), /lengths\[1\]/);
    assert.throws(bad({ inlineLengths: [] }), /inlineLengths must list/);
    assert.throws(bad({ inlineLengths: [3, 0] }), /inlineLengths\[1\]/);
    validateOptions(DEFAULT_INFILL_OPTIONS);
  });
});

describe('infill hole length', () => {
  it('gives a cursor maxTokens slots', () => {
    assert.equal(holeSlots({ start: 3, end: 3 }, 0, 32), 32);
  });

  it('lets an explicit hole size win', () => {
    assert.equal(holeSlots({ start: 3, end: 9, maxTokens: 5 }, 40, 32), 5);
  });

  it('sizes a replaced selection from its own length, within [8, maxTokens]', () => {
    assert.equal(holeSlots({ start: 0, end: 1 }, 1, 32), 8);
    assert.equal(holeSlots({ start: 0, end: 30 }, 10, 32), 19);
    assert.equal(holeSlots({ start: 0, end: 90 }, 30, 32), 32);
  });
});
