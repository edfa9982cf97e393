import * as assert from 'assert';
import { sample, STRATEGIES, type SampleOptions, type StepInfo } from '../../src/sampler';
import { canvasOf, FAKE_SPEC, RecordingDenoiser, row, scriptedDenoiser } from './helpers/samplerFakes';

/** `padPenalty` and its pad rules (src/sampler/step/padRules.ts). */

const MASK = FAKE_SPEC.maskId;
const PAD = FAKE_SPEC.padId;
/** Probability 0.99 / 0.9 / 0.5 for the preferred token (see scriptedDenoiser). */
const SURE = Math.log(0.99 * 22 / 0.01);
const LIKELY = Math.log(0.9 * 22 / 0.1);
const UNSURE = Math.log(22);

type Options = Omit<SampleOptions, 'onStep' | 'signal'>;

async function run(options: Options, rows: number[][], denoiser = new RecordingDenoiser()) {
  const canvas = canvasOf(...rows);
  const steps: StepInfo[] = [];
  const result = await sample(denoiser, canvas, { ...options, onStep: (info) => void steps.push(info) });
  return { canvas, steps, result };
}

/** The holes of a row: maximal runs of masked positions, as [first, last]. */
function holesOf(tokens: readonly number[]): Array<[number, number]> {
  const holes: Array<[number, number]> = [];
  tokens.forEach((t, p) => {
    if (t !== MASK) return;
    const last = holes.at(-1);
    if (last && last[1] === p - 1) last[1] = p;
    else holes.push([p, p]);
  });
  return holes;
}

/** Per row and hole of the input canvas, the slice of `tokens` (a [batch * length] canvas). */
function holeSlices(input: Int32Array, length: number, tokens: Int32Array): number[][] {
  const slices: number[][] = [];
  for (let b = 0; b < input.length / length; b++) {
    for (const [first, last] of holesOf(Array.from(input.subarray(b * length, (b + 1) * length)))) {
      slices.push(Array.from(tokens.subarray(b * length + first, b * length + last + 1)));
    }
  }
  return slices;
}

/** After the first pad of a hole only pads (no content, no mask). */
function padsAreSuffix(hole: number[]): boolean {
  const first = hole.indexOf(PAD);
  return first < 0 || hole.slice(first).every((t) => t === PAD);
}

const ROWS = [row([3, 17], 9, [8, 8, 21], 5, [12]), row([4], 18, [2])];
const grid: Options[] = STRATEGIES.flatMap((strategy) =>
  [1, 5, 16].flatMap((steps) =>
    [0, 0.7, 1].flatMap((temperature) =>
      [undefined, 3].flatMap((blockSize) =>
        (strategy === 'random' ? [undefined] : [undefined, 0.4]).map((threshold) => ({
          strategy, steps, temperature, blockSize, threshold, seed: steps * 7 + temperature * 10,
        })),
      ),
    ),
  ),
);

