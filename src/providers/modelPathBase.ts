import { homedir } from 'node:os';
import * as path from 'node:path';
import type { WriteLayer } from './settingsModel';

/** A `vscode.Uri`, as far as `modelPathBase` reads one. */
interface FileUri {
  readonly scheme: string;
  readonly fsPath: string;
}

/** `vscode.workspace`, as far as `modelPathBase` reads it (no `vscode` import: unit-tested in plain Node). */
export interface PathWorkspace {
  readonly isTrusted: boolean;
  readonly workspaceFile: FileUri | undefined;
  readonly workspaceFolders: ReadonlyArray<{ readonly uri: FileUri }> | undefined;
}

/**
 * The folder a relative `diffuse.model` or `diffuse.modelFolders` resolves against, given the level
 * of settings its value comes from (`Settings.writeLayer`, the one place that says so) and the
 * window's `workspace` (`vscode.workspace`): a path means what it says where it is written. The
 * workspace's settings of a multi-root workspace lie in its `.code-workspace` file, so a path there
 * is relative to that file's folder (when it is a file on disk: an untitled workspace's lies in the
 * editor's own storage, so the first folder instead). Otherwise — a single folder's settings, which
 * are its workspace's, and the user's, in a multi-root workspace too — the first workspace folder,
 * not the extension host's working directory, which is wherever the editor happened to start. Never
 * a folder's own settings: both settings hold one value for the whole window, which the extension
 * reads without a folder (`Settings`), so a multi-root folder's value, which VS Code accepts there
 * (they are machine-overridable), is never the one read. In an untrusted workspace, the user's
 * home folder instead: its settings are ignored there, and a relative path from the user's own
 * settings must not reach into a folder not yet trusted. The home folder too where no folder on
 * disk is open.
 */
export function modelPathBase(level: WriteLayer['level'], workspace: PathWorkspace): string {
  const { isTrusted, workspaceFile, workspaceFolders } = workspace;
  if (!isTrusted) return homedir();
  if (level === 'workspace' && workspaceFile?.scheme === 'file') return path.dirname(workspaceFile.fsPath);
  const folder = workspaceFolders?.[0]?.uri;
  return folder?.scheme === 'file' ? folder.fsPath : homedir();
}
