import * as vscode from 'vscode';
import { Disposable } from './disposable';
import { changedKeys, normalizeSettings, RESTRICTED_KEYS, SECTION, type DiffuseSettings, type SettingKey } from './settingsModel';

/**
 * The live, typed settings. Fires `onDidChange` with the keys whose values changed, so each
 * consumer reacts only to its own (a new `steps` must not reload the model).
 *
 * In an untrusted workspace the model paths come from the user's settings only: a cloned
 * repository must not make the extension load a file of its choosing.
 */
export class Settings extends Disposable {
  private readonly _onDidChange = this._register(new vscode.EventEmitter<readonly SettingKey[]>());
  readonly onDidChange = this._onDidChange.event;
  private _current: DiffuseSettings;

  constructor() {
    super();
    this._current = Settings.read();
    this._register(vscode.workspace.onDidChangeConfiguration((e) => {
      if (e.affectsConfiguration(SECTION)) this.refresh();
    }));
    this._register(vscode.workspace.onDidGrantWorkspaceTrust(() => this.refresh()));
  }

  get current(): DiffuseSettings {
    return this._current;
  }

  /**
   * Writes `key` where its value comes from: the workspace's settings when they set it (a user
   * value would stay hidden under theirs, and the slider or the pause would seem to do nothing),
   * else the user's. The change comes back through `onDidChange`.
   */
  async update(key: SettingKey, value: unknown): Promise<void> {
    const target = this.writesToWorkspace(key) ? vscode.ConfigurationTarget.Workspace : vscode.ConfigurationTarget.Global;
    await vscode.workspace.getConfiguration(SECTION).update(key, value, target);
  }

  /** `key`'s value in the workspace's settings, where `update` writes it (undefined: it writes the user's). */
  workspaceValue(key: SettingKey): unknown {
    return this.writesToWorkspace(key) ? vscode.workspace.getConfiguration(SECTION).inspect(key)?.workspaceValue : undefined;
  }

  /** `key`'s value in the user's settings. */
  userValue(key: SettingKey): unknown {
    return vscode.workspace.getConfiguration(SECTION).inspect(key)?.globalValue;
  }

  /** Whether the workspace's settings set `key`, and are read for it (in an untrusted workspace the model paths are the user's). */
  private writesToWorkspace(key: SettingKey): boolean {
    const readable = vscode.workspace.isTrusted || !RESTRICTED_KEYS.includes(key);
    return readable && vscode.workspace.getConfiguration(SECTION).inspect(key)?.workspaceValue !== undefined;
  }

  private refresh(): void {
    const next = Settings.read();
    const keys = changedKeys(this._current, next);
    this._current = next;
    if (keys.length > 0) this._onDidChange.fire(keys);
  }

  private static read(): DiffuseSettings {
    const config = vscode.workspace.getConfiguration(SECTION);
    const trusted = vscode.workspace.isTrusted;
    return normalizeSettings((key) => {
      if (trusted || !RESTRICTED_KEYS.includes(key)) return config.get(key);
      const inspected = config.inspect(key);
      return inspected?.globalValue ?? inspected?.defaultValue;
    });
  }
}
