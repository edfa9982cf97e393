import * as assert from 'assert';
import { sample, type DiffusionSpec, type SampleOptions, type StepInfo } from '../../src/sampler';
import { canvasOf, FAKE_SPEC, RecordingDenoiser, row } from './helpers/samplerFakes';

const M = FAKE_SPEC.maskId;
const PAD = FAKE_SPEC.padId;
const ROWS = [row([3, 17, 9], 6, [8, 8, 21], 5, [12]), row([4], 9, [2], 1, [7, 5, 6, 9, 11, 13])];
const CANVAS = canvasOf(...ROWS);

function spec(overrides: Partial<DiffusionSpec>): DiffusionSpec {
  return { ...FAKE_SPEC, condKind: 'sigma', ...overrides };
}

const FAMILIES: Array<[string, DiffusionSpec]> = [
  ['md4 linear', spec({ family: 'md4', condKind: 't_x1000', schedule: { type: 'linear', eps: 1e-4 } })],
  ['genmd4', spec({ family: 'md4', condKind: 't_x1000', schedule: { type: 'genmd4', eps: 1e-4, tokenExponents: new Array<number>(24).fill(0.7) } })],
  ['sedd absorb', spec({ family: 'sedd', outputKind: 'log_score' })],
  ['sedd uniform', spec({ family: 'sedd', graph: 'uniform', outputKind: 'log_score', schedule: { type: 'geometric', sigmaMin: 1e-4, sigmaMax: 20 } })],
  ['cedd absorb', spec({ family: 'cedd' })],
  ['cedd uniform', spec({ family: 'cedd', graph: 'uniform' })],
  ['cedd roulette', spec({ family: 'cedd', graph: 'roulette', pM: 0.9 })],
];

function holes(tokens: readonly number[]): number[][] {
  const runs: number[][] = [];
  tokens.forEach((t, p) => {
    if (t !== M) return;
    if (p > 0 && tokens[p - 1] === M) runs[runs.length - 1]!.push(p);
    else runs.push([p]);
  });
  return runs;
}

async function run(s: DiffusionSpec, options: Partial<SampleOptions>): Promise<{ denoiser: RecordingDenoiser; infos: StepInfo[]; result: Awaited<ReturnType<typeof sample>> }> {
  const denoiser = new RecordingDenoiser(s);
  const infos: StepInfo[] = [];
  const result = await sample(denoiser, CANVAS, { strategy: 'random', steps: 6, seed: 3, ...options, onStep: (info) => void infos.push(info) });
  return { denoiser, infos, result };
}

describe('sampler on every family, graph and output kind', () => {
  for (const [name, s] of FAMILIES) {
    const strategies: SampleOptions['strategy'][] = s.graph === 'uniform' ? ['random'] : ['random', 'confidence'];
    const kernels: Array<SampleOptions['kernel']> = s.schedule.type === 'genmd4' ? ['analytic'] : ['analytic', 'euler'];
    for (const strategy of strategies) {
      for (const kernel of kernels) {
        for (const temperature of [0, 0.7]) {
          it(`${name}, ${strategy}, ${kernel}, temperature ${temperature}: context kept, no mask left, meaningful reports`, async () => {
            const { denoiser, infos, result } = await run(s, { strategy, kernel, temperature });
            const tokens = Array.from(result.tokens);
            assert.ok(!tokens.includes(M));
            CANVAS.tokens.forEach((t, i) => {
              if (t !== M) {
                assert.strictEqual(tokens[i], t, `context at ${i}`);
                assert.strictEqual(result.revealStep[i], -1);
                assert.strictEqual(result.confidence[i], 1);
              } else {
                assert.ok(result.revealStep[i]! >= 0 && result.revealStep[i]! <= result.steps, `revealStep at ${i}`);
                assert.ok(result.confidence[i]! >= 0 && result.confidence[i]! <= 1, `confidence at ${i}: ${result.confidence[i]}`);
              }
            });
            assert.strictEqual(result.nfe, denoiser.calls);
            for (const request of denoiser.requests) {
              assert.strictEqual(request.cond?.length, CANVAS.batch);
              if (s.graph === 'uniform') assert.ok(!request.tokens.includes(M), 'the uniform graph has no mask');
            }
            const masked = infos.map((info) => info.masked);
            assert.deepStrictEqual(masked, [...masked].sort((a, b) => b - a));
            if (s.graph === 'uniform') assert.ok(masked.every((m) => m === 0));
            // what 'stop' would settle: the masks on absorb; on a refining graph every hole until the last step
            const holeSlots = CANVAS.tokens.filter((t) => t === M).length;
            const pending = infos.map((info) => info.pending);
            assert.deepStrictEqual(pending, s.graph === 'absorb' ? masked : infos.map((info) => (info.step < info.totalSteps ? holeSlots : 0)));
            assert.strictEqual(pending.at(-1), 0);
          });
        }
      }
    }
  }

  it('refining graphs query every hole position, every step (time-conditioned: no cache)', async () => {
    for (const graph of ['uniform', 'roulette'] as const) {
      const { denoiser, result } = await run(spec({ family: 'cedd', graph, ...(graph === 'roulette' ? { pM: 0.5 } : {}) }), {});
      assert.strictEqual(result.nfe, 6);
      for (const request of denoiser.requests) {
        for (let b = 0; b < CANVAS.batch; b++) {
          const asked = new Set(request.positions.subarray(b * request.queries, (b + 1) * request.queries));
          assert.deepStrictEqual([...asked].sort((x, y) => x - y), holes(ROWS[b]!).flat());
        }
      }
    }
  });

  it('roulette revises revealed hole tokens; a time-free uniform model reuses unchanged logits', async () => {
    const roulette = spec({ family: 'cedd', graph: 'roulette', pM: 0.5 });
    const revised = await Promise.all([1, 2, 3, 4].map((seed) => run(roulette, { steps: 12, seed })));
    const changedAfterReveal = revised.some(({ infos }) =>
      infos.some((info, k) => k > 0 && info.tokens.some((t, i) => t !== M && infos[k - 1]!.tokens[i] !== M && t !== infos[k - 1]!.tokens[i])),
    );
    assert.ok(changedAfterReveal, 'no revealed token was ever revised');
    const timeFree = await run(spec({ graph: 'uniform', condKind: 'none' }), { steps: 40, temperature: 0 });
    assert.ok(timeFree.result.nfe < 40);
  });

  it('refining graphs with padPenalty: the pads of every hole are a suffix', async () => {
    let padded = 0;
    for (const [graph, extra] of [['uniform', {}], ['roulette', { pM: 0.8 }]] as const) {
      for (let seed = 0; seed < 8; seed++) {
        const { result } = await run(spec({ family: 'cedd', graph, ...extra }), { seed, padPenalty: 0.6 });
        for (const [b, r] of ROWS.entries()) {
          for (const hole of holes(r)) {
            const fill = hole.map((p) => result.tokens[b * r.length + p]!);
            const first = fill.indexOf(PAD);
            if (first >= 0) padded++;
            assert.ok(first < 0 || fill.slice(first).every((t) => t === PAD), `hole ${fill.join(' ')}`);
          }
        }
      }
    }
    assert.ok(padded > 0);
  });
});
