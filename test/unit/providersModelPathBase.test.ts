import * as assert from 'node:assert/strict';
import { homedir } from 'node:os';
import * as path from 'node:path';
import { modelPathBase, type PathWorkspace } from '../../src/providers/modelPathBase';

const file = (fsPath: string) => ({ scheme: 'file', fsPath });
const one = path.resolve('/work/one');
const two = path.resolve('/work/two');
const folders = [{ uri: file(one) }, { uri: file(two) }];

describe('the folder a relative diffuse.model or diffuse.modelFolders resolves against', () => {
  it('a saved multi-root workspace: its .code-workspace file\'s folder for the workspace\'s settings, the first folder for the user\'s', () => {
    const workspace: PathWorkspace = { isTrusted: true, workspaceFile: file(path.resolve('/work/team/all.code-workspace')), workspaceFolders: folders };
    assert.equal(modelPathBase('workspace', workspace), path.resolve('/work/team'));
    assert.equal(modelPathBase('user', workspace), one);
  });

  it('an untitled multi-root workspace (its settings in the editor\'s storage): the first folder, for the workspace\'s settings too', () => {
    const untitled = { scheme: 'untitled', fsPath: path.resolve('/storage/Untitled-1.code-workspace') };
    const workspace: PathWorkspace = { isTrusted: true, workspaceFile: untitled, workspaceFolders: folders };
    assert.equal(modelPathBase('workspace', workspace), one);
    assert.equal(modelPathBase('user', workspace), one);
  });

  it('a single folder: that folder, for its settings and the user\'s', () => {
    const workspace: PathWorkspace = { isTrusted: true, workspaceFile: undefined, workspaceFolders: [{ uri: file(two) }] };
    assert.equal(modelPathBase('workspace', workspace), two);
    assert.equal(modelPathBase('user', workspace), two);
  });

  it('the home folder in an untrusted workspace, with no folder open, and where the first folder is not on disk', () => {
    const untrusted: PathWorkspace = { isTrusted: false, workspaceFile: file(path.resolve('/work/team/all.code-workspace')), workspaceFolders: folders };
    assert.equal(modelPathBase('workspace', untrusted), homedir());
    assert.equal(modelPathBase('user', untrusted), homedir());
    assert.equal(modelPathBase('user', { isTrusted: true, workspaceFile: undefined, workspaceFolders: undefined }), homedir());
    const remote = { uri: { scheme: 'vscode-remote', fsPath: one } };
    assert.equal(modelPathBase('user', { isTrusted: true, workspaceFile: undefined, workspaceFolders: [remote] }), homedir());
  });
});
