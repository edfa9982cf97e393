import * as assert from 'node:assert/strict';
import { TraceRecorder } from '../../src/providers/denoiseTrace';
import { sample } from '../../src/sampler';
import { canvasOf, FAKE_SPEC, RecordingDenoiser, row } from './helpers/samplerFakes';

describe('providers: denoising trace of a fill', () => {
  it('records each hole slot with its token, reveal step and confidence, hole by hole', async () => {
    const recorder = new TraceRecorder(FAKE_SPEC);
    const denoiser = new RecordingDenoiser();
    denoiser.onCall = (request) => recorder.observeRequest(request);
    const canvas = canvasOf(row([5, 6], 3, [7, 8], 2, [9]), row([5, 6], 3, [7, 8], 2, [9]));
    const result = await sample(denoiser, canvas, { steps: 5, strategy: 'confidence', seed: 3, onStep: (s) => recorder.onStep(s) });
    const trace = await recorder.result(async (ids) => `<${ids.join(',')}>`);
    assert.ok(trace);
    assert.equal(trace.steps, result.steps);
    const slots = [2, 3, 4, 7, 8];
    assert.deepEqual(trace.tokens.map((t) => t.hole), [0, 0, 0, 1, 1]);
    trace.tokens.forEach((token, i) => {
      const position = slots[i];
      assert.equal(token.step, result.revealStep[position]);
      assert.equal(token.confidence, result.confidence[position]);
      const id = result.tokens[position];
      const pad = id === FAKE_SPEC.padId || id === FAKE_SPEC.eosId;
      assert.equal(token.pad, pad);
      assert.equal(token.text, pad ? '' : `<${id}>`);
    });
  });

  it('has no trace when nothing was sampled (a cache hit)', async () => {
    assert.equal(await new TraceRecorder(FAKE_SPEC).result(async () => ''), undefined);
  });
});
