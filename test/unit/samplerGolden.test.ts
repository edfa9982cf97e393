import * as assert from 'assert';
import * as fs from 'fs';
import * as path from 'path';
import { sample, type DiffusionSpec, type SampleOptions } from '../../src/sampler';
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

describe('sampler golden parity with the Python reference', () => {
  for (const c of golden.cases) {
    it(c.name, async () => {
      const denoiser = c.contextCache ? new ContextCacheFake(c.spec) : new RecordingDenoiser(c.spec);
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
    });
  }
});
