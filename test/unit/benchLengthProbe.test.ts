import * as assert from 'node:assert/strict';
import { lengthDistribution, likeliestLengths, probeLengths, probeSlots } from '../../bench/lengthProbe';
import type { DenoiseRequest, Denoiser } from '../../src/sampler/types';
import { fakeSpec } from './helpers/fakeDenoiser';

const close = (actual: readonly number[], expected: readonly number[]) =>
  assert.ok(actual.length === expected.length && actual.every((p, i) => Math.abs(p - expected[i]) < 1e-12), `${actual} != ${expected}`);

describe('length probe', () => {
  it('reads P(length = k) off the padding probability of each slot: slot k padded and slot k-1 not', () => {
    // P(length <= 0) = 0.1, <= 1 = 0.3, <= 2 = 0.9; the rest: at least 3 tokens
    close(lengthDistribution([0.1, 0.3, 0.9]), [0.1, 0.2, 0.6, 0.1]);
  });

  it('sums to one, with a padding probability that falls taken as its running maximum (padding only follows padding)', () => {
    const distribution = lengthDistribution([0.2, 0.7, 0.4, 1]);
    close(distribution, [0.2, 0.5, 0, 0.3, 0]);
    assert.ok(Math.abs(distribution.reduce((a, b) => a + b, 0) - 1) < 1e-12);
  });

  it('puts everything on the probe size when no slot may be padding', () => {
    close(lengthDistribution([0, 0, 0]), [0, 0, 0, 1]);
  });

  it('keeps the likeliest lengths of at least one token, ascending, ties to the shorter', () => {
    assert.deepEqual(likeliestLengths([0.5, 0.1, 0.2, 0.2], 2), [2, 3]);
    assert.deepEqual(likeliestLengths([0.5, 0.1, 0.2, 0.2], 1), [2]);
    assert.deepEqual(likeliestLengths([0.9, 0.1], 3), [1], 'never more lengths than there are');
  });

  it('reads the padding probabilities of the probe hole from one full network call of every slot masked', async () => {
    const spec = fakeSpec({ vocabSize: 10 });
    const pad = [0.1, 0.3, 0.9];
    const requests: DenoiseRequest[] = [];
    // p(pad) = e^a / (e^a + 8): the other 8 ids of 10 have logit 0, the mask's any logit is ignored
    const denoiser: Denoiser = {
      spec,
      denoise: async (request) => {
        requests.push(request);
        const logits = new Float32Array(request.queries * spec.vocabSize);
        pad.forEach((p, i) => {
          logits[i * spec.vocabSize + spec.maskId] = 50;
          logits[i * spec.vocabSize + spec.padId] = Math.log((8 * p) / (1 - p));
        });
        return logits;
      },
    };
    const ids = Int32Array.from([7, spec.maskId, spec.maskId, spec.maskId, 8]);
    const lengths = await probeLengths(denoiser, { ids, holes: [{ start: 1, slots: 3 }], prefixTokens: 1, suffixTokens: 1 }, 2);
    assert.deepEqual(lengths, [1, 2], 'P(length) = 0.1, 0.2, 0.6, 0.1: the two likeliest of at least one token');
    assert.equal(requests.length, 1);
    assert.deepEqual([...requests[0].positions], [1, 2, 3]);
    assert.equal(requests[0].cache, undefined, 'a full call');
  });

  it('refuses a model trained without length probes, naming it', () => {
    const meta = (training: Record<string, unknown>) => ({ meta: { name: 'm', training } }) as unknown as Parameters<typeof probeSlots>[0];
    assert.equal(probeSlots(meta({ probe_slots: 16, probe_share: 0.4 })), 16);
    assert.throws(() => probeSlots(meta({ probe_slots: 16, probe_share: 0 })), /model 'm' was not trained with length probes/);
    assert.throws(() => probeSlots(meta({})), /training.probe_slots/);
  });
});
