import * as assert from 'node:assert/strict';
import { DEFAULT_INFILL_OPTIONS, InfillEngine, type InfillOptions, type InfillRequest } from '../../src/infill';
import { optionsForModel, TIME_CONDITIONED_STEPS } from '../../src/infill/modelOptions';
import type { DiffusionSpec } from '../../src/sampler';
import { answers, FakeDenoiser, fakeSpec } from './helpers/fakeDenoiser';
import { FakeTokenizer } from './helpers/fakeTokenizer';

const conditioned = (overrides: Partial<DiffusionSpec>): DiffusionSpec => fakeSpec({ condKind: 'sigma', ...overrides });
const md4 = fakeSpec({ family: 'md4', condKind: 't_x1000', schedule: { type: 'linear', eps: 1e-4 } });
const uniform = conditioned({ family: 'sedd', graph: 'uniform', outputKind: 'log_score', schedule: { type: 'geometric', sigmaMin: 1e-4, sigmaMax: 20 } });
const roulette = conditioned({ family: 'cedd', graph: 'roulette', pM: 0.95 });
const sphere = fakeSpec({
  family: 'rdlm',
  graph: 'sphere',
  condKind: 't',
  schedule: { type: 'geometric_bridge', beta0: 1e-3, betaF: 0.2, stepThr: 0.38, endEps: 1e-5 },
  sphere: { base: 2, digits: 12 },
});

/** `steps` for `maxTokens` slots, the rest the defaults. */
const withSteps = (steps: number, maxTokens: number): InfillOptions => ({ ...DEFAULT_INFILL_OPTIONS, steps, maxTokens });

describe('infill options per model family (optionsForModel)', () => {
  it('leaves the options of a time-free model as given', () => {
    const options = { ...withSteps(200, 256), strategy: 'margin' as const };
    assert.deepEqual(optionsForModel(fakeSpec(), options), options);
  });

  it('caps the steps of a time-conditioned absorbing model by the budget, scaled by steps per slot', () => {
    const steps = (spec: DiffusionSpec, s: number, maxTokens: number) => optionsForModel(spec, withSteps(s, maxTokens)).steps;
    assert.equal(TIME_CONDITIONED_STEPS, 32);
    assert.equal(steps(md4, 32, 32), 32);
    assert.equal(steps(md4, 128, 128), 32, 'a longer hole costs no more network calls');
    assert.equal(steps(md4, 64, 128), 16, 'half the steps per slot, half the budget');
    assert.equal(steps(md4, 8, 8), 8, 'never more steps than asked');
    assert.equal(steps(md4, 1, 256), 1, 'at least one step');
    assert.equal(steps(conditioned({}), 96, 96), 32, 'MDLM with σ-conditioning too');
  });

  it('keeps confidence decoding on absorbing and roulette graphs', () => {
    for (const spec of [md4, roulette]) {
      const adapted = optionsForModel(spec, withSteps(32, 32));
      assert.deepEqual([adapted.strategy, adapted.threshold, adapted.padPenalty], ['confidence', DEFAULT_INFILL_OPTIONS.threshold, DEFAULT_INFILL_OPTIONS.padPenalty]);
    }
  });

  it('runs the uniform graph ancestrally on the step budget, whatever the caller asked', () => {
    const adapted = optionsForModel(uniform, { ...withSteps(8, 8), strategy: 'margin', threshold: 0.5 });
    assert.deepEqual([adapted.strategy, adapted.threshold, adapted.steps], ['random', undefined, 32]);
    assert.equal(optionsForModel(uniform, withSteps(16, 32)).steps, 16);
    const { temperature, seed, maxTokens, contextTokens } = optionsForModel(uniform, { ...withSteps(8, 8), temperature: 0.7, seed: 5 });
    assert.deepEqual({ temperature, seed, maxTokens, contextTokens }, { temperature: 0.7, seed: 5, maxTokens: 8, contextTokens: DEFAULT_INFILL_OPTIONS.contextTokens });
  });

  it('walks the sphere graph on the step budget, with no reveal order and no pad rules', () => {
    const adapted = optionsForModel(sphere, { ...withSteps(8, 8), strategy: 'margin', threshold: 0.5 });
    assert.deepEqual([adapted.strategy, adapted.threshold, adapted.padPenalty, adapted.steps], ['random', undefined, undefined, 32]);
    assert.equal(optionsForModel(sphere, withSteps(16, 32)).steps, 16);
  });

  it('drops semi-autoregressive blocks on the refining graphs only', () => {
    const blockSize = (spec: DiffusionSpec) => optionsForModel(spec, { ...withSteps(32, 32), blockSize: 8 }).blockSize;
    assert.deepEqual([blockSize(md4), blockSize(uniform), blockSize(roulette), blockSize(sphere)], [8, undefined, undefined, undefined]);
  });

  describe('in the engine', () => {
    // A hole of a fixed 8 slots, so the canvas is the same whatever `maxTokens` says.
    const request: InfillRequest = { text: 'x = \n', holes: [{ start: 4, end: 4, maxTokens: 8 }] };
    const setup = async (spec: DiffusionSpec) => {
      const tokenizer = new FakeTokenizer();
      const denoiser = new FakeDenoiser(spec, answers([2, await tokenizer.ids('foo(1)')]));
      return { denoiser, engine: new InfillEngine({ denoiser, tokenizer }) };
    };

    it('samples a time-conditioned model with the adapted steps, one network call each', async () => {
      const { engine, denoiser } = await setup(conditioned({}));
      // 48 slots, no threshold and no pad handling: the run takes every step it is given.
      const long: InfillRequest = { ...request, holes: [{ ...request.holes[0], maxTokens: 48 }] };
      const result = await engine.fill(long, { ...withSteps(64, 64), threshold: undefined, padPenalty: undefined });
      assert.equal(result.steps, 32);
      assert.equal(result.nfe, denoiser.requests.length);
      assert.ok(denoiser.requests.every((r) => r.cond !== undefined), 'every call carries the time');
    });

    it('keys the cache on the adapted options', async () => {
      const { engine } = await setup(conditioned({}));
      const first = await engine.fill(request, withSteps(40, 40));
      assert.equal(first.cached, false);
      // 64 steps for 64 slots adapt to the same 32 steps as 40 for 40: the same run.
      assert.equal((await engine.fill(request, withSteps(64, 64))).cached, true);
      assert.equal((await engine.fill(request, withSteps(32, 64))).cached, false);
    });
  });
});
