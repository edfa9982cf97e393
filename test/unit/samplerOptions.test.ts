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
    ['topP 0', { topP: 0 }, /topP must be in \(0, 1\]/],
    ['topP above 1', { topP: 1.5 }, /topP/],
    ['negative topK', { topK: -1 }, /topK must be an integer >= 0/],
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

  it('rejects models the absorbing sampler cannot drive', async () => {
    assert.match(await rejection({}, CANVAS, { ...FAKE_SPEC, graph: 'uniform' }), /absorbing x0-logit models only/);
    const geometric = { ...FAKE_SPEC, schedule: { type: 'geometric' as const, eps: 1e-3 } };
    assert.match(await rejection({ strategy: 'random' }, CANVAS, geometric), /needs a loglinear or cosine schedule/);
  });

  it('accepts the edges of every range', async () => {
    const options: SampleOptions = { ...GOOD, temperature: 0, topK: 0, topP: 1, threshold: 1, blockSize: 1, steps: 1, seed: -5, padPenalty: 0 };
    const result = await sample(new RecordingDenoiser(), CANVAS, options);
    assert.ok(!result.tokens.includes(FAKE_SPEC.maskId));
  });
});
