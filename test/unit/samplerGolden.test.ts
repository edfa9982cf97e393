import * as assert from 'assert';
import * as fs from 'fs';
import * as path from 'path';
import { sample, type Denoiser, type DiffusionSpec, type SampleOptions } from '../../src/sampler';
import { ContextCacheFake, RecordingDenoiser } from './helpers/samplerFakes';

/**
 * test/fixtures/sampler-golden.json, written by training/reference_sampler/make_sampler_goldens.py
 * (its RNG vectors are checked in rng.test.ts).
 */
interface Golden {
  cases: Array<{
    name: string;
    /** The denoiser offers the context cache: ContextCacheFake. */
    contextCache?: boolean;
    spec: DiffusionSpec;
    options: Omit<SampleOptions, 'onStep' | 'signal'>;
    stopAfter: number | null;
    canvas: { batch: number; length: number; tokens: number[] };
    expected: { tokens: number[]; confidence: number[]; revealStep: number[]; nfe: number; steps: number };
  }>;
}

const goldenFile = path.join(__dirname, '..', '..', '..', 'test', 'fixtures', 'sampler-golden.json');
const golden = JSON.parse(fs.readFileSync(goldenFile, 'utf8')) as Golden;

/**
 * `denoiser` with a `recycle` that overwrites each handed-back answer with NaN: a sampler that read
 * one after handing it back would throw (non-finite logits) or depart from the goldens. `check`
 * asserts that every answer came back once.
 */
function poisoningRecycle(denoiser: RecordingDenoiser): { check: () => void } {
  const answers: Float32Array[] = [];
  const recycled: Float32Array[] = [];
  const denoise = denoiser.denoise.bind(denoiser);
  denoiser.denoise = async (request) => {
    const logits = await denoise(request);
    answers.push(logits);
    return logits;
  };
  (denoiser as Denoiser).recycle = (logits) => {
    recycled.push(logits);
    logits.fill(NaN);
  };
  return {
    check: () => {
      assert.strictEqual(recycled.length, answers.length);
      assert.ok(answers.every((answer) => recycled.filter((r) => r === answer).length === 1), 'each answer handed back once');
    },
  };
}

describe('sampler golden parity with the Python reference', () => {
  for (const c of golden.cases) {
    // the sphere graph's sampler hands nothing back
    for (const recycling of c.spec.graph === 'sphere' ? [false] : [false, true]) {
      it(`${c.name}${recycling ? ', every answer handed back once read and poisoned' : ''}`, async () => {
        const denoiser = c.contextCache ? new ContextCacheFake(c.spec) : new RecordingDenoiser(c.spec);
        const poison = recycling ? poisoningRecycle(denoiser) : undefined;
        const result = await sample(
          denoiser,
          { tokens: Int32Array.from(c.canvas.tokens), batch: c.canvas.batch, length: c.canvas.length },
          { ...c.options, onStep: (info) => (info.step === c.stopAfter ? 'stop' : undefined) },
        );
        assert.deepStrictEqual(Array.from(result.tokens), c.expected.tokens);
        assert.deepStrictEqual(Array.from(result.revealStep), c.expected.revealStep);
        assert.strictEqual(result.nfe, c.expected.nfe);
        assert.strictEqual(result.steps, c.expected.steps);
        assert.strictEqual(denoiser.calls, c.expected.nfe);
        result.confidence.forEach((value, i) => {
          assert.ok(Math.abs(value - c.expected.confidence[i]!) <= 1e-12, `confidence[${i}]: ${value} vs ${c.expected.confidence[i]}`);
        });
        poison?.check();
      });
    }
  }
});
