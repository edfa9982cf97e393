import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as vscode from 'vscode';
import type { DiffuseApi } from '../../../src/providers/api';
import { configure, copyFixture, fixtureModel, openEditor, useFixture, waitFor, withRelativeWorkspaceModel } from './helpers';

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

  it('"Diffuse fill" while a model loads: the selections it ran on, nothing proposed once typed into; ready() waits for the newest load', async () => {
    const endless = path.join(path.dirname(fixtureModel()), 'endless-loop-model');
    const newest = copyFixture('tiny-model-newest');
    const editor = await openEditor('alpha = SELECTED\n');
    editor.selection = new vscode.Selection(0, 8, 0, 16);
    // its warm-up never ends: the load stays under way until a newer choice aborts it
    const stuck = vscode.commands.executeCommand<boolean>('diffuse.pickModel', endless);
    await waitFor(() => diffuse.modelState().kind === 'loading', 'the endless model to start loading');
    const readyWith = diffuse.ready().then(() => diffuse.modelName());
    const filling = vscode.commands.executeCommand<boolean>('diffuse.fill');
    await new Promise((resolve) => setTimeout(resolve, 100));
    await editor.edit((builder) => builder.insert(new vscode.Position(1, 0), 'typed while loading\n'));
    assert.equal(await vscode.commands.executeCommand('diffuse.pickModel', newest), true);
    assert.equal(await stuck, false);
    assert.equal(await readyWith, 'tiny-model-newest', 'ready() settled with the load a newer one replaced');
    assert.equal(await filling, false, 'a fill of a document typed into while its model loaded was proposed');
    assert.equal(diffuse.fillPreview(), undefined);
    assert.equal(editor.document.getText(), 'alpha = SELECTED\ntyped while loading\n');
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

  it('the model picker keeps a workspace\'s diffuse.model where it names the choice, else writes it relative to the folder', async () => {
    const workspace = vscode.workspace.workspaceFolders?.[0]?.uri.fsPath;
    assert.ok(workspace, 'the suite runs in a folder');
    await withRelativeWorkspaceModel(diffuse, workspace, async (models) => {
      assert.equal(await vscode.commands.executeCommand('diffuse.pickModel', path.join(models, 'team-model')), true);
      assert.equal(vscode.workspace.getConfiguration('diffuse').inspect('model')?.workspaceValue, './models/team-model', 'the shared settings got a path of this machine');
    });
  });
});
