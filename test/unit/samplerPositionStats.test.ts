import * as assert from 'assert';
import { Rng } from '../../src/core/rng';
import { positionStats, type LogitRows, type PositionStats } from '../../src/sampler/math/distribution';
import { QueriedLogits } from '../../src/sampler/loop/denoiseCall';

/** positionStats as it was written first: two passes over every id with a test of each, Math.exp. */
function naiveStats(logits: LogitRows, offset: number, vocabSize: number, maskId: number, banned = -1): Omit<PositionStats, 'banned' | 'ids'> {
  let best = -1;
  let maxLogit = -Infinity;
  let second = -Infinity;
  for (let v = 0; v < vocabSize; v++) {
    if (v === maskId || v === banned) continue;
    const logit = logits[offset + v]!;
    if (logit > maxLogit) {
      second = maxLogit;
      maxLogit = logit;
      best = v;
    } else if (logit > second) {
      second = logit;
    }
  }
  let sumExp = 0;
  let weighted = 0;
  for (let v = 0; v < vocabSize; v++) {
    if (v === maskId || v === banned) continue;
    const shifted = logits[offset + v]! - maxLogit;
    const e = Math.exp(shifted);
    sumExp += e;
    if (e > 0) weighted += e * shifted;
  }
  return {
    best,
    maxLogit,
    sumExp,
    maxProb: 1 / sumExp,
    margin: (1 - Math.exp(second - maxLogit)) / sumExp,
    negEntropy: weighted / sumExp - Math.log(sumExp),
  };
}

/** Logits over `vocabSize` ids, a model's spread (a few near the top) with ties, -inf and ruled-out ids mixed in. */
function randomRow(rng: Rng, vocabSize: number): number[] {
  const row = Array.from({ length: vocabSize }, () => 12 * rng.nextUniform() - 10 + (rng.nextUniform() < 0.01 ? 9 : 0));
  for (let i = 0; i < vocabSize / 50; i++) {
    const v = Math.floor(rng.nextUniform() * vocabSize);
    const kind = Math.floor(rng.nextUniform() * 4);
    if (kind === 0) row[v] = -Infinity;
    else if (kind === 1) row[v] = -1e4; // lineStarts.ts's RULED_OUT
    else row[v] = row[Math.floor(rng.nextUniform() * vocabSize)]!; // a tie
  }
  row[Math.floor(rng.nextUniform() * vocabSize)] = Math.max(...row); // a tie with the best
  return row;
}

function assertSame(actual: PositionStats, expected: Omit<PositionStats, 'banned' | 'ids'>, what: string): void {
  for (const key of Object.keys(expected) as Array<keyof typeof expected>) {
    assert.ok(Object.is(actual[key], expected[key]), `${what} ${key}: ${actual[key]} vs ${expected[key]}`);
  }
}

describe('sampler position stats', () => {
  it('positionStats equals the two-pass computation exactly: float32 and float64 rows, ties, -inf, banned ids at block edges', () => {
    const rng = new Rng(11);
    for (const vocabSize of [2, 5, 24, 2048, 2049, 5000]) {
      for (let trial = 0; trial < 12; trial++) {
        const row = randomRow(rng, vocabSize);
        const maskId = trial % 3 === 0 ? vocabSize - 1 : Math.floor(rng.nextUniform() * vocabSize);
        const bans = [-1, 0, maskId, vocabSize - 1, Math.min(vocabSize - 1, 2047), Math.min(vocabSize - 1, 2048), Math.floor(rng.nextUniform() * vocabSize)];
        for (const Kind of [Float32Array, Float64Array]) {
          const logits = new Kind(vocabSize + 3);
          logits.set(row, 3); // at an offset, as a query row of [B, Q, V]
          // the whole row, and the row without its last id (an expand token where a hole may not grow)
          for (const [ids, banned] of bans.flatMap((b) => [[vocabSize, b], [vocabSize - 1, b]])) {
            const expected = naiveStats(logits, 3, ids!, maskId, banned);
            if (expected.best < 0) {
              assert.throws(() => positionStats(logits, 3, ids!, maskId, banned), /non-finite logits/);
              continue;
            }
            const stats = positionStats(logits, 3, ids!, maskId, banned);
            assert.strictEqual(stats.banned, banned);
            assert.strictEqual(stats.ids, ids);
            assertSame(stats, expected, `V=${vocabSize} ids=${ids} mask=${maskId} banned=${banned} ${Kind.name}`);
          }
        }
      }
    }
  });

  it('positionStats: ties go to the lower id, also when the tie is across blocks and the best id is banned', () => {
    const logits = new Float32Array(5000).fill(-3);
    logits[10] = 2;
    logits[4000] = 2;
    logits[300] = 1;
    assert.strictEqual(positionStats(logits, 0, 5000, 4999).best, 10);
    assert.strictEqual(positionStats(logits, 0, 5000, 4999, 10).best, 4000);
    assert.strictEqual(positionStats(logits, 0, 5000, 10).best, 4000);
    // a tie for the best leaves a margin of zero
    assert.strictEqual(positionStats(logits, 0, 5000, 4999).margin, 0);
    assert.ok(positionStats(logits, 0, 5000, 4999, 4000).margin > 0);
  });

  it('positionStats rejects rows with nothing finite to normalise', () => {
    const rows = [
      Float32Array.from([-Infinity, -Infinity, 5]), // every real id -inf (id 2 is the mask)
      Float32Array.from([1, NaN, 0]),
      Float32Array.from([Infinity, 1, 0]),
    ];
    for (const logits of rows) assert.throws(() => positionStats(logits, 0, 3, 2), /non-finite logits/);
    assert.throws(() => positionStats(Float32Array.from([1, 2]), 0, 2, 1, 0), /non-finite logits/); // the only real id banned
  });

  it('QueriedLogits.statsAt computes a position once per banned id and id range and agrees with positionStats', () => {
    const vocabSize = 6;
    const rng = new Rng(5);
    const logits = Float32Array.from({ length: 2 * 2 * vocabSize }, () => rng.nextUniform() * 4); // [B' = 2, Q = 2, V]
    const length = 4;
    const queryIndex = Int32Array.from([-1, 0, 1, -1, -1, 0, 1, -1]); // [B, L]: rows 0 and 1 query positions 1 and 2
    const calls = new QueriedLogits(logits, 2, vocabSize, queryIndex, length, Int32Array.from([0, 1]));
    const first = calls.statsAt(1, 2, 5, -1, vocabSize);
    assert.strictEqual(calls.statsAt(1, 2, 5, -1, vocabSize), first);
    assertSame(first, naiveStats(logits, (1 * 2 + 1) * vocabSize, vocabSize, 5), 'row 1 position 2');
    const banned = calls.statsAt(1, 2, 5, first.best, vocabSize);
    assert.notStrictEqual(banned, first);
    assertSame(banned, naiveStats(logits, (1 * 2 + 1) * vocabSize, vocabSize, 5, first.best), 'row 1 position 2, best banned');
    assertSame(calls.statsAt(0, 1, 5, -1, vocabSize), naiveStats(logits, 0, vocabSize, 5), 'row 0 position 1');
    // without the last id (an expand token that may not be taken): another entry, of the shorter row
    const short = calls.statsAt(1, 2, 5, -1, vocabSize - 1);
    assert.notStrictEqual(short, first);
    assert.strictEqual(calls.statsAt(1, 2, 5, -1, vocabSize - 1), short);
    assertSame(short, naiveStats(logits, (1 * 2 + 1) * vocabSize, vocabSize - 1, 5), 'row 1 position 2, last id left out');
  });
});
