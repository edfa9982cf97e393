import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as vscode from 'vscode';
import type { DiffuseApi } from '../../../src/providers/api';
import { configure, copyFixture, fixtureModel, openEditor, useFixture, waitFor } from './helpers';

describe('robustness in the editor', () => {
  let diffuse: DiffuseApi;

  before(async () => {
    diffuse = await useFixture();
  });

  after(async () => {
    await configure({ threshold: undefined, maxHoleTokens: undefined, steps: undefined });
    await vscode.commands.executeCommand('diffuse.pickModel', fixtureModel());
  });

  it('switching the model during a fill cancels the fill quietly', async () => {
    // The bundled model, one token per step in a block's 64 slots (a line opening a bracket: a line's
    // hole would end after a few calls): a fill of seconds, still running when the fixture has loaded.
    assert.equal(await vscode.commands.executeCommand('diffuse.pickModel', 'diffuse-small'), true);
    const editor = await openEditor('value = (\n');
    editor.selection = new vscode.Selection(0, 9, 0, 9);
    await configure({ threshold: 0, maxHoleTokens: 64, steps: 64 });
    const running = vscode.commands.executeCommand<boolean>('diffuse.fill');
    await waitFor(() => diffuse.activity().kind === 'filling', 'the fill to start');
    assert.equal(await vscode.commands.executeCommand('diffuse.pickModel', fixtureModel()), true);
    assert.equal(await running, false);
    assert.equal(diffuse.lastFill()?.cancelled, true, 'ended as a cancel, not a failure');
    assert.equal(editor.document.getText(), 'value = (\n');
    assert.equal(diffuse.modelState().kind, 'ready');
  });

  it('a relative diffuse.model resolves against the workspace folder', async () => {
    const workspace = vscode.workspace.workspaceFolders?.[0]?.uri.fsPath;
    assert.ok(workspace, 'the suite runs in a folder');
    const target = path.join(workspace, 'models', 'relative-model');
    fs.cpSync(copyFixture('relative-model'), target, { recursive: true });
    try {
      await configure({ model: path.join('models', 'relative-model') });
      await waitFor(() => diffuse.modelName() === 'relative-model' && diffuse.modelState().kind === 'ready', 'the relative model to load');
    } finally {
      await configure({ model: fixtureModel() });
      await waitFor(() => diffuse.modelName() === 'tiny-model', 'the fixture model again');
      fs.rmSync(path.join(workspace, 'models'), { recursive: true, force: true });
    }
  });
});
