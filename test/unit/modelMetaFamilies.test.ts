import * as assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { ModelLoadError } from '../../src/core/errors';
import { inspectModelFolder } from '../../src/model/folder/modelFolder';
import { testVocabSize, writeTestModelFolder } from './helpers/onnxTestModel';

const repoRoot = path.resolve(__dirname, '../../..');
const v = testVocabSize;

/** meta.json fields of a time-conditioned model (cond input named 'cond'). */
const conditioned = (condKind: string): Record<string, unknown> => ({
  cond_kind: condKind,
  inputs: { input_ids: 'input_ids', positions: 'positions', cond: 'cond' },
});

/** One meta.json patch per row of the contract's table, as the trainer writes them. */
const families: Record<string, Record<string, unknown>> = {
  'mdlm cosine': { schedule: { type: 'cosine', eps: 0.001 } },
  'mdlm sigma': { ...conditioned('sigma') },
  'md4 linear': { family: 'md4', ...conditioned('t_x1000'), schedule: { type: 'linear', eps: 1e-4 } },
  'md4 md4_cosine': { family: 'md4', ...conditioned('t_x1000'), schedule: { type: 'md4_cosine', eps: 1e-4 } },
  'md4 poly': { family: 'md4', ...conditioned('t_x1000'), schedule: { type: 'poly', eps: 1e-4, exponent: 3 } },
  genmd4: { family: 'md4', ...conditioned('t_x1000'), schedule: { type: 'genmd4', eps: 1e-4, token_exponents: Array.from({ length: v }, (_, i) => 0.5 + i / v) } },
  'sedd absorb': { family: 'sedd', output_kind: 'log_score', ...conditioned('sigma') },
  'sedd uniform': { family: 'sedd', graph: 'uniform', output_kind: 'log_score', ...conditioned('sigma'), schedule: { type: 'geometric', sigma_min: 1e-4, sigma_max: 20 } },
  'sedd uniform loglinear': { family: 'sedd', graph: 'uniform', output_kind: 'log_score', ...conditioned('sigma') },
  'cedd absorb': { family: 'cedd', ...conditioned('sigma') },
  'cedd uniform': { family: 'cedd', graph: 'uniform', ...conditioned('sigma') },
  'cedd uniform geometric': { family: 'cedd', graph: 'uniform', ...conditioned('sigma'), schedule: { type: 'geometric', sigma_min: 1e-4, sigma_max: 20 } },
  'cedd roulette': { family: 'cedd', graph: 'roulette', ...conditioned('sigma'), p_m: 0.95 },
  rdlm: {
    family: 'rdlm',
    graph: 'sphere',
    cond_kind: 't',
    schedule: { type: 'geometric_bridge', beta_0: 1e-3, beta_f: 0.2, step_thr: 0.38, end_eps: 1e-5 },
    sphere: { base: 2, digits: Math.ceil(Math.log2(v)), mask_coordinate: true },
    inputs: { input_vec: 'input_vec', positions: 'positions', cond: 'cond' },
  },
};
const rdlm = families.rdlm!;

