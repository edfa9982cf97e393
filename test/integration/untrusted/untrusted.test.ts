import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as vscode from 'vscode';
import { api, automatic, complete, configure, copyFixture, fixtureModel, openEditor, waitFor } from '../suite/helpers';

/**
 * A workspace the user has not trusted (the runner turns workspace trust on for this suite): it may
 * not choose the model, because a cloned repository must not make the extension load a file of its
 * choosing; completions still work on the user's own model.
 */
describe('an untrusted workspace', () => {
  const workspace = (): string => {
    const folder = vscode.workspace.workspaceFolders?.[0]?.uri.fsPath;
    assert.ok(folder, 'the suite runs in a folder');
    return folder;
  };

  before(async () => {
    assert.equal(vscode.workspace.isTrusted, false, 'the runner opened the folder untrusted');
    await configure({ model: fixtureModel(), temperature: 0, minConfidence: 0, trigger: 'automatic', executionProvider: 'cpu' });
  });

  it("ignores the workspace's diffuse.model and diffuse.modelFolders and keeps the user's model", async () => {
    const diffuse = await api();
    await waitFor(() => diffuse.modelName() === 'tiny-model' && diffuse.modelState().kind === 'ready', "the user's model to load");
    const planted = path.join(workspace(), 'planted-model');
    fs.cpSync(copyFixture('planted-model'), planted, { recursive: true });
    const settings = path.join(workspace(), '.vscode', 'settings.json');
    const before = JSON.parse(fs.readFileSync(settings, 'utf8')) as Record<string, unknown>;
    // diffuse.steps, a setting a workspace may choose, shows when VS Code has read the file.
    fs.writeFileSync(settings, JSON.stringify({ ...before, 'diffuse.model': planted, 'diffuse.modelFolders': [workspace()], 'diffuse.steps': 7 }, null, 2));
    await waitFor(() => vscode.workspace.getConfiguration('diffuse').get('steps') === 7, 'VS Code to read the workspace settings');
    await new Promise((resolve) => setTimeout(resolve, 1000));
    // ... and the model the user chose still serves.
    assert.equal(diffuse.modelName(), 'tiny-model');
    assert.equal(diffuse.modelState().kind, 'ready');
    const editor = await openEditor('def add(a, b):\n    return \n');
    const items = await complete(diffuse, editor, new vscode.Position(1, 11), automatic);
    assert.ok(Array.isArray(items));
    assert.ok(diffuse.lastFill()?.nfe, 'the fill ran on the user model');
    assert.equal(diffuse.lastFill()?.options?.steps, 7, 'unrestricted workspace settings still apply');
  });

  it("resolves a relative diffuse.model from the user's settings against the home folder, not the untrusted folder", async () => {
    const diffuse = await api();
    await configure({ model: './planted-model' });
    try {
      await waitFor(() => diffuse.modelState().kind === 'error', 'the relative model to fail');
      assert.doesNotMatch(diffuse.modelState().message ?? '', new RegExp(workspace().replace(/[.*+?^${}()|[\]\\]/g, '\\$&')));
      assert.equal(diffuse.modelName(), 'tiny-model', 'the previous model keeps serving');
    } finally {
      await configure({ model: fixtureModel() });
    }
  });
});
