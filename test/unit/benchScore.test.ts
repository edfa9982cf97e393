import * as assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { editSimilarity, exactMatch } from '../../bench/common';

interface ScoreCase {
  completion: string;
  expected: string;
  exact_match: boolean;
  edit_similarity: number;
}

/** training/diffuse/evaluate.py's scores, written by make_fixture.py --only=scores (a pytest holds the file to evaluate.py). */
const golden: ScoreCase[] = JSON.parse(readFileSync(path.resolve(__dirname, '../../../test/fixtures/score-golden.json'), 'utf8'));

describe('bench scoring: the same exact match and edit similarity as evaluate.py', () => {
  for (const c of golden) {
    it(`${JSON.stringify(c.completion)} against ${JSON.stringify(c.expected)}`, () => {
      assert.equal(exactMatch(c.completion, c.expected), c.exact_match);
      assert.ok(Math.abs(editSimilarity(c.completion, c.expected) - c.edit_similarity) < 1e-12, `${editSimilarity(c.completion, c.expected)} != ${c.edit_similarity}`);
    });
  }
});
