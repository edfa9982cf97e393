import { homedir } from 'node:os';
import * as vscode from 'vscode';

/**
 * The folder a relative `diffuse.model` or `diffuse.modelFolders` entry resolves against: the first
 * workspace folder, as a path written in that workspace's settings means — not the extension
 * host's working directory, which is wherever the editor happened to start. In an untrusted
 * workspace, the user's home folder instead: its settings are ignored there, and a relative path
 * from the user's own settings must not reach into a folder not yet trusted.
 */
export function modelPathBase(): string {
  const folder = vscode.workspace.workspaceFolders?.[0]?.uri;
  return vscode.workspace.isTrusted && folder?.scheme === 'file' ? folder.fsPath : homedir();
}
