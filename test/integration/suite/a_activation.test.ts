import * as assert from 'node:assert/strict';
import * as vscode from 'vscode';
import { api, extension } from './helpers';

// Runs first (file order): the extension with no configuration at all.
describe('activation', () => {
  it('activates without error and loads the default model with no configuration', async () => {
    const diffuse = await api();
    assert.ok(extension().isActive);
    await diffuse.ready();
    assert.equal(diffuse.modelState().kind, 'ready');
    assert.equal(typeof diffuse.modelName(), 'string');
    assert.ok(['cpu', 'webgpu', 'cuda', 'dml', 'coreml'].includes(diffuse.provider() ?? ''), `provider ${diffuse.provider()}`);
  });

  it('registers every contributed command', async () => {
    const contributed = (extension().packageJSON.contributes.commands as Array<{ command: string }>).map((c) => c.command);
    assert.deepEqual(contributed.sort(), ['diffuse.acceptFill', 'diffuse.cancelFill', 'diffuse.fill', 'diffuse.pickModel', 'diffuse.rejectFill', 'diffuse.showLog', 'diffuse.toggleSuggestions']);
    const registered = new Set(await vscode.commands.getCommands(true));
    for (const command of contributed) assert.ok(registered.has(command), `${command} is not registered`);
  });

  it('shows the log and the denoising view without error', async () => {
    await vscode.commands.executeCommand('diffuse.showLog');
    await vscode.commands.executeCommand('diffuse.denoiseView.focus');
  });
});
