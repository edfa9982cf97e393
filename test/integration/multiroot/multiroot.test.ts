import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { isDeepStrictEqual } from 'node:util';
import * as vscode from 'vscode';
import type { DiffuseApi } from '../../../src/providers/api';
import { automatic, complete, configure, invoke, useFixture, waitFor, withRelativeWorkspaceModel } from '../suite/helpers';

const RESOURCE_SETTINGS = ['trigger', 'enable', 'minConfidence'];

/**
 * A multi-root workspace (the runner opens a .code-workspace file with the folders `one` and
 * `two`): a folder's own .vscode/settings.json sets the resource-scoped settings for its documents
 * alone, and a write made for one of its documents (the pause toggle) goes where that document's
 * value comes from.
 */
describe('a multi-root workspace: one folder\'s own settings', () => {
  let diffuse: DiffuseApi;

  const folder = (name: string): vscode.WorkspaceFolder => {
    const found = vscode.workspace.workspaceFolders?.find((f) => f.name === name);
    assert.ok(found, `the runner opened a workspace with the folder ${name}`);
    return found;
  };
  const config = (name: string) => vscode.workspace.getConfiguration('diffuse', folder(name).uri);

  /** Writes folder `name`'s .vscode/settings.json (the `diffuse` keys of `values`) and waits for VS Code to read it. */
  async function setFolder(name: string, values: Record<string, unknown>): Promise<void> {
    const file = path.join(folder(name).uri.fsPath, '.vscode', 'settings.json');
    fs.writeFileSync(file, JSON.stringify(Object.fromEntries(Object.entries(values).map(([key, value]) => [`diffuse.${key}`, value]))));
    const read = () => RESOURCE_SETTINGS.every((key) => isDeepStrictEqual(config(name).inspect(key)?.workspaceFolderValue, values[key]));
    await waitFor(read, `VS Code to read ${name}'s settings`);
  }

  /** An editor on a Python file in folder `name` (the same text in each folder). */
  async function editorIn(name: string): Promise<vscode.TextEditor> {
    const file = path.join(folder(name).uri.fsPath, 'speed.py');
    if (!fs.existsSync(file)) fs.writeFileSync(file, 'speed = \n');
    return vscode.window.showTextDocument(await vscode.workspace.openTextDocument(file));
  }
  const position = new vscode.Position(0, 8);

  before(async () => {
    assert.ok(vscode.workspace.workspaceFile, 'the runner opened a workspace file');
    diffuse = await useFixture();
  });

  afterEach(async () => {
    await setFolder('one', {});
    await setFolder('two', {});
  });

  it('a folder\'s diffuse.trigger holds for its documents and no other folder\'s', async () => {
    await setFolder('one', { trigger: 'manual' });
    assert.equal(vscode.workspace.getConfiguration('diffuse').get('trigger'), 'automatic', 'the workspace-wide value');
    assert.equal(await complete(diffuse, await editorIn('one'), position, automatic), undefined, 'automatic ghost text in a manual folder');
    assert.ok((await complete(diffuse, await editorIn('one'), position, invoke))?.length, 'an explicit trigger got nothing');
    assert.ok((await complete(diffuse, await editorIn('two'), position, automatic))?.length, 'no ghost text in the other folder');
  });

  it('a folder\'s diffuse.minConfidence gates its ghost text and marks its "Diffuse fill" preview', async () => {
    await setFolder('two', { minConfidence: 1 });
    assert.deepEqual(await complete(diffuse, await editorIn('two'), position, automatic), [], 'gated silently');
    assert.ok((await complete(diffuse, await editorIn('one'), position, automatic))?.length, 'gated in the other folder too');
    for (const [name, low] of [['two', true], ['one', false]] as const) {
      const editor = await editorIn(name);
      editor.selection = new vscode.Selection(position, position);
      assert.equal(await vscode.commands.executeCommand<boolean>('diffuse.fill'), true);
      assert.deepEqual(diffuse.fillPreview()?.proposals.map((p) => p.lowConfidence), [low], `the preview in ${name}`);
      await vscode.commands.executeCommand('diffuse.rejectFill');
    }
  });

  it('a folder\'s diffuse.enable pauses its documents, and the status bar entry follows the active editor', async () => {
    await editorIn('one');
    await setFolder('one', { enable: { python: false } });
    await waitFor(() => /paused/.test(diffuse.suggestionToggle()?.text ?? ''), 'the entry to say paused after the folder\'s settings changed');
    assert.equal(await complete(diffuse, await editorIn('one'), position, invoke), undefined);
    assert.match(diffuse.notice() ?? '', /off for python/);
    await editorIn('two');
    await waitFor(() => /on for python/.test(diffuse.suggestionToggle()?.tooltip ?? ''), 'the entry to say on in the other folder');
    assert.ok((await complete(diffuse, await editorIn('two'), position, automatic))?.length, 'no ghost text in the other folder');
  });

  it('the pause toggle writes to the folder\'s settings where the folder sets diffuse.enable, and nowhere else', async () => {
    await setFolder('one', { enable: { python: false } });
    await editorIn('one');
    assert.equal(await vscode.commands.executeCommand('diffuse.toggleSuggestions', 'language'), true, 'resumed');
    await waitFor(() => /on for python/.test(diffuse.suggestionToggle()?.tooltip ?? ''), 'the entry to say on');
    const enable = config('one').inspect('enable');
    assert.deepEqual(enable?.workspaceFolderValue, {}, 'the folder\'s entry went: without it python is on');
    assert.equal(enable?.workspaceValue, undefined, 'the workspace file changed');
    assert.equal(enable?.globalValue, undefined, 'the user\'s settings changed');
    assert.equal(await vscode.commands.executeCommand('diffuse.toggleSuggestions', 'language'), false, 'paused again');
    assert.deepEqual(config('one').inspect('enable')?.workspaceFolderValue, { python: false });
    assert.equal(config('two').inspect('enable')?.workspaceFolderValue, undefined, 'the other folder\'s settings changed');
    assert.ok((await complete(diffuse, await editorIn('two'), position, automatic))?.length, 'the other folder was paused too');
  });

  it('"pause everywhere" from a folder that sets diffuse.enable pauses every folder, and "resume everywhere" resumes every one', async () => {
    const all = (name: string) => config(name).get<Record<string, boolean>>('enable')?.['*'];
    try {
      await setFolder('one', { enable: { go: false } });
      await setFolder('two', { enable: { '*': true } });
      await editorIn('one');
      assert.equal(await vscode.commands.executeCommand('diffuse.toggleSuggestions', 'all'), false, 'paused');
      assert.deepEqual([all('one'), all('two')], [false, false], 'paused in each folder');
      assert.deepEqual(config('one').inspect('enable')?.workspaceFolderValue, { go: false }, 'one\'s own map changed');
      assert.equal(config('two').inspect('enable')?.workspaceFolderValue, undefined, 'two\'s own settings still set diffuse.enable (its `*`, or an empty map)');
      assert.equal(await complete(diffuse, await editorIn('two'), position, automatic), undefined, 'ghost text in the other folder');
      await waitFor(() => /paused/.test(diffuse.suggestionToggle()?.text ?? ''), 'the entry to say paused in the other folder');

      await setFolder('one', { enable: { '*': false } });
      assert.equal(await vscode.commands.executeCommand('diffuse.toggleSuggestions', 'all'), true, 'resumed');
      assert.deepEqual([all('one'), all('two')], [true, true], 'resumed in each folder');
      assert.equal(config('one').inspect('enable')?.workspaceFolderValue, undefined, 'one\'s own settings still set diffuse.enable (its `*`, or an empty map)');
      assert.ok((await complete(diffuse, await editorIn('one'), position, automatic))?.length, 'no ghost text in the folder paused of its own');
    } finally {
      await configure({ enable: undefined });
    }
  });
});

/**
 * The workspace's settings of a multi-root workspace lie in its .code-workspace file (the runner
 * writes it beside the folders `one` and `two`): a relative model path there means the file's folder.
 */
describe('a multi-root workspace: a relative diffuse.model in the workspace file', () => {
  let diffuse: DiffuseApi;

  before(async () => {
    diffuse = await useFixture();
  });

  it('resolves against the workspace file\'s folder, and the model picker writes it relative to that folder', async () => {
    assert.ok(vscode.workspace.workspaceFile?.scheme === 'file', 'the runner opened a workspace file on disk');
    await withRelativeWorkspaceModel(diffuse, path.dirname(vscode.workspace.workspaceFile.fsPath));
  });
});
