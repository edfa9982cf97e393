import * as assert from 'node:assert/strict';
import * as path from 'node:path';
import { loadModel } from '../../src/model';
import { checkOnnxFile, CPU_CONTRIB_DOMAIN } from '../../src/model/folder/onnxFile';
import { linesLogger } from './helpers/linesLogger';

const fixtures = path.join(__dirname, '..', '..', '..', 'test', 'fixtures');

describe('int8 graphs with onnxruntime CPU contrib ops', function () {
  this.timeout(30000);

  it('the file check reads the operator domains a graph imports', async () => {
    const plain = await checkOnnxFile(path.join(fixtures, 'tiny-model', 'model.onnx'));
    const int8 = await checkOnnxFile(path.join(fixtures, 'tiny-model-int8', 'model.onnx'));
    assert.ok(!plain.operatorDomains.includes(CPU_CONTRIB_DOMAIN), JSON.stringify(plain.operatorDomains));
    assert.ok(int8.operatorDomains.includes(CPU_CONTRIB_DOMAIN), JSON.stringify(int8.operatorDomains));
  });

  it("'auto' opens such a graph on the CPU without trying a GPU provider", async () => {
    const lines: string[] = [];
    const logger = linesLogger(lines);
    const model = await loadModel(path.join(fixtures, 'tiny-model-int8'), { executionProvider: 'auto', threads: 1, logger });
    try {
      assert.equal(model.provider, 'cpu');
      assert.ok(lines.some((line) => line.includes('CPU contrib ops')), lines.join('\n'));
      assert.ok(!lines.some((line) => /webgpu/i.test(line)), lines.join('\n'));
      const length = 8;
      const tokens = new Int32Array(length).fill(model.spec.maskId);
      const logits = await model.denoiser.denoise({ tokens, batch: 1, length, positions: Int32Array.from([3, 4]), queries: 2 });
      assert.equal(logits.length, 2 * model.spec.vocabSize);
      assert.ok(logits.every((x) => !Number.isNaN(x)));
    } finally {
      await model.dispose();
    }
  });
});
