import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as vscode from 'vscode';
import type { DiffuseApi } from '../../../src/providers/api';
import { automatic, complete, copyFixture, fixtureModel, openEditor, useFixture } from './helpers';

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