describe('meta.json of every family (the families contract)', () => {
  let root: string;
  let count = 0;
  const folder = (meta: Record<string, unknown>): string => writeTestModelFolder(path.join(root, `model-${count++}`), { meta });

  const expectError = async (meta: Record<string, unknown>, reason: RegExp): Promise<void> => {
    const dir = folder(meta);
    await assert.rejects(inspectModelFolder(dir), (e: unknown) => {
      assert.ok(e instanceof ModelLoadError, `expected a ModelLoadError, got ${String(e)}`);
      assert.equal(e.file, path.join(dir, 'meta.json'));
      assert.match(e.reason, reason);
      return true;
    });
  };

  before(() => {
    root = mkdtempSync(path.join(tmpdir(), 'diffuse-families-'));
  });
  after(() => rmSync(root, { recursive: true, force: true }));

  for (const [name, meta] of Object.entries(families)) {
    it(`accepts ${name}`, async () => {
      const { spec } = await inspectModelFolder(folder(meta));
      assert.equal(spec.family, meta.family ?? 'mdlm');
      assert.equal(spec.graph, meta.graph ?? 'absorb');
    });
  }

  it('passes each schedule type its own fields, and p_m on roulette only', async () => {
    const spec = async (name: string) => (await inspectModelFolder(folder(families[name]))).spec;
    assert.deepEqual((await spec('md4 poly')).schedule, { type: 'poly', eps: 1e-4, exponent: 3 });
    const tokenExponents = (families.genmd4.schedule as { token_exponents: number[] }).token_exponents;
    assert.deepEqual((await spec('genmd4')).schedule, { type: 'genmd4', eps: 1e-4, tokenExponents });
    assert.deepEqual((await spec('sedd uniform')).schedule, { type: 'geometric', sigmaMin: 1e-4, sigmaMax: 20 });
    assert.deepEqual((await spec('md4 linear')).schedule, { type: 'linear', eps: 1e-4 });
    const sphere = await spec('rdlm');
    assert.deepEqual(sphere.schedule, { type: 'geometric_bridge', beta0: 1e-3, betaF: 0.2, stepThr: 0.38, endEps: 1e-5 });
    assert.deepEqual(sphere.sphere, { base: 2, digits: Math.ceil(Math.log2(v)) });
    assert.ok(!('sphere' in (await spec('cedd roulette'))), 'no sphere key off the sphere graph');
    const roulette = await spec('cedd roulette');
    assert.equal(roulette.pM, 0.95);
    assert.ok(!('pM' in (await spec('cedd uniform'))), 'no pM key off the roulette graph');
  });

  it('accepts p_m null off the roulette graph', async () => {
    const { spec } = await inspectModelFolder(folder({ ...families['cedd absorb'], p_m: null }));
    assert.ok(!('pM' in spec));
  });

  for (const name of ['diffuse-small', 'tiny-model']) {
    const dir = name === 'tiny-model' ? path.join(repoRoot, 'test', 'fixtures', name) : path.join(repoRoot, 'models', name);
    it(`still accepts the existing ${name} meta (MDLM, loglinear, no cond)`, async () => {
      const { spec } = await inspectModelFolder(dir);
      assert.deepEqual([spec.family, spec.graph, spec.outputKind, spec.condKind, spec.schedule], ['mdlm', 'absorb', 'x0_logits', 'none', { type: 'loglinear', eps: 0.001 }]);
      assert.ok(!('pM' in spec));
    });
  }

  const md4 = families['md4 linear'];
  const cases: Array<[string, Record<string, unknown>, RegExp]> = [
    // Schedules: each type's own fields.
    ['a loglinear eps of 0 (σ(1) infinite)', { ...families['cedd absorb'], schedule: { type: 'loglinear', eps: 0 } }, /'schedule\.eps' must be a number in \(0, 1\), got 0/],
    ['an MD4 eps of 1/2 (α_t no longer falls)', { ...md4, schedule: { type: 'linear', eps: 0.5 } }, /'schedule\.eps' must be a number in \(0, 0\.5\), got 0\.5/],
    ['a poly schedule without exponent', { ...md4, schedule: { type: 'poly', eps: 1e-4 } }, /missing field 'schedule\.exponent' \(a finite number > 0\)/],
    ['a poly exponent of 0', { ...md4, schedule: { type: 'poly', eps: 1e-4, exponent: 0 } }, /'schedule\.exponent' must be a finite number > 0, got 0/],
    ['a negative poly exponent', { ...md4, schedule: { type: 'poly', eps: 1e-4, exponent: -2 } }, /'schedule\.exponent' must be a finite number > 0, got -2/],
    ['an md4 schedule without eps', { ...md4, schedule: { type: 'linear' } }, /missing field 'schedule\.eps'/],
    ['genmd4 without token_exponents', { ...md4, schedule: { type: 'genmd4', eps: 1e-4 } }, new RegExp(`missing field 'schedule\\.token_exponents' \\(an array of ${v} numbers, each a finite number > 0\\)`)],
    ['token_exponents of the wrong length', { ...md4, schedule: { type: 'genmd4', eps: 1e-4, token_exponents: [1, 2, 3] } }, new RegExp(`'schedule\\.token_exponents' must be an array of ${v} numbers.*got \\[1,2,3\\]`)],
    ['a zero token exponent', { ...md4, schedule: { type: 'genmd4', eps: 1e-4, token_exponents: Array.from({ length: v }, (_, i) => (i === 7 ? 0 : 1)) } }, /'schedule\.token_exponents\[7\]' must be a finite number > 0, got 0/],
    ['a string token exponent', { ...md4, schedule: { type: 'genmd4', eps: 1e-4, token_exponents: Array.from({ length: v }, (_, i) => (i === 3 ? '1' : 1)) } }, /'schedule\.token_exponents\[3\]' must be a finite number > 0, got "1"/],
    ['a geometric schedule without sigma_max', { ...families['sedd uniform'], schedule: { type: 'geometric', sigma_min: 1e-4 } }, /missing field 'schedule\.sigma_max' \(a finite number > 0\)/],
    ['a sigma_min of 0', { ...families['sedd uniform'], schedule: { type: 'geometric', sigma_min: 0, sigma_max: 20 } }, /'schedule\.sigma_min' must be a finite number > 0, got 0/],
    ['sigma_min not below sigma_max', { ...families['sedd uniform'], schedule: { type: 'geometric', sigma_min: 20, sigma_max: 20 } }, /'schedule\.sigma_max' is 20: sigma_max must exceed sigma_min \(20\)/],
    // p_m.
    ['a roulette graph without p_m', { ...families['cedd roulette'], p_m: undefined }, /missing field 'p_m' \(a number in \(0, 1\)\)/],
    ['a null p_m on roulette', { ...families['cedd roulette'], p_m: null }, /'p_m' must be a number in \(0, 1\), got null/],
    ['a p_m of 1', { ...families['cedd roulette'], p_m: 1 }, /'p_m' must be a number in \(0, 1\), got 1/],
    ['a p_m of 0', { ...families['cedd roulette'], p_m: 0 }, /'p_m' must be a number in \(0, 1\), got 0/],
    ['a p_m off the roulette graph', { ...families['cedd uniform'], p_m: 0.9 }, /'p_m' is 0\.9: p_m belongs to the roulette graph only \(graph is uniform\)/],
    // Combinations outside the table.
    ['mdlm on the sphere graph', { graph: 'sphere' }, /'graph' is "sphere": mdlm runs on graph absorb/],
    ['rdlm on the absorb graph', { family: 'rdlm', ...conditioned('t') }, /'graph' is "absorb": rdlm runs on graph sphere/],
    // The sphere graph (RDLM).
    ['rdlm without its layout', { ...rdlm, sphere: undefined }, /missing field 'sphere' \(an object\)/],
    ['too few digits', { ...rdlm, sphere: { base: 2, digits: 3, mask_coordinate: true } }, /'sphere\.digits' is 3: 3 base-2 digits cannot spell vocab_size/],
    ['a base of 1', { ...rdlm, sphere: { base: 1, digits: 40, mask_coordinate: true } }, /'sphere\.base' must be an integer in \[2, 65536\], got 1/],
    ['no mask coordinate', { ...rdlm, sphere: { base: 2, digits: 12, mask_coordinate: false } }, /'sphere\.mask_coordinate' must be true, got false/],
    ['a layout off the sphere graph', { sphere: { base: 2, digits: 12, mask_coordinate: true } }, /'sphere' is .*: the sphere layout belongs to the sphere graph only \(graph is absorb\)/],
    ['rdlm reading input_ids', { ...rdlm, inputs: { input_ids: 'input_ids', positions: 'positions', cond: 'cond' } }, /missing field 'inputs\.input_vec'/],
    ['rdlm with both inputs', { ...rdlm, inputs: { input_ids: 'x', input_vec: 'input_vec', positions: 'positions', cond: 'cond' } }, /'inputs\.input_ids' is "x": the sphere graph's network reads 'input_vec'/],
    ['an absorb model reading input_vec', { inputs: { input_ids: 'input_ids', input_vec: 'v', positions: 'positions', cond: null } }, /'inputs\.input_vec' is "v": the absorb graph's network reads 'input_ids'/],
    ['beta_f not above beta_0', { ...rdlm, schedule: { ...(rdlm.schedule as object), beta_f: 1e-3 } }, /'schedule\.beta_f' is 0\.001: beta_f must exceed beta_0/],
    ['a negative step_thr', { ...rdlm, schedule: { ...(rdlm.schedule as object), step_thr: -0.1 } }, /'schedule\.step_thr' is -0\.1: step_thr must be in \[0, 1\)/],
    ['no end_eps', { ...rdlm, schedule: { ...(rdlm.schedule as object), end_eps: undefined } }, /missing field 'schedule\.end_eps'/],
    ['a context cache on the sphere graph', { ...rdlm, context_cache: { layers: 2 } }, /'context_cache' is .*: the context cache takes token ids; the sphere graph reads a continuous state/],
    ['rdlm conditioned on sigma', { ...rdlm, cond_kind: 'sigma' }, /'cond_kind' is "sigma": rdlm needs cond_kind t/],
    ['cedd with the bridge schedule', { ...families['cedd absorb'], schedule: rdlm.schedule }, /'schedule\.type' is "geometric_bridge": cedd on graph absorb needs schedule loglinear/],
    ['sedd with x0 logits', { ...families['sedd absorb'], output_kind: 'x0_logits' }, /'output_kind' is "x0_logits": sedd needs output_kind log_score/],
    ['mdlm with a log score', { output_kind: 'log_score' }, /'output_kind' is "log_score": mdlm needs output_kind x0_logits/],
    ['mdlm on the uniform graph', { graph: 'uniform' }, /'graph' is "uniform": mdlm runs on graph absorb/],
    ['sedd on the roulette graph', { ...families['sedd absorb'], graph: 'roulette', p_m: 0.9 }, /'graph' is "roulette": sedd runs on graph absorb or uniform/],
    ['md4 without time conditioning', { ...md4, cond_kind: 'none', inputs: { input_ids: 'input_ids', positions: 'positions', cond: null } }, /'cond_kind' is "none": md4 needs cond_kind t_x1000/],
    ['cedd conditioned on t', { ...families['cedd absorb'], cond_kind: 't_x1000' }, /'cond_kind' is "t_x1000": cedd needs cond_kind sigma/],
    ['mdlm conditioned on t', conditioned('t'), /'cond_kind' is "t": mdlm needs cond_kind none or sigma/],
    ['md4 with a loglinear schedule', { ...md4, schedule: { type: 'loglinear', eps: 1e-3 } }, /'schedule\.type' is "loglinear": md4 on graph absorb needs schedule linear or md4_cosine or poly or genmd4/],
    ['mdlm with an md4 schedule', { schedule: { type: 'md4_cosine', eps: 1e-4 } }, /'schedule\.type' is "md4_cosine": mdlm on graph absorb needs schedule loglinear or cosine/],
    ['sedd absorb with a geometric schedule', { ...families['sedd absorb'], schedule: { type: 'geometric', sigma_min: 1e-4, sigma_max: 20 } }, /'schedule\.type' is "geometric": sedd on graph absorb needs schedule loglinear/],
    ['cedd roulette with a geometric schedule', { ...families['cedd roulette'], schedule: { type: 'geometric', sigma_min: 1e-4, sigma_max: 20 } }, /'schedule\.type' is "geometric": cedd on graph roulette needs schedule loglinear/],
  ];
  for (const [what, meta, reason] of cases) {
    it(`names ${what}`, async () => expectError(meta, reason));
  }
});
