import * as assert from 'node:assert/strict';
import * as path from 'node:path';
import { DEFAULT_INFILL_OPTIONS, InfillEngine, type InfillOptions, type InfillResult } from '../../src/infill';
import { loadModel, type LoadedModel } from '../../src/model';
import type { StepInfo } from '../../src/sampler';
import type { DenoiseRequest, Denoiser } from '../../src/sampler/types';

const FAMILIES_DIR = path.join(__dirname, '..', '..', '..', 'test', 'fixtures', 'families');

/** The per-family fixtures of the families contract, with the family/graph each must declare. */
const FIXTURES: ReadonlyArray<readonly [name: string, family: string, graph: string]> = [
  ['md4-linear', 'md4', 'absorb'],
  ['genmd4', 'md4', 'absorb'],
  ['sedd-absorb', 'sedd', 'absorb'],
  ['sedd-uniform', 'sedd', 'uniform'],
  ['cedd-absorb', 'cedd', 'absorb'],
  ['cedd-uniform', 'cedd', 'uniform'],
  ['cedd-roulette', 'cedd', 'roulette'],
  ['rdlm', 'rdlm', 'sphere'],
];

const TEXT = 'def add(a, b):\n    return a + b\n\nprint(add(2, 3))\n';
const HOLE = TEXT.indexOf('a + b');
const REQUEST = { text: TEXT, holes: [{ start: HOLE, end: HOLE }] };
const OPTIONS: InfillOptions = { ...DEFAULT_INFILL_OPTIONS, lengths: undefined, lineTokens: undefined, nonEmpty: undefined, maxTokens: 8, steps: 8, temperature: 1, seed: 11 };

interface Observed {
  readonly result: InfillResult;
  /** The canvas of the run's first network call. */
  readonly first: DenoiseRequest;
  /** The hole slots: the positions that call asked about. */
  readonly slots: ReadonlySet<number>;
  /** The canvas after the last step. */
  readonly final: Int32Array;
  readonly conds: readonly number[];
}

/** One fill through a fresh engine, watching the network calls and the steps. */
async function observedFill(model: LoadedModel): Promise<Observed> {
  const requests: DenoiseRequest[] = [];
  const denoiser: Denoiser = {
    spec: model.denoiser.spec,
    denoise: (request, signal) => {
      requests.push(request);
      return model.denoiser.denoise(request, signal);
    },
  };
  let last: StepInfo | undefined;
  const result = await new InfillEngine({ denoiser, tokenizer: model.tokenizer }).fill(REQUEST, OPTIONS, { onStep: (step) => void (last = step) });
  assert.ok(requests.length > 0 && last, 'the model was run');
  const [first] = requests;
  return {
    result,
    first,
    slots: new Set(first.positions.subarray(0, first.queries)),
    final: last.tokens.subarray(0, first.length),
    conds: requests.flatMap((r) => Array.from(r.cond ?? [])),
  };
}

describe('every model family through the real runtime and the infill engine', function () {
  this.timeout(60_000);

  for (const [name, family, graph] of FIXTURES) {
    describe(name, () => {
      let model: LoadedModel;
      before(async () => {
        model = await loadModel(path.join(FAMILIES_DIR, name), { providers: ['cpu'] });
      });
      after(async () => {
        await model?.dispose();
      });

      it(`loads as ${family} on the ${graph} graph, time-conditioned`, () => {
        assert.deepEqual([model.spec.family, model.spec.graph], [family, graph]);
        assert.notEqual(model.spec.condKind, 'none');
        assert.equal(model.spec.pM !== undefined, graph === 'roulette');
      });

      it('fills a hole: every slot a real token, the context untouched, the time fed to every call', async () => {
        const { result, first, slots, final, conds } = await observedFill(model);
        const { maskId } = model.spec;
        assert.equal(result.candidates.length, 1);
        assert.equal(result.candidates[0].fills.length, 1);
        const [fill] = result.candidates[0].fills;
        assert.ok(fill.tokens <= OPTIONS.maxTokens && fill.confidence >= 0 && fill.confidence <= 1);
        assert.equal(slots.size, OPTIONS.maxTokens, 'the first call asks about every hole slot');
        assert.ok(!final.includes(maskId), 'no mask id left');
        for (let p = 0; p < first.length; p++) {
          if (!slots.has(p)) assert.equal(final[p], first.tokens[p], `context position ${p} changed`);
        }
        if (graph === 'uniform') assert.ok(!first.tokens.includes(maskId), 'a uniform-graph canvas never holds the mask id');
        assert.equal(conds.length, result.nfe);
        assert.ok(conds.every((c) => Number.isFinite(c) && c >= 0), `cond values ${conds.join(', ')}`);
        assert.ok(result.steps <= 32, `${result.steps} steps: the time-conditioned budget`);
      });

      it('fills the same way for the same seed', async () => {
        const [a, b] = [await observedFill(model), await observedFill(model)];
        assert.deepEqual(b.result.candidates, a.result.candidates);
        assert.deepEqual(b.final, a.final);
      });
    });
  }
});
