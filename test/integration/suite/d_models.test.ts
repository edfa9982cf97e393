import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as vscode from 'vscode';
import type { DiffuseApi } from '../../../src/providers/api';
import { automatic, complete, configure, copyFixture, fixtureModel, openEditor, useFixture } from './helpers';

describe('model picker', () => {
  let diffuse: DiffuseApi;

  before(async () => {
    diffuse = await useFixture();
  });

  after(async () => {
    await vscode.commands.executeCommand('diffuse.pickModel', fixtureModel());
  });

  it('switches models when given a folder', async () => {
    const other = copyFixture('tiny-model-copy');
    assert.equal(await vscode.commands.executeCommand('diffuse.pickModel', other), true);
    assert.equal(diffuse.modelName(), 'tiny-model-copy');
    assert.equal(diffuse.modelState().kind, 'ready');
    assert.equal(vscode.workspace.getConfiguration('diffuse').get('model'), other);
    assert.equal(await vscode.commands.executeCommand('diffuse.pickModel', fixtureModel()), true);
    assert.equal(diffuse.modelName(), 'tiny-model');
  });

  it('reports a corrupt model folder as an error, keeps the previous model and the text', async () => {
    const content = 'keep = "this text"\n';
    const editor = await openEditor(content);
    const corrupt = copyFixture('broken-model', (dir) => {
      const onnx = path.join(dir, 'model.onnx');
      fs.writeFileSync(onnx, fs.readFileSync(onnx).subarray(0, 100));
    });
    assert.equal(await vscode.commands.executeCommand('diffuse.pickModel', corrupt), false);
    const state = diffuse.modelState();
    assert.equal(state.kind, 'error');
    assert.match(state.message ?? '', /model\.onnx/);
    assert.equal(diffuse.modelName(), 'tiny-model');
    assert.equal(editor.document.getText(), content);
    assert.notEqual(vscode.workspace.getConfiguration('diffuse').get('model'), corrupt);
    // The previous model still serves.
    const items = await complete(diffuse, editor, new vscode.Position(1, 0), automatic);
    assert.ok(Array.isArray(items));
  });

  it('lists the models of diffuse.modelFolders, a relative entry read from the workspace folder, each once, and no folder without meta.json', async () => {
    const workspace = vscode.workspace.workspaceFolders?.[0]?.uri.fsPath;
    assert.ok(workspace, 'the suite runs in a folder');
    const collection = path.join(workspace, 'team-models');
    for (const name of ['b-model', 'a-model']) fs.cpSync(copyFixture(name), path.join(collection, name), { recursive: true });
    fs.mkdirSync(path.join(collection, 'notes'));
    fs.writeFileSync(path.join(collection, 'README.md'), 'not a model\n');
    // the quick pick's items, read where the extension shows them (the extension and this suite share one `vscode` API object)
    const showQuickPick = vscode.window.showQuickPick;
    let items: readonly vscode.QuickPickItem[] = [];
    vscode.window.showQuickPick = (async (shown: readonly vscode.QuickPickItem[]) => {
      items = shown;
      return undefined;
    }) as unknown as typeof vscode.window.showQuickPick;
    try {
      await configure({ modelFolders: ['./team-models', path.join(collection, 'a-model'), fixtureModel(), path.join(workspace, 'missing')] });
      assert.equal(await vscode.commands.executeCommand('diffuse.pickModel'), false, 'dismissed: nothing loaded');
    } finally {
      vscode.window.showQuickPick = showQuickPick;
      await configure({ modelFolders: undefined });
      fs.rmSync(collection, { recursive: true, force: true });
    }
    const models = items.filter((item) => item.kind !== vscode.QuickPickItemKind.Separator && !item.label.includes('Browse'));
    assert.ok(models.some((item) => item.description?.endsWith(' · bundled')), 'the bundled models are listed');
    const found = models.filter((item) => !item.description?.endsWith(' · bundled'));
    // the user's relative entry resolves against the (first) workspace folder; a folder named twice, or
    // the active model's, is listed once; a subfolder without meta.json, a file and a missing entry are not
    assert.deepEqual(found.map((item) => [item.label, item.description]), [
      ['a-model', `mdlm/absorb · ${path.join(collection, 'a-model')}`],
      ['b-model', `mdlm/absorb · ${path.join(collection, 'b-model')}`],
      ['$(check) tiny-model', `mdlm/absorb · ${fixtureModel()}`],
    ]);
    assert.equal(diffuse.modelName(), 'tiny-model');
  });

  // The per-family fixtures sit beside the tiny model (test/fixtures/families/<name>).
  for (const name of ['cedd-roulette', 'sedd-uniform', 'genmd4', 'rdlm']) {
    it(`switches to the ${name} fixture and fills with it`, async () => {
      const dir = path.join(path.dirname(fixtureModel()), 'families', name);
      assert.equal(await vscode.commands.executeCommand('diffuse.pickModel', dir), true);
      assert.equal(diffuse.modelName(), name);
      const editor = await openEditor('def add(a, b):\n    return \n');
      const items = await complete(diffuse, editor, new vscode.Position(1, 11), automatic);
      assert.ok(Array.isArray(items));
      const last = diffuse.lastFill();
      assert.ok(last && !last.cancelled && last.nfe > 0, `the ${name} model ran: ${JSON.stringify(last)}`);
      // the uniform graph has nothing masked to reveal by confidence, and RDLM's walk moves every
      // hole digit at every step: both run the 'random' strategy
      if (name === 'sedd-uniform' || name === 'rdlm') assert.deepEqual([last.options?.strategy, last.options?.threshold], ['random', undefined]);
    });
  }
});
