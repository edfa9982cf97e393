import * as vscode from 'vscode';
import { Disposable } from './disposable';
import {
  changedKeys,
  isResourceKey,
  normalizeResourceSettings,
  normalizeWindowSettings,
  RESOURCE_KEYS,
  RESTRICTED_KEYS,
  SECTION,
  writeLayer,
  type ResourceSettings,
  type SettingKey,
  type WindowSettings,
  type WriteLayer,
} from './settingsModel';

const TARGETS: Readonly<Record<WriteLayer['level'], vscode.ConfigurationTarget>> = {
  user: vscode.ConfigurationTarget.Global,
  workspace: vscode.ConfigurationTarget.Workspace,
  folder: vscode.ConfigurationTarget.WorkspaceFolder,
};

/**
 * The live, typed settings. Fires `onDidChange` with the keys whose values changed (a
 * resource-scoped one's in any folder), so each consumer reacts only to its own (a new `steps`
 * must not reload the model).
 *
 * The resource-scoped ones (`RESOURCE_KEYS`) are read for a document (`for`): a folder of a
 * multi-root workspace may set its own, and `current` leaves them out so that no read forgets the
 * document. Writes go where the read they answer comes from (`writeLayer`).
 *
 * In an untrusted workspace the model paths come from the user's settings only: a cloned
 * repository must not make the extension load a file of its choosing.
 */
export class Settings extends Disposable {
  private readonly _onDidChange = this._register(new vscode.EventEmitter<readonly SettingKey[]>());
  readonly onDidChange = this._onDidChange.event;
  private _current: WindowSettings;

  constructor() {
    super();
    this._current = normalizeWindowSettings(Settings.reader());
    this._register(vscode.workspace.onDidChangeConfiguration((e) => {
      if (e.affectsConfiguration(SECTION)) this.refresh(e);
    }));
    this._register(vscode.workspace.onDidGrantWorkspaceTrust(() => this.refresh()));
  }

  /** The settings that hold one value for the whole window. */
  get current(): WindowSettings {
    return this._current;
  }

  /** The resource-scoped settings for `scope` (a document: its folder's values); without one, the workspace's. */
  for(scope: vscode.ConfigurationScope | undefined): ResourceSettings {
    return normalizeResourceSettings(Settings.reader(scope));
  }

  /**
   * Writes `key` where its value for `scope` comes from (`writeLayer`); a window-scoped key
   * ignores `scope`. The change comes back through `onDidChange`.
   */
  async update(key: SettingKey, value: unknown, scope?: vscode.ConfigurationScope): Promise<void> {
    const scoped = isResourceKey(key) ? scope : undefined;
    await vscode.workspace.getConfiguration(SECTION, scoped).update(key, value, TARGETS[this.writeLayer(key, scoped).level]);
  }

  /** Where `update(key, _, scope)` writes, the value there and the values of the levels below it. */
  writeLayer(key: SettingKey, scope?: vscode.ConfigurationScope): WriteLayer {
    const scoped = isResourceKey(key) ? scope : undefined;
    return writeLayer(vscode.workspace.getConfiguration(SECTION, scoped).inspect(key) ?? {}, {
      // A workspace file makes the folders' settings a level of their own (a multi-root workspace).
      folders: scoped !== undefined && vscode.workspace.workspaceFile !== undefined,
      workspace: vscode.workspace.isTrusted || !RESTRICTED_KEYS.includes(key),
    });
  }

  private refresh(event?: vscode.ConfigurationChangeEvent): void {
    const next = normalizeWindowSettings(Settings.reader());
    // A resource-scoped key has no one value to compare; it may change in one folder alone: the
    // event says whether it changed anywhere (trust leaves them as they are: none is restricted).
    const keys: SettingKey[] = [
      ...changedKeys(this._current, next),
      ...RESOURCE_KEYS.filter((key) => event?.affectsConfiguration(`${SECTION}.${key}`)),
    ];
    this._current = next;
    if (keys.length > 0) this._onDidChange.fire(keys);
  }

  /** The raw values for `scope` (none: the window's); in an untrusted workspace a restricted key's is the user's. */
  private static reader(scope?: vscode.ConfigurationScope): (key: SettingKey) => unknown {
    const config = vscode.workspace.getConfiguration(SECTION, scope);
    const trusted = vscode.workspace.isTrusted;
    return (key) => {
      if (trusted || !RESTRICTED_KEYS.includes(key)) return config.get(key);
      const inspected = config.inspect(key);
      return inspected?.globalValue ?? inspected?.defaultValue;
    };
  }
}
