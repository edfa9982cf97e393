import * as assert from 'node:assert/strict';
import * as vscode from 'vscode';
import type { DiffuseApi } from '../../../src/providers/api';
import { automatic, complete, configure, openEditor, useFixture, waitFor } from './helpers';

describe('Diffuse fill and settings', () => {
  let diffuse: DiffuseApi;

  before(async () => {
    diffuse = await useFixture();
  });

  it('fills two selections in one edit, undone in one step', async () => {
    const original = 'alpha = SELECTED_ONE\nbeta = SELECTED_TWO\n';
    const editor = await openEditor(original);
    editor.selections = [new vscode.Selection(0, 8, 0, 20), new vscode.Selection(1, 7, 1, 19)];
    const applied = await vscode.commands.executeCommand<boolean>('diffuse.fill');
    assert.equal(applied, true);
    const filled = editor.document.getText();
    assert.ok(!filled.includes('SELECTED_ONE') && !filled.includes('SELECTED_TWO'), `not both filled: ${JSON.stringify(filled)}`);
    assert.ok(filled.startsWith('alpha = ') && filled.includes('\nbeta = '), `context changed: ${JSON.stringify(filled)}`);
    assert.equal(diffuse.lastFill()?.holes, 2);
    await vscode.commands.executeCommand('undo');
    assert.equal(editor.document.getText(), original);
  });

  it('applies nothing when the document changed while filling', async () => {
    const editor = await openEditor('name = \n');
    editor.selection = new vscode.Selection(0, 7, 0, 7);
    // One token per step, so the fill runs long enough for the edit to land while it does.
    await configure({ threshold: 0, maxHoleTokens: 48, steps: 48 });
    try {
      const running = vscode.commands.executeCommand<boolean>('diffuse.fill');
      await waitFor(() => diffuse.activity().kind === 'filling', 'the fill to start');
      await editor.edit((builder) => builder.insert(new vscode.Position(1, 0), 'typed meanwhile\n'));
      assert.equal(await running, false);
      assert.equal(editor.document.getText(), 'name = \ntyped meanwhile\n');
    } finally {
      await configure({ threshold: undefined, maxHoleTokens: undefined, steps: undefined });
    }
  });

  it('a steps change in settings reaches the sampler', async () => {
    const editor = await openEditor('result = \n');
    const position = new vscode.Position(0, 9);
    for (const steps of [5, 11]) {
      await configure({ steps });
      await complete(diffuse, editor, position, automatic);
      assert.equal(diffuse.lastFill()?.options.steps, steps);
    }
    await configure({ steps: undefined, strategy: 'margin', threshold: 0 });
    await complete(diffuse, editor, position, automatic);
    const options = diffuse.lastFill()?.options;
    assert.equal(options?.strategy, 'margin');
    assert.equal(options?.threshold, undefined);
    await configure({ strategy: undefined, threshold: undefined });
  });
});
