import * as assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { loadModel } from '../../src/model';
import { inspectModelFolder } from '../../src/model/folder/modelFolder';
import { assertLogitsMatch, expectGoldenCases, readLogitsGolden } from './helpers/logitsGolden';

// The checked-in fixture exported by training/ with PyTorch's logits for fixed inputs; a missing file is a failure.
const fixture = path.resolve(__dirname, '../../../test/fixtures/tiny-model');

describe('tiny-model fixture: onnxruntime logits match PyTorch (logits-golden.json)', function () {
  this.timeout(30000);

  it('is a valid model folder', async () => {
    const { meta } = await inspectModelFolder(fixture);
    assert.equal(meta.name, 'tiny-model');
  });

  it('reproduces every golden case through the worker within atol', async () => {
    const golden = readLogitsGolden(fixture);
    const model = await loadModel(fixture, { executionProvider: 'cpu' });
    try {
      await expectGoldenCases(model, golden);
    } finally {
      await model.dispose();
    }
  });
});

const rdlmFixture = path.resolve(__dirname, '../../../test/fixtures/families/rdlm');

interface StateGolden {
  atol: number;
  cases: Array<{ input_vec: number[][][]; positions: number[][]; cond: number[]; logits: number[][][] }>;
}

describe('rdlm fixture: onnxruntime digit logits from the continuous state match PyTorch', function () {
  this.timeout(30000);

  it('reproduces every golden case through the worker within atol', async () => {
    const golden = JSON.parse(readFileSync(path.join(rdlmFixture, 'logits-golden.json'), 'utf8')) as StateGolden;
    const model = await loadModel(rdlmFixture, { executionProvider: 'cpu' });
    try {
      for (const [index, c] of golden.cases.entries()) {
        const [batch, length] = [c.input_vec.length, c.input_vec[0].length];
        const logits = await model.denoiser.denoise({
          tokens: new Int32Array(batch * length),
          batch,
          length,
          positions: Int32Array.from(c.positions.flat()),
          queries: c.positions[0].length,
          cond: Float32Array.from(c.cond),
          state: Float32Array.from(c.input_vec.flat(2)),
        });
        assertLogitsMatch(logits, c.logits, golden.atol, index);
      }
    } finally {
      await model.dispose();
    }
  });
});
