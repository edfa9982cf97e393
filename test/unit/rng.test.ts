import * as assert from 'assert';
import * as fs from 'fs';
import * as path from 'path';
import { Rng } from '../../src/core/rng';

/** The Python reference (training/reference_sampler/rng.py) wrote these vectors into the golden file. */
const goldenFile = path.join(__dirname, '..', '..', '..', 'test', 'fixtures', 'sampler-golden.json');
const vectors = (JSON.parse(fs.readFileSync(goldenFile, 'utf8')) as {
  rng: Array<{ seed: number; uint32: number[]; uniform: number[] }>;
}).rng;

describe('Rng (xoshiro128** seeded by splitmix32)', () => {
  for (const vector of vectors) {
    it(`seed ${vector.seed}: the same words and uniforms as the Python reference`, () => {
      const words = new Rng(vector.seed);
      assert.deepStrictEqual(vector.uint32.map(() => words.nextUint32()), vector.uint32);
      const uniforms = new Rng(vector.seed);
      assert.deepStrictEqual(vector.uniform.map(() => uniforms.nextUniform()), vector.uniform);
    });
  }

  it('seed 0 starts with the documented words', () => {
    const rng = new Rng(0);
    assert.deepStrictEqual([rng.nextUint32(), rng.nextUint32(), rng.nextUint32(), rng.nextUint32()], [3809008728, 1133695204, 53579671, 2891528803]);
  });

  it('only the low 32 bits of the seed matter', () => {
    assert.strictEqual(new Rng(2 ** 32 + 5).nextUniform(), new Rng(5).nextUniform());
    assert.strictEqual(new Rng(-1).nextUniform(), new Rng(2 ** 32 - 1).nextUniform());
  });

  it('uniforms lie in the open interval (0, 1) with mean and variance of U(0, 1)', () => {
    const rng = new Rng(2024);
    const n = 100_000;
    let sum = 0;
    let sumSquares = 0;
    for (let i = 0; i < n; i++) {
      const u = rng.nextUniform();
      assert.ok(u > 0 && u < 1, `u = ${u}`);
      sum += u;
      sumSquares += u * u;
    }
    const mean = sum / n;
    assert.ok(Math.abs(mean - 0.5) < 0.005, `mean ${mean}`);
    assert.ok(Math.abs(sumSquares / n - mean * mean - 1 / 12) < 0.002, 'variance');
  });

  it('different seeds give different streams', () => {
    assert.notStrictEqual(new Rng(1).nextUniform(), new Rng(2).nextUniform());
  });
});