describe('sampler padPenalty', () => {
  it('per hole, pads form a suffix after every step, over strategies, temperatures, thresholds and blocks', async () => {
    let padded = 0;
    for (const options of grid) {
      for (let seed = 0; seed < 4; seed++) {
        const { canvas, steps, result } = await run({ ...options, seed: options.seed + seed, padPenalty: 0.6 }, ROWS);
        const label = JSON.stringify({ ...options, seed });
        for (const info of steps) {
          for (const hole of holeSlices(canvas.tokens, canvas.length, info.tokens)) assert.ok(padsAreSuffix(hole), `${label} step ${info.step}: ${hole}`);
        }
        assert.ok(!result.tokens.includes(MASK), label);
        const holes = holeSlices(canvas.tokens, canvas.length, result.tokens);
        padded += holes.filter((hole) => hole.includes(PAD)).length;
      }
    }
    assert.ok(padded > 20, `only ${padded} holes got any padding: the check above proved little`);
  });

  it('a pad pads the rest of its hole in the same step, with the pad probability as confidence', async () => {
    for (const options of grid) {
      const { canvas, result } = await run({ ...options, padPenalty: 0.6 }, ROWS);
      for (let b = 0; b < canvas.batch; b++) {
        const at = (p: number) => b * canvas.length + p;
        for (const [first, last] of holesOf(ROWS[b]!)) {
          const firstPad = [...Array(last - first + 1).keys()].map((k) => first + k).find((p) => result.tokens[at(p)] === PAD);
          if (firstPad === undefined) continue;
          for (let q = firstPad + 1; q <= last; q++) {
            assert.ok(result.revealStep[at(q)]! <= result.revealStep[at(firstPad)]!, `${JSON.stringify(options)}: ${q} revealed after the pad at ${firstPad}`);
            assert.ok(result.confidence[at(q)]! > 0 && result.confidence[at(q)]! <= 1);
          }
        }
      }
    }
  });

  it('off (undefined) is the sampler without it; the same grid then does put content after pads', async () => {
    let contentAfterPad = 0;
    for (const options of grid) {
      const without = await run(options, ROWS);
      const explicit = await run({ ...options, padPenalty: undefined }, ROWS);
      assert.deepStrictEqual(explicit.result, without.result);
      const holes = holeSlices(without.canvas.tokens, without.canvas.length, without.result.tokens);
      contentAfterPad += holes.filter((hole) => !padsAreSuffix(hole)).length;
    }
    assert.ok(contentAfterPad > 0, 'no hole had content after a pad without padPenalty');
  });

  it('an over-allocated hole whose pads outrank its content: off, the pads spread left and empty it; on, content comes first', async () => {
    // Position p of an 8-slot hole: a pad (0.99) when it is the last slot or the next one is a pad,
    // else content: p <= 2 likely (0.9), the rest unsure (0.5).
    const hole = row([2], 8, [3]);
    const denoiser = () =>
      scriptedDenoiser((tokens, p): [number, number] => {
        if (p === 8 || tokens[p + 1] === PAD) return [PAD, SURE];
        return [5 + p, p <= 3 ? LIKELY : UNSURE];
      });
    const off = await run({ strategy: 'confidence', steps: 8, temperature: 0, seed: 0 }, [hole], denoiser());
    assert.deepStrictEqual(Array.from(off.result.tokens.subarray(1, 9)), new Array(8).fill(PAD));
    const on = await run({ strategy: 'confidence', steps: 8, temperature: 0, seed: 0, padPenalty: 0.6 }, [hole], denoiser());
    assert.deepStrictEqual(Array.from(on.result.tokens.subarray(1, 9)), [6, 7, 8, 9, 10, 11, 12, PAD]);
  });

  it('threshold decoding never reveals a pad-best position: pads come by rank only', async () => {
    // Slots 0-3 of the hole: content at 0.9; slots 4-7: pads at 0.99, above the threshold.
    const hole = row([2], 8, [3]);
    const denoiser = () => scriptedDenoiser((_tokens, p): [number, number] => (p <= 4 ? [5 + p, LIKELY] : [PAD, SURE]));
    for (const strategy of ['confidence', 'margin', 'entropy'] as const) {
      const on = await run({ strategy, steps: 8, threshold: 0.8, temperature: 0, seed: 0, padPenalty: 0.6 }, [hole], denoiser());
      // Step 1: the rank's one pick and the threshold take the content, never a pad.
      assert.deepStrictEqual(Array.from(on.steps[0]!.tokens.subarray(1, 9)), [6, 7, 8, 9, MASK, MASK, MASK, MASK], strategy);
      // Step 2: the rank takes the first pad, which pads the rest of the hole.
      assert.deepStrictEqual(Array.from(on.result.tokens.subarray(1, 9)), [6, 7, 8, 9, PAD, PAD, PAD, PAD], strategy);
      assert.deepStrictEqual(Array.from(on.result.revealStep.subarray(1, 9)), [1, 1, 1, 1, 2, 2, 2, 2], strategy);
      assert.strictEqual(on.result.nfe, 2);
      const off = await run({ strategy, steps: 8, threshold: 0.8, temperature: 0, seed: 0 }, [hole], denoiser());
      assert.strictEqual(off.result.steps, 1, `${strategy}: without padPenalty the threshold reveals the pads at once`);
    }
  });

  it('a pad never goes before content already in its hole', async () => {
    // Slot 7 is sure content and comes first; every other slot prefers a pad, weakly. Banned there,
    // the pad gives way to the best other id (all tie at logit 0: the lowest, 1).
    const hole = row([2], 8, [3]);
    const denoiser = scriptedDenoiser((_tokens, p): [number, number] => (p === 8 ? [9, SURE] : [PAD, 1]));
    const { result } = await run({ strategy: 'confidence', steps: 8, temperature: 0, seed: 0, padPenalty: 0.6 }, [hole], denoiser);
    assert.deepStrictEqual(Array.from(result.tokens.subarray(1, 9)), [1, 1, 1, 1, 1, 1, 1, 9]);
    assert.ok(result.confidence.subarray(1, 8).every((c) => Math.abs(c - 1 / 22) < 1e-12), 'confidence of the distribution without the pad');
  });

  it('holes in one canvas and rows of one batch are independent: a pad ends only its own hole', async () => {
    // Context id 2 or 3 at the start says which hole's first slot is a sure pad (row 0: hole A, row 1: hole B).
    const rowA = row([2], 4, [4], 4, [5]);
    const rowB = row([3], 4, [4], 4, [5]);
    const denoiser = scriptedDenoiser((tokens, p): [number, number] => {
      const padAt = tokens[0] === 2 ? 1 : 6;
      return p === padAt ? [PAD, SURE] : [10 + p, LIKELY];
    });
    const { result } = await run({ strategy: 'confidence', steps: 8, temperature: 0, seed: 0, padPenalty: 0 }, [rowA, rowB], denoiser);
    const rowOf = (b: number) => Array.from(result.tokens.subarray(b * rowA.length, (b + 1) * rowA.length));
    const stepsOf = (b: number) => Array.from(result.revealStep.subarray(b * rowA.length, (b + 1) * rowA.length));
    assert.deepStrictEqual(rowOf(0), [2, PAD, PAD, PAD, PAD, 4, 16, 17, 18, 19, 5]);
    assert.deepStrictEqual(stepsOf(0).slice(1, 5), [1, 1, 1, 1]);
    assert.deepStrictEqual(rowOf(1), [3, 11, 12, 13, 14, 4, PAD, PAD, PAD, PAD, 5]);
    assert.deepStrictEqual(stepsOf(1).slice(6, 10), [1, 1, 1, 1]);
    assert.ok(stepsOf(0).slice(6, 10).every((s) => s > 1) && stepsOf(1).slice(1, 5).every((s) => s > 1));
  });

  it('blocks: content still fills left to right, and a pad pads later blocks of its hole at once', async () => {
    const long = row([5], 14, [6], 6, [7]);
    for (const strategy of STRATEGIES) {
      const { canvas, result } = await run({ strategy, steps: 10, seed: 4, blockSize: 5, padPenalty: 0.6 }, [long]);
      const holes = [...canvas.tokens.keys()].filter((i) => canvas.tokens[i] === MASK);
      const blocks = [0, 5, 10, 15].map((start) => holes.slice(start, start + 5));
      for (let j = 1; j < blocks.length; j++) {
        const before = Math.max(...blocks[j - 1]!.map((p) => result.revealStep[p]!));
        const content = blocks[j]!.filter((p) => result.tokens[p] !== PAD).map((p) => result.revealStep[p]!);
        assert.ok(content.every((s) => s > before), `${strategy}: content of block ${j} came before block ${j - 1} finished`);
      }
    }
    // A 16-slot hole in blocks of 4 (2 steps each): slot 6 (block 2) is a sure pad; penalty 0, so
    // block 2's first step takes it and slot 5 (the two most confident) and the pad ends the hole.
    const big = row([2], 16, [3]);
    const denoiser = scriptedDenoiser((_tokens, p): [number, number] =>
      p === 6 ? [PAD, SURE] : [4 + (p % 8), p === 5 ? LIKELY + 1 : LIKELY]);
    const { result } = await run({ strategy: 'confidence', steps: 8, temperature: 0, seed: 0, blockSize: 4, padPenalty: 0 }, [big], denoiser);
    assert.deepStrictEqual(Array.from(result.tokens.subarray(1, 17)), [5, 6, 7, 8, 9, ...new Array<number>(11).fill(PAD)]);
    assert.deepStrictEqual(Array.from(result.revealStep.subarray(5, 17)), new Array<number>(12).fill(3));
    assert.strictEqual(result.steps, 3, 'the padded blocks take no steps');
  });
});

describe('sampler: nonEmpty', () => {
  it("never pads a hole's first slot, so a model sure of padding still fills every hole with a token", async () => {
    const allPad = () => scriptedDenoiser(() => [PAD, SURE]);
    const rows = [row([3], 4, [5], 2, [6]), row([3], 3, [5], 3, [6])];
    const base: Options = { strategy: 'confidence', steps: 4, seed: 1, temperature: 0, padPenalty: 0.6 };
    const off = await run(base, rows, allPad());
    assert.ok(holeSlices(off.canvas.tokens, off.canvas.length, off.result.tokens).every((hole) => hole.every((t) => t === PAD)));
    const on = await run({ ...base, nonEmpty: true }, rows, allPad());
    for (const hole of holeSlices(on.canvas.tokens, on.canvas.length, on.result.tokens)) {
      assert.notEqual(hole[0], PAD);
      assert.ok(hole.slice(1).every((t) => t === PAD) && padsAreSuffix(hole));
    }
  });
});
