import * as assert from 'node:assert/strict';
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { findModels, modelKind, modelSetting, resolveModel, workspaceModelSetting } from '../../src/model';
import { packageRoot } from '../../src/model/folder/registry';

const repoRoot = path.resolve(__dirname, '../../..');

describe('model registry', () => {
  let root: string;
  before(() => {
    root = mkdtempSync(path.join(tmpdir(), 'diffuse-registry-'));
  });
  after(() => rmSync(root, { recursive: true, force: true }));

  const modelDirWith = (meta: string, ...parts: string[]): string => {
    const dir = path.join(root, ...parts);
    mkdirSync(dir, { recursive: true });
    writeFileSync(path.join(dir, 'meta.json'), meta);
    return dir;
  };
  const modelDir = (...parts: string[]): string => modelDirWith('{}', ...parts);

  it('finds the package root from both build layouts (out/src/model/folder and dist)', () => {
    assert.equal(packageRoot(), repoRoot);
    assert.equal(packageRoot(path.join(repoRoot, 'dist')), repoRoot);
    assert.equal(packageRoot(path.join(repoRoot, 'out', 'src', 'model', 'folder')), repoRoot);
  });

  it('lists model folders under user folders, and a folder that is itself a model', async () => {
    const b = modelDir('collection', 'b-model');
    const a = modelDir('collection', 'a-model');
    mkdirSync(path.join(root, 'collection', 'not-a-model'));
    const single = modelDir('single');
    const found = (await findModels([path.join(root, 'collection'), single, path.join(root, 'missing')]))
      .filter((m) => m.source === 'folder');
    const unknownKind = { family: undefined, graph: undefined };
    assert.deepEqual(found, [
      { name: 'a-model', dir: a, source: 'folder', ...unknownKind },
      { name: 'b-model', dir: b, source: 'folder', ...unknownKind },
      { name: 'single', dir: single, source: 'folder', ...unknownKind },
    ]);
  });

  it('resolves a relative entry against the base the caller gives (the settings\' folder), not the working directory', async () => {
    const a = modelDir('base', 'shared', 'a-model');
    const single = modelDir('base', 'single');
    const base = path.join(root, 'base');
    const found = (await findModels(['shared', './single', '../base/shared'], base)).filter((m) => m.source === 'folder');
    assert.deepEqual(found.map((m) => m.dir), [a, single]);
  });

  it('describes each model by the family and graph its meta.json names, and lists a folder once', async () => {
    const roulette = modelDirWith(JSON.stringify({ family: 'cedd', graph: 'roulette' }), 'kinds', 'cedd-roulette');
    const md4 = modelDirWith(JSON.stringify({ family: 'md4', graph: 'absorb' }), 'kinds', 'md4');
    const broken = modelDirWith('{"family": ', 'kinds', 'z-broken');
    const found = (await findModels([path.join(root, 'kinds'), md4])).filter((m) => m.source === 'folder');
    assert.deepEqual(found.map((m) => [m.dir, m.family, m.graph, modelKind(m)]), [
      [roulette, 'cedd', 'roulette', 'cedd/roulette'],
      [md4, 'md4', 'absorb', 'md4/absorb'],
      [broken, undefined, undefined, undefined],
    ]);
  });

  it('lists every family fixture under one models folder, with its family/graph', async () => {
    const found = (await findModels([path.join(repoRoot, 'test', 'fixtures', 'families')])).filter((m) => m.source === 'folder');
    assert.deepEqual(found.map((m) => `${m.name}: ${modelKind(m)}`), [
      'cedd-absorb: cedd/absorb',
      'cedd-roulette: cedd/roulette',
      'cedd-uniform: cedd/uniform',
      'genmd4: md4/absorb',
      'md4-linear: md4/absorb',
      'rdlm: rdlm/sphere',
      'sedd-absorb: sedd/absorb',
      'sedd-uniform: sedd/uniform',
    ]);
  });

  it('lists a bundled model once when a model folder names it too', async () => {
    const bundled = (await findModels([])).filter((m) => m.source === 'bundled');
    const again = await findModels(bundled.map((m) => m.dir));
    assert.deepEqual(again.map((m) => m.source), bundled.map(() => 'bundled'));
  });

  it('lists the bundled models/* as bundled', async () => {
    const bundled = (await findModels([])).filter((m) => m.source === 'bundled');
    for (const entry of bundled) {
      assert.equal(path.dirname(entry.dir), path.join(repoRoot, 'models'));
      assert.ok(existsSync(path.join(entry.dir, 'meta.json')));
    }
  });

  it('keeps a bundled model in the setting by name (an update deletes its install folder), any other by folder', async () => {
    const single = modelDirWith('{}', 'setting', 'elsewhere');
    const listed = await findModels([single]);
    assert.deepEqual(listed.map(modelSetting), [...listed.filter((m) => m.source === 'bundled').map((m) => m.name), single]);
    assert.ok(listed.some((m) => m.source === 'bundled' && modelSetting(m) === 'diffuse-small'));
    for (const entry of listed) assert.equal(resolveModel(modelSetting(entry)), entry.dir, 'the setting names the folder listed');
  });

  it('names a model folder in a workspace\'s settings relative to the workspace where it lies inside it', () => {
    const base = path.join(root, 'ws');
    for (const [dir, setting] of [
      [path.join(base, 'models', 'team'), './models/team'],
      [base, '.'],
      [path.join(base, '..cache', 'm'), './..cache/m'],
      [path.join(root, 'elsewhere', 'm'), path.join(root, 'elsewhere', 'm')],
    ]) {
      assert.equal(workspaceModelSetting(dir, base), setting);
      assert.equal(resolveModel(setting, base), dir, 'read back as the folder');
    }
  });

  it('resolves a path to itself and a name to models/<name>', () => {
    assert.equal(resolveModel(root), root);
    assert.equal(resolveModel('./some/dir'), path.resolve('some/dir'));
    assert.equal(resolveModel('diffuse-small'), path.join(repoRoot, 'models', 'diffuse-small'));
  });

  it('resolves no choice to the bundled default, which ships in models/ (never to a test fixture)', () => {
    const resolved = resolveModel(undefined);
    assert.equal(resolved, path.join(repoRoot, 'models', 'diffuse-small'));
    assert.ok(existsSync(path.join(resolved, 'meta.json')), `${resolved} has no meta.json`);
  });
});
