import * as assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { ModelLoadError } from '../../src/core/errors';
import { parseMeta } from '../../src/model/folder/meta';
import { byteLevelTokenizerJson, testMeta, testVocabSize } from './helpers/onnxTestModel';

const repoRoot = path.resolve(__dirname, '../../..');

/** A row of the families contract: meta.json's family fields (schedule: its type). */
interface ContractRow {
  family: string;
  graph: string;
  output_kind: string;
  cond_kind: string;
  schedule: string;
}

/**
 * The rows training produces, written once by training/diffuse/families.py (make_fixture.py
 * --only=contract; a pytest holds the file to the Python table).
 */
const trained: ContractRow[] = JSON.parse(readFileSync(path.join(repoRoot, 'test', 'fixtures', 'families', 'contract.json'), 'utf8'));

/** What the loader accepts beyond them: older MDLM meta.json (cosine schedule, sigma conditioning) stays valid (docs/model-contract.md). */
const olderMdlm: ContractRow[] = [
  { family: 'mdlm', graph: 'absorb', output_kind: 'x0_logits', cond_kind: 'none', schedule: 'cosine' },
  { family: 'mdlm', graph: 'absorb', output_kind: 'x0_logits', cond_kind: 'sigma', schedule: 'loglinear' },
  { family: 'mdlm', graph: 'absorb', output_kind: 'x0_logits', cond_kind: 'sigma', schedule: 'cosine' },
];

const v = testVocabSize;
/** A schedule type's own fields, as the trainer writes them. */
const scheduleFields: Record<string, Record<string, unknown>> = {
  loglinear: { eps: 1e-3 },
  cosine: { eps: 1e-3 },
  linear: { eps: 1e-4 },
  md4_cosine: { eps: 1e-4 },
  poly: { eps: 1e-4, exponent: 2 },
  genmd4: { eps: 1e-4, token_exponents: Array.from({ length: v }, () => 1) },
  geometric: { sigma_min: 1e-4, sigma_max: 20 },
  geometric_bridge: { beta_0: 1e-3, beta_f: 0.2, step_thr: 0.38, end_eps: 1e-5 },
};

/** A meta.json of `row`, with the fields its graph and conditioning call for. */
function metaOf(row: ContractRow): string {
  const sphere = row.graph === 'sphere';
  return JSON.stringify(testMeta(byteLevelTokenizerJson(), {
    family: row.family,
    graph: row.graph,
    output_kind: row.output_kind,
    cond_kind: row.cond_kind,
    schedule: { type: row.schedule, ...scheduleFields[row.schedule] },
    ...(row.graph === 'roulette' ? { p_m: 0.95 } : {}),
    ...(sphere ? { sphere: { base: 2, digits: Math.ceil(Math.log2(v)), mask_coordinate: true } } : {}),
    inputs: { [sphere ? 'input_vec' : 'input_ids']: sphere ? 'input_vec' : 'input_ids', positions: 'positions', cond: row.cond_kind === 'none' ? null : 'cond' },
  }));
}

function accepts(row: ContractRow): boolean {
  try {
    parseMeta('meta.json', metaOf(row));
    return true;
  } catch (error) {
    if (error instanceof ModelLoadError) return false;
    throw error;
  }
}

const key = (row: ContractRow): string => [row.family, row.graph, row.output_kind, row.cond_kind, row.schedule].join(' ');

describe("the families contract: src/model/folder/meta.ts against training's table", () => {
  it('reads a table of every family', () => {
    assert.deepEqual([...new Set(trained.map((row) => row.family))].sort(), ['cedd', 'md4', 'mdlm', 'rdlm', 'sedd']);
  });

  for (const row of trained) {
    it(`loads what training writes: ${key(row)}`, () => {
      assert.ok(accepts(row), metaOf(row));
    });
  }

  it('accepts nothing else but the older MDLM variants', () => {
    const values = (field: keyof ContractRow): string[] => [...new Set([...trained, ...olderMdlm].map((row) => row[field]))];
    const accepted: string[] = [];
    for (const family of values('family')) {
      for (const graph of values('graph')) {
        for (const output_kind of values('output_kind')) {
          for (const cond_kind of values('cond_kind')) {
            for (const schedule of values('schedule')) {
              const row = { family, graph, output_kind, cond_kind, schedule };
              if (accepts(row)) accepted.push(key(row));
            }
          }
        }
      }
    }
    assert.deepEqual(accepted.sort(), [...trained, ...olderMdlm].map(key).sort());
  });
});
