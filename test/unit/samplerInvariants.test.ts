import * as assert from 'assert';
import { sample, STRATEGIES, type SampleOptions, type StepInfo } from '../../src/sampler';
import { canvasOf, FAKE_SPEC, RecordingDenoiser, row } from './helpers/samplerFakes';

const MASK = FAKE_SPEC.maskId;
const TWO_HOLES = row([3, 17, 9], 6, [8, 8, 21], 5, [12]);

type Options = Omit<SampleOptions, 'onStep' | 'signal'>;

async function run(options: Options, rows: number[][] = [TWO_HOLES]) {
  const denoiser = new RecordingDenoiser();
  const canvas = canvasOf(...rows);
  const steps: StepInfo[] = [];
  const result = await sample(denoiser, canvas, { ...options, onStep: (info) => void steps.push(info) });
  return { denoiser, canvas, steps, result };
}

const grid: Options[] = STRATEGIES.flatMap((strategy) =>
  [1, 4, 30].flatMap((steps) =>
    [0, 0.7, 1].map((temperature) => ({ strategy, steps, temperature, seed: steps * 31 + temperature * 10 })),
  ),
);

describe('sampler invariants', () => {
  it('over every strategy, step count and temperature: masks only fall, context never changes, nothing stays masked', async () => {
    for (const options of grid) {
      const { canvas, steps, result } = await run(options, [TWO_HOLES, row([1], 10, [2, 3, 4, 5, 6, 7, 8])]);
      const label = JSON.stringify(options);
      let masked = canvas.tokens.filter((t) => t === MASK).length;
      for (const info of steps) {
        assert.ok(info.masked <= masked, `${label}: masked rose at step ${info.step}`);
        assert.strictEqual(info.masked, info.tokens.filter((t) => t === MASK).length, label);
        masked = info.masked;
        canvas.tokens.forEach((t, i) => {
          if (t !== MASK) assert.strictEqual(info.tokens[i], t, `${label}: context ${i} changed`);
        });
      }
      assert.ok(!result.tokens.includes(MASK), `${label}: a mask is left`);
      assert.strictEqual(steps.at(-1)!.masked, 0, label);
      canvas.tokens.forEach((t, i) => {
        if (t === MASK) {
          assert.ok(result.confidence[i]! > 0 && result.confidence[i]! <= 1, `${label}: confidence ${result.confidence[i]}`);
          assert.ok(result.revealStep[i]! >= 1 && result.revealStep[i]! <= result.steps, label);
        } else {
          assert.strictEqual(result.confidence[i], 1, label);
          assert.strictEqual(result.revealStep[i], -1, label);
        }
      });
      assert.ok(result.steps <= Math.max(1, options.steps), label);
    }
  });

  it('StepInfo reports NaN confidence exactly at masked slots', async () => {
    const { steps } = await run({ strategy: 'confidence', steps: 6, seed: 1 });
    for (const info of steps) {
      info.tokens.forEach((t, i) => assert.strictEqual(Number.isNaN(info.confidence[i]), t === MASK));
    }
  });

  it('the same seed gives the same output; different seeds usually differ', async () => {
    for (const strategy of STRATEGIES) {
      const a = await run({ strategy, steps: 5, seed: 42 });
      const b = await run({ strategy, steps: 5, seed: 42 });
      assert.deepStrictEqual(a.result, b.result);
      const outputs = new Set<string>();
      for (let seed = 0; seed < 6; seed++) outputs.add((await run({ strategy, steps: 5, seed })).result.tokens.join(','));
      assert.ok(outputs.size > 1, `${strategy}: six seeds gave one output`);
    }
  });

  it('queries exactly the masked positions of each row, padding short rows by repeating one', async () => {
    const { denoiser } = await run({ strategy: 'random', steps: 8, seed: 3 }, [TWO_HOLES, row([1], 4, [2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14])]);
    for (const request of denoiser.requests) {
      const counts: number[] = [];
      for (let b = 0; b < request.batch; b++) {
        const tokens = request.tokens.subarray(b * request.length, (b + 1) * request.length);
        const masked = [...tokens.keys()].filter((p) => tokens[p] === MASK);
        const asked = Array.from(request.positions.subarray(b * request.queries, (b + 1) * request.queries));
        const expected = masked.length > 0 ? masked : [0]; // a finished row repeats a filler position
        assert.deepStrictEqual([...new Set(asked)].sort((x, y) => x - y), expected);
        counts.push(masked.length);
      }
      assert.strictEqual(request.queries, Math.max(...counts));
    }
  });

  it('caching: a step that reveals nothing makes no network call, and NFE <= masked < steps', async () => {
    const masked = TWO_HOLES.filter((t) => t === MASK).length;
    for (let seed = 0; seed < 5; seed++) {
      const { steps, result } = await run({ strategy: 'random', steps: 200, seed });
      const maskedAfter = [masked, ...steps.map((info) => info.masked)];
      const nfeAfter = [0, ...steps.map((info) => info.nfe)];
      for (let k = 2; k < maskedAfter.length; k++) {
        if (nfeAfter[k]! > nfeAfter[k - 1]!) {
          assert.ok(maskedAfter[k - 1]! < maskedAfter[k - 2]!, `seed ${seed}: step ${k} called after a step that revealed nothing`);
        }
      }
      assert.ok(result.nfe <= masked, `seed ${seed}: nfe ${result.nfe} > masked ${masked}`);
      assert.ok(result.steps > result.nfe, `seed ${seed}: 200 steps over ${masked} tokens should reuse logits`);
    }
  });

  it('confidence strategies make one call per step and NFE <= min(steps, masked)', async () => {
    const masked = TWO_HOLES.filter((t) => t === MASK).length;
    for (const steps of [1, 3, 11, 50]) {
      const { result, denoiser } = await run({ strategy: 'margin', steps, seed: steps });
      assert.strictEqual(result.nfe, denoiser.calls);
      assert.strictEqual(result.nfe, result.steps);
      assert.strictEqual(result.nfe, Math.min(steps, masked));
    }
  });

  it('a time-conditioned model is called every step with one cond value per row', async () => {
    const denoiser = new RecordingDenoiser({ ...FAKE_SPEC, condKind: 'sigma' });
    const result = await sample(denoiser, canvasOf(TWO_HOLES, TWO_HOLES), { strategy: 'random', steps: 40, seed: 5 });
    assert.ok(result.nfe >= result.steps, 'no caching with time conditioning');
    for (const request of denoiser.requests) {
      assert.strictEqual(request.cond?.length, 2);
      request.cond!.forEach((sigma) => assert.ok(sigma >= 0 && Number.isFinite(sigma)));
    }
    assert.ok(denoiser.requests[0]!.cond![0]! > denoiser.requests.at(-1)!.cond![0]!, 'σ falls with t');
    const untimed = new RecordingDenoiser();
    await sample(untimed, canvasOf(TWO_HOLES), { strategy: 'random', steps: 4, seed: 5 });
    assert.strictEqual(untimed.requests[0]!.cond, undefined);
  });

  it('threshold decoding reveals at least one per step and needs fewer calls than one per step', async () => {
    const masked = TWO_HOLES.filter((t) => t === MASK).length;
    for (const strategy of ['confidence', 'margin', 'entropy'] as const) {
      const plain = await run({ strategy, steps: masked, seed: 1, temperature: 0 });
      assert.strictEqual(plain.result.nfe, masked);
      const fast = await run({ strategy, steps: masked, seed: 1, temperature: 0, threshold: 0.3 });
      assert.ok(fast.result.nfe < masked, `${strategy}: threshold gave ${fast.result.nfe} calls`);
      let before = masked;
      for (const info of fast.steps) {
        assert.ok(info.masked < before, `${strategy}: step ${info.step} revealed nothing`);
        before = info.masked;
      }
    }
  });

  it('threshold 1 reveals exactly the schedule count when no position is certain', async () => {
    const masked = TWO_HOLES.filter((t) => t === MASK).length;
    const { result } = await run({ strategy: 'confidence', steps: masked, seed: 1, threshold: 1 });
    assert.strictEqual(result.nfe, masked);
  });

  it('block decoding fills the left block before the next one starts', async () => {
    const long = row([5], 14, [6], 6, [7]);
    for (const strategy of STRATEGIES) {
      const { canvas, result } = await run({ strategy, steps: 10, seed: 4, blockSize: 5 }, [long]);
      const holes = [...canvas.tokens.keys()].filter((i) => canvas.tokens[i] === MASK);
      const blocks = [0, 5, 10, 15].map((start) => holes.slice(start, start + 5).map((p) => result.revealStep[p]!));
      for (let j = 1; j < blocks.length; j++) {
        assert.ok(Math.max(...blocks[j - 1]!) < Math.min(...blocks[j]!), `${strategy}: block ${j} started before block ${j - 1} finished`);
      }
      assert.ok(result.steps <= 10, `${strategy}: ${result.steps} steps`);
    }
  });

  it('block decoding with fewer steps than blocks spends one step per block', async () => {
    const { result } = await run({ strategy: 'confidence', steps: 2, seed: 4, blockSize: 3 }, [row([5], 12, [6])]);
    assert.strictEqual(result.steps, 4);
  });

  it('batch rows are independent candidates: identical rows may differ, all are complete', async () => {
    const { result } = await run({ strategy: 'confidence', steps: 4, seed: 8 }, [TWO_HOLES, TWO_HOLES, TWO_HOLES]);
    const rows = [0, 1, 2].map((b) => result.tokens.slice(b * TWO_HOLES.length, (b + 1) * TWO_HOLES.length).join(','));
    assert.ok(new Set(rows).size > 1);
    assert.ok(!result.tokens.includes(MASK));
  });

  it('a canvas without masks returns at once with no network call', async () => {
    const { denoiser, result } = await run({ strategy: 'confidence', steps: 4, seed: 1 }, [[1, 2, 3]]);
    assert.strictEqual(denoiser.calls, 0);
    assert.deepStrictEqual({ nfe: result.nfe, steps: result.steps }, { nfe: 0, steps: 0 });
    assert.deepStrictEqual(Array.from(result.tokens), [1, 2, 3]);
  });
});
