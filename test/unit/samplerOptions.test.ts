import * as assert from 'assert';
import { InvalidRequestError } from '../../src/core/errors';
import { sample, type Canvas, type SampleOptions } from '../../src/sampler';
import { canvasOf, FAKE_SPEC, RecordingDenoiser, row } from './helpers/samplerFakes';

const GOOD: SampleOptions = { strategy: 'confidence', steps: 4, seed: 1 };
const CANVAS = canvasOf(row([3, 17], 4, [8]));

async function rejection(options: Partial<SampleOptions>, canvas: Canvas = CANVAS, spec = FAKE_SPEC): Promise<string> {
  const denoiser = new RecordingDenoiser(spec);
  try {
    await sample(denoiser, canvas, { ...GOOD, ...options });
  } catch (e) {
    assert.ok(e instanceof InvalidRequestError, `expected InvalidRequestError, got ${String(e)}`);
    assert.strictEqual(denoiser.calls, 0);
    return e.message;
  }
  assert.fail(`accepted ${JSON.stringify(options)}`);
}

describe('sampler option validation', () => {
  const bad: Array<[string, Partial<SampleOptions>, RegExp]> = [
    ['steps 0', { steps: 0 }, /steps must be an integer >= 1 \(got 0\)/],
    ['fractional steps', { steps: 2.5 }, /steps/],
    ['NaN steps', { steps: NaN }, /steps/],
    ['negative temperature', { temperature: -0.1 }, /temperature must be a finite number >= 0/],
    ['infinite temperature', { temperature: Infinity }, /temperature/],
    ['threshold 0', { threshold: 0 }, /threshold must be in \(0, 1\]/],
    ['threshold above 1', { threshold: 1.2 }, /threshold/],
    ['threshold with random', { strategy: 'random', threshold: 0.9 }, /threshold decoding needs a confidence strategy/],
    ['blockSize 0', { blockSize: 0 }, /blockSize must be an integer >= 1/],
    ['negative padPenalty', { padPenalty: -0.1 }, /padPenalty must be a finite number >= 0 \(got -0.1\)/],
    ['NaN padPenalty', { padPenalty: NaN }, /padPenalty/],
    ['infinite padPenalty', { padPenalty: Infinity }, /padPenalty/],
    ['string padPenalty', { padPenalty: '0.6' as never }, /padPenalty/],
    ['unknown strategy', { strategy: 'greedy' as never }, /strategy must be one of/],
    ['unknown schedule', { schedule: 'sqrt' as never }, /schedule must be one of/],
    ['fractional seed', { seed: 0.5 }, /seed must be a safe integer/],
  ];
  for (const [name, options, message] of bad) {
    it(`rejects ${name}`, async () => assert.match(await rejection(options), message));
  }

  it('rejects a canvas whose tokens do not match batch x length', async () => {
    assert.match(await rejection({}, { tokens: new Int32Array(5), batch: 2, length: 3 }), /has 5 ids; batch 2 x length 3 needs 6/);
  });

  it('rejects a canvas longer than the model', async () => {
    const long = canvasOf(new Array<number>(FAKE_SPEC.maxLength + 1).fill(2));
    assert.match(await rejection({}, long), /exceeds the model's maximum length 64/);
  });

  it('rejects token ids outside the vocabulary', async () => {
    assert.match(await rejection({}, canvasOf([3, 99, FAKE_SPEC.maskId])), /canvas.tokens\[1\] = 99 is outside the vocabulary/);
  });

  it('rejects an empty batch', async () => {
    assert.match(await rejection({}, { tokens: new Int32Array(0), batch: 0, length: 3 }), /canvas.batch must be an integer >= 1/);
  });

  describe('graph, schedule and option combinations', () => {
    const uniform = { ...FAKE_SPEC, family: 'cedd' as const, graph: 'uniform' as const, condKind: 'sigma' as const };
    const roulette = { ...uniform, graph: 'roulette' as const, pM: 0.9 };
    const genmd4 = { ...FAKE_SPEC, family: 'md4' as const, condKind: 't_x1000' as const };
    const exponents = (w: number): number[] => new Array<number>(FAKE_SPEC.vocabSize).fill(w);
    const invalid: Array<[string, Partial<SampleOptions>, object, RegExp]> = [
      ['the sphere graph without its layout', { strategy: 'random' }, { graph: 'sphere' }, /the sphere graph, a sphere layout and the geometric_bridge schedule go together/],
      ['roulette without pM', { strategy: 'random' }, { ...roulette, pM: undefined }, /pM must be in \(0, 1\) for the roulette graph/],
      ['roulette with pM 1', { strategy: 'random' }, { ...roulette, pM: 1 }, /pM must be in \(0, 1\)/],
      ['pM on the absorb graph', {}, { pM: 0.5 }, /absent otherwise \(got 0.5 on 'absorb'\)/],
      ['log scores on roulette', { strategy: 'random' }, { ...roulette, outputKind: 'log_score' }, /not roulette/],
      ['uniform with a confidence strategy', { strategy: 'confidence' }, uniform, /only the 'random' \(ancestral\) strategy \(got 'confidence'\)/],
      ['uniform with entropy and a threshold', { strategy: 'entropy', threshold: 0.5 }, uniform, /only the 'random'/],
      ['blocks on uniform', { strategy: 'random', blockSize: 2 }, uniform, /blockSize needs the absorb graph/],
      ['blocks on roulette', { blockSize: 2 }, roulette, /blockSize needs the absorb graph/],
      ['an unknown kernel', { kernel: 'heun' as never }, {}, /kernel must be one of analytic, euler/],
      ['euler on genmd4', { strategy: 'random', kernel: 'euler' }, { ...genmd4, schedule: { type: 'genmd4', eps: 1e-4, tokenExponents: exponents(1) } }, /use kernel 'analytic'/],
      ['genmd4 on uniform', { strategy: 'random' }, { ...uniform, schedule: { type: 'genmd4', eps: 1e-4, tokenExponents: exponents(1) } }, /genmd4 schedule needs the absorb graph/],
      ['genmd4 with too few exponents', { strategy: 'random' }, { ...genmd4, schedule: { type: 'genmd4', eps: 1e-4, tokenExponents: [1, 2] } }, /needs 24 token exponents > 0 \(got 2/],
      ['genmd4 with a zero exponent', { strategy: 'random' }, { ...genmd4, schedule: { type: 'genmd4', eps: 1e-4, tokenExponents: exponents(0) } }, /bad entry 0/],
      ['poly with exponent 0', { strategy: 'random' }, { ...genmd4, schedule: { type: 'poly', eps: 1e-4, exponent: 0 } }, /exponent > 0/],
      ['geometric with sigmaMin >= sigmaMax', { strategy: 'random' }, { ...uniform, schedule: { type: 'geometric', sigmaMin: 2, sigmaMax: 1 } }, /0 < sigmaMin < sigmaMax/],
    ];
    for (const [name, options, spec, message] of invalid) {
      it(`rejects ${name}`, async () => {
        assert.match(await rejection(options, CANVAS, { ...FAKE_SPEC, ...spec } as typeof FAKE_SPEC), message);
      });
    }
  });

  it('accepts the edges of every range', async () => {
    const options: SampleOptions = { ...GOOD, temperature: 0, threshold: 1, blockSize: 1, steps: 1, seed: -5, padPenalty: 0 };
    const result = await sample(new RecordingDenoiser(), CANVAS, options);
    assert.ok(!result.tokens.includes(FAKE_SPEC.maskId));
  });
});
