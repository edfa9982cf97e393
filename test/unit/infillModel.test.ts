import * as assert from 'node:assert/strict';
import * as path from 'node:path';
import { isAbortError } from '../../src/core/errors';
import { DEFAULT_INFILL_OPTIONS, InfillEngine, type InfillOptions } from '../../src/infill';
import { loadModel, type LoadedModel } from '../../src/model';

/** The infill engine on the real runtime: the checked-in tiny model (random weights, max_length 64). */
describe('InfillEngine on the fixture model', function () {
  this.timeout(30_000);
  const options: InfillOptions = { ...DEFAULT_INFILL_OPTIONS, lengths: undefined, lineTokens: undefined, nonEmpty: undefined, maxTokens: 8, steps: 8 };
  let model: LoadedModel;

  before(async () => {
    model = await loadModel(path.join(__dirname, '..', '..', '..', 'test', 'fixtures', 'tiny-model'), { providers: ['cpu'] });
  });
  after(async () => {
    await model?.dispose();
  });

  it('fills two holes jointly within the model length, deterministically', async () => {
    const text = 'def add(a, b):\n    return a + b\n\n\nprint(add(2, 3))\n'.repeat(8);
    const holes = [{ start: 100, end: 100 }, { start: 110, end: 115 }];
    const first = await new InfillEngine(model).fill({ text, holes }, options);
    const second = await new InfillEngine(model).fill({ text, holes }, options);
    assert.ok(first.canvasTokens <= model.spec.maxLength);
    assert.equal(first.candidates[0].fills.length, 2);
    for (const fill of first.candidates[0].fills) {
      assert.equal(typeof fill.text, 'string');
      assert.ok(fill.tokens <= 8 && fill.confidence >= 0 && fill.confidence <= 1);
    }
    assert.ok(first.nfe >= 1);
    assert.deepEqual(second.candidates, first.candidates);
  });

  it('stops when the caller aborts', async () => {
    const controller = new AbortController();
    const request = { text: 'x = \n', holes: [{ start: 4, end: 4 }] };
    const fill = new InfillEngine(model).fill(request, { ...options, threshold: undefined }, {
      signal: controller.signal,
      onStep: () => controller.abort(),
    });
    await assert.rejects(fill, isAbortError);
  });
});
