import * as assert from 'node:assert/strict';
import * as path from 'node:path';
import { referenceCallMs, referenceSetting } from '../../bench/reference';
import { loadModel } from '../../src/model';

const fixtures = path.resolve(__dirname, '../../../test/fixtures');

describe("bench reference call: the machine's speed beside a latency table", function () {
  this.timeout(30000);

  it('times a cached call on a context-cache model and a full call on a plain one', async () => {
    for (const name of ['tiny-model-kv-shared', 'tiny-model']) {
      const model = await loadModel(path.join(fixtures, name), { executionProvider: 'cpu' });
      try {
        const ms = await referenceCallMs(model);
        assert.ok(ms !== undefined && ms > 0 && Number.isFinite(ms), `${name}: ${ms}`);
        assert.match(referenceSetting(ms), new RegExp(`^${ms} ms p50 of 12 calls`));
      } finally {
        await model.dispose();
      }
    }
  });

  it('gives none for a model whose network reads more than token ids', async () => {
    const model = await loadModel(path.join(fixtures, 'families', 'sedd-absorb'), { executionProvider: 'cpu' });
    try {
      assert.equal(await referenceCallMs(model), undefined);
      assert.match(referenceSetting(undefined), /^none/);
    } finally {
      await model.dispose();
    }
  });
});
